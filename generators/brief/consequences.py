"""Fields the brief did not mention that its edits force to change, each change stated.

The spec's cross rules tie fields together: young householders leave little room for retirees,
a short window cannot hold long flights, explicit flights must lie in the window. When the brief
sets one side and says nothing of the other, the unmentioned side is moved just enough to fit,
and the edit says why (tied to the phrase that forced it). When the brief sets both sides, nothing
is moved: the spec rules refuse the contradiction, naming the field.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date
from typing import Any

from generators.brief.claims import Claims, Resolved, rounded
from generators.spec.rules import EDUCATION_MIN_AGE, RETIRED_SLACK, RETIREMENT_AGE

Repair = Callable[[dict[str, Any], "Mentioned"], list[Resolved]]


class Mentioned:
    """Which paths the brief's claims touch, and the tokens of the claims on a path."""

    def __init__(self, claims: Claims):
        self.claims = claims

    def __call__(self, path: str) -> bool:
        return any(
            c.path == path or c.path.startswith(f"{path}.") or path.startswith(f"{c.path}.")
            for c in self.claims.items
        )

    def tokens(self, *paths: str) -> tuple[tuple[int, int], ...]:
        found = {
            t
            for c in self.claims.items
            for t in c.tokens
            if any(self._under(c.path, p) for p in paths)
        }
        return tuple(sorted(found))

    @staticmethod
    def _under(path: str, prefix: str) -> bool:
        return path == prefix or path.startswith(f"{prefix}.")


def _bands(ages: dict[str, float]) -> list[tuple[int, int, float]]:
    out = []
    for band, weight in ages.items():
        low, high = band.split("-")
        out.append((int(low), int(high), weight))
    return out


def retirement(data: dict, mentioned: Mentioned) -> list[Resolved]:
    """Fewer retirees when the ages leave no room for them (``demographics.employment.retired``)."""
    if not mentioned("demographics.householder_age") or mentioned("demographics.employment"):
        return []
    demo = data["demographics"]
    seniors = sum(
        w for low, _, w in _bands(demo["householder_age"]) if low >= RETIREMENT_AGE and w > 0
    )
    employment = dict(demo["employment"])
    retired = employment.get("retired", 0)
    if retired <= seniors + RETIRED_SLACK:
        return []
    new = round(min(retired, seniors), 4)
    employment["employed"] = employment.get("employed", 0) + retired - new
    employment["retired"] = new
    note = f"retired lowered to {new:.0%}: only {seniors:.0%} of householders are {RETIREMENT_AGE}+"
    return [
        Resolved(
            "demographics.employment",
            rounded(employment),
            mentioned.tokens("demographics.householder_age"),
            note,
        )
    ]


def education(data: dict, mentioned: Mentioned) -> list[Resolved]:
    """No degrees the ages cannot hold (a doctorate needs 26+)."""
    if not mentioned("demographics.householder_age") or mentioned("demographics.education"):
        return []
    demo = data["demographics"]
    oldest = max(high for _, high, w in _bands(demo["householder_age"]) if w > 0)
    levels = dict(demo["education"])
    dropped = [k for k, age in EDUCATION_MIN_AGE.items() if levels.get(k, 0) > 0 and oldest < age]
    if not dropped:
        return []
    for level in dropped:
        levels[level] = 0.0
    note = f"{', '.join(dropped)} set to 0: nobody is older than {oldest}"
    return [
        Resolved(
            "demographics.education",
            rounded(levels),
            mentioned.tokens("demographics.householder_age"),
            note,
        )
    ]


def _window_days(data: dict) -> int:
    engagement = data["engagement"]
    start = date.fromisoformat(str(engagement["start_date"]))
    end = date.fromisoformat(str(engagement["end_date"]))
    return (end - start).days + 1


def flights_in_window(data: dict, mentioned: Mentioned) -> list[Resolved]:
    """A window wide enough for the explicit flights, when the brief gave flights but no window."""
    flights = data["campaigns"]["flights"]
    if not flights or not mentioned("campaigns.flights"):
        return []
    if mentioned("engagement.start_date") or mentioned("engagement.end_date"):
        return []
    engagement = data["engagement"]
    start = min([str(engagement["start_date"])] + [f["start_date"] for f in flights])
    end = max([str(engagement["end_date"])] + [f["end_date"] for f in flights])
    if (start, end) == (str(engagement["start_date"]), str(engagement["end_date"])):
        return []
    tokens = mentioned.tokens("campaigns.flights")
    note = "widened to hold the campaigns' flights"
    return [
        Resolved("engagement.start_date", start, tokens, note),
        Resolved("engagement.end_date", end, tokens, note),
    ]


def flight_length(data: dict, mentioned: Mentioned) -> list[Resolved]:
    """Generated flights no longer than the window."""
    if mentioned("campaigns.flight_days"):
        return []
    days = _window_days(data)
    current = data["campaigns"]["flight_days"]
    if current["max"] <= days:
        return []
    high = days
    low = min(current["min"], high)
    average = (low + high) / 2 if low < high else float(high)
    tokens = mentioned.tokens("engagement")
    note = f"flights shortened to fit the {days}-day window"
    return [
        Resolved(
            "campaigns.flight_days", {"average": average, "min": low, "max": high}, tokens, note
        )
    ]


def daily_cap(data: dict, mentioned: Mentioned) -> list[Resolved]:
    """A daily cap that can deliver the mean frequency over the shortest flight."""
    campaigns = data["campaigns"]
    frequency, shortest = campaigns["frequency"], campaigns["flight_days"]["min"]
    if frequency["cap_per_day"] * shortest >= frequency["mean"] or mentioned(
        "campaigns.frequency.cap_per_day"
    ):
        return []
    cap = math.ceil(frequency["mean"] / shortest)
    tokens = mentioned.tokens("campaigns.frequency", "campaigns.flight_days", "engagement")
    note = f"raised so {frequency['mean']:g} exposures fit a {shortest}-day flight"
    return [Resolved("campaigns.frequency.cap_per_day", cap, tokens, note)]


def flight_cap(data: dict, mentioned: Mentioned) -> list[Resolved]:
    frequency = data["campaigns"]["frequency"]
    if frequency["mean"] <= frequency["cap_per_flight"] or mentioned(
        "campaigns.frequency.cap_per_flight"
    ):
        return []
    cap = math.ceil(frequency["mean"] * 2)
    note = f"raised above the mean frequency of {frequency['mean']:g}"
    return [
        Resolved(
            "campaigns.frequency.cap_per_flight", cap, mentioned.tokens("campaigns.frequency"), note
        )
    ]


def events_cap(data: dict, mentioned: Mentioned) -> list[Resolved]:
    events = data["engagement"]["events_per_individual"]
    if events["mean"] < events["max"] or mentioned("engagement.events_per_individual.max"):
        return []
    cap = min(65_536, math.ceil(events["mean"] * 4))
    note = f"raised above the mean of {events['mean']:g} events"
    return [
        Resolved(
            "engagement.events_per_individual.max",
            cap,
            mentioned.tokens("engagement.events_per_individual"),
            note,
        )
    ]


def household_size(data: dict, mentioned: Mentioned) -> list[Resolved]:
    """min <= average <= max, the average strictly inside unless min = max."""
    size = dict(data["households"]["size"])
    low, high, average = size["min"], size["max"], size["average"]
    changed = []
    if low > high and not mentioned("households.size.max"):
        high = size["max"] = low
        changed.append("max")
    elif low > high and not mentioned("households.size.min"):
        low = size["min"] = high
        changed.append("min")
    inside = low == high == average or low < average < high
    if not inside and not _explicit_average(mentioned):
        size["average"] = float(low) if low == high else round((low + high) / 2, 2)
        changed.append("average")
    if not changed:
        return []
    note = f"{' and '.join(changed)} adjusted to keep min <= average <= max"
    return [Resolved("households.size", size, mentioned.tokens("households.size"), note)]


def _explicit_average(mentioned: Mentioned) -> bool:
    return any(
        c.path == "households.size.average" and c.strength >= 3 for c in mentioned.claims.items
    )


def conversion_room(data: dict, mentioned: Mentioned) -> list[Resolved]:
    """Baseline plus lift below 1 when the brief set only the baseline."""
    responses = data["responses"]
    base, lift = responses["baseline_conversion_rate"], responses["max_incremental_lift"]
    if base + lift < 1 or mentioned("responses.max_incremental_lift"):
        return []
    new = round(max(0.0, (1 - base) / 2), 4)
    note = f"lowered so baseline {base:.0%} plus lift stays below 100%"
    return [
        Resolved(
            "responses.max_incremental_lift",
            new,
            mentioned.tokens("responses.baseline_conversion_rate"),
            note,
        )
    ]


def segments(data: dict, mentioned: Mentioned) -> list[Resolved]:
    """Drop default segments the brief's weights make impossible (no sports in the catalogue,
    no affluent households), and stop targeting them."""
    if mentioned("audience.segments"):
        return []
    fields = (
        (
            "top_categories",
            data["engagement"]["content"]["categories"],
            "engagement.content.categories",
        ),
        ("states", data["households"]["states"], "households.states"),
        ("income_brackets", data["households"]["income_brackets"], "households.income_brackets"),
    )
    kept, dropped, causes = [], [], []
    for segment in data["audience"]["segments"]:
        cause = next(
            (
                path
                for key, weights, path in fields
                if segment.get(key) and all(weights.get(v, 0) <= 0 for v in segment[key])
            ),
            None,
        )
        if cause is None:
            kept.append(segment)
        else:
            dropped.append(segment["name"])
            causes.append(cause)
    if not dropped:
        return []
    tokens = mentioned.tokens(*causes)
    edits = [
        Resolved(
            "audience.segments",
            kept,
            tokens,
            f"segment {', '.join(dropped)} dropped: it could never match",
        )
    ]
    targets = data["campaigns"]["target_segments"]
    if any(t in dropped for t in targets) and not mentioned("campaigns.target_segments"):
        edits.append(
            Resolved(
                "campaigns.target_segments",
                [t for t in targets if t not in dropped],
                tokens,
                "dropped segments are no longer targeted",
            )
        )
    return edits


REPAIRS: tuple[Repair, ...] = (
    retirement,
    education,
    flights_in_window,
    flight_length,
    daily_cap,
    flight_cap,
    events_cap,
    household_size,
    conversion_room,
    segments,
)
