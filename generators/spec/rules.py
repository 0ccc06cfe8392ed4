"""Cross-section rules of a GenerationSpec, each reported at the dotted path to fix.

Field-level rules live on the models in ``spec``; these need two sections at once: segments that
campaigns target must exist, flights must fit the engagement window, and demographic mixes must be
possible for the ages allowed.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from generators.spec.capacity import CAMPAIGN_SLOTS, longest_window_seconds
from generators.spec.errors import CrossRuleErrors, Problem, listed
from generators.spec.window import Segment, campaign_total, segments

if TYPE_CHECKING:
    from generators.spec.model import GenerationSpec

__all__ = ["CrossRuleErrors", "cross_problems", "spec_warnings"]

# Youngest age at which each education level is plausible.
EDUCATION_MIN_AGE = {"associate": 19, "bachelor": 21, "master": 23, "doctorate": 26}
RETIREMENT_AGE = 55
RETIRED_SLACK = 0.10
LOCAL_HOUSEHOLDS_WARNING = 5_000_000


def _band_bounds(band: str) -> tuple[int, int]:
    low, high = band.split("-")
    return int(low), int(high)


def _segment_problems(spec: GenerationSpec) -> list[Problem]:
    names = set(spec.audience.segment_names())
    problems: list[Problem] = []
    unknown = [s for s in spec.campaigns.target_segments if s not in names]
    if unknown:
        problems.append(
            Problem(
                "campaigns.target_segments",
                f"segment {listed(unknown)} does not exist; use one of "
                f"{', '.join(sorted(names))} or define it under audience.segments",
            )
        )
    for i, flight in enumerate(spec.campaigns.flights):
        missing = [s for s in flight.target_segments if s not in names]
        if missing:
            problems.append(
                Problem(
                    f"campaigns.flights.{i}.target_segments",
                    f"segment {listed(missing)} does not exist; use one of {', '.join(sorted(names))}",
                )
            )
    categories = spec.engagement.content.categories
    states = spec.households.states
    incomes = spec.households.income_brackets
    for i, segment in enumerate(spec.audience.segments):
        for field, weights, what in (
            ("top_categories", categories, "engagement.content.categories"),
            ("states", states, "households.states"),
            ("income_brackets", incomes, "households.income_brackets"),
        ):
            chosen = getattr(segment, field)
            if chosen and all(weights.get(c, 0) <= 0 for c in chosen):
                problems.append(
                    Problem(
                        f"audience.segments.{i}.{field}",
                        f"segment '{segment.name}' can never match: {', '.join(chosen)} have no weight "
                        f"in {what}; pick values with weight or give them weight there",
                    )
                )
    return problems


def _flight_problems(spec: GenerationSpec) -> list[Problem]:
    window = spec.engagement
    campaigns = spec.campaigns
    problems: list[Problem] = []
    first, *extensions = segments(spec)
    if campaigns.flight_days.max > first.days:
        problems.append(
            Problem(
                "campaigns.flight_days.max",
                f"flights of up to {campaigns.flight_days.max} days cannot fit the {first.days}-day "
                f"engagement window ({first.start_date}..{first.end_date}); lower it or widen the window",
            )
        )
    for segment in [] if campaigns.flights else extensions:
        if campaigns.flight_days.max > segment.days:
            last = segment.index == len(extensions)
            problems.append(
                Problem(
                    "engagement.end_date" if last else f"engagement.extended_from.{segment.index}",
                    f"the extension {segment.start_date}..{segment.end_date} is {segment.days} days, "
                    f"but its generated campaigns need up to {campaigns.flight_days.max} days "
                    f"(campaigns.flight_days.max); extend the window to "
                    f"{segment.start_date + timedelta(days=campaigns.flight_days.max - 1)} or later",
                )
            )
    if campaign_total(spec) >= CAMPAIGN_SLOTS:
        problems.append(
            Problem(
                "engagement.end_date",
                f"the window's {len(extensions)} extensions bring {campaign_total(spec)} campaigns, "
                f"more than the {CAMPAIGN_SLOTS - 1} campaign ids; extend it less or start a new run",
            )
        )
    problems += _cookie_problems(spec, extensions)
    if campaigns.frequency.cap_per_day * campaigns.flight_days.min < campaigns.frequency.mean:
        problems.append(
            Problem(
                "campaigns.frequency.cap_per_day",
                f"a cap of {campaigns.frequency.cap_per_day} a day over the shortest flight "
                f"({campaigns.flight_days.min} days) cannot deliver the mean frequency of "
                f"{campaigns.frequency.mean}; raise the daily cap or the minimum flight length",
            )
        )
    if campaigns.flights and campaigns.count != len(campaigns.flights):
        problems.append(
            Problem(
                "campaigns.count",
                f"{len(campaigns.flights)} explicit flights are given, so count must be {len(campaigns.flights)}; "
                f"set campaigns.count to {len(campaigns.flights)}",
            )
        )
    for i, flight in enumerate(campaigns.flights):
        if flight.start_date < window.start_date or flight.end_date > window.end_date:
            problems.append(
                Problem(
                    f"campaigns.flights.{i}",
                    f"flight '{flight.name}' ({flight.start_date}..{flight.end_date}) lies outside the "
                    f"engagement window {window.start_date}..{window.end_date}; move it inside or widen the window",
                )
            )
    return problems


def _cookie_problems(spec: GenerationSpec, extensions: list[Segment]) -> list[Problem]:
    """An extended window must stay short enough for every browser's cookies to fit their slots
    (cookie lifetimes are fixed by the first window: ``generators.tables.identity_mappings``)."""
    if not extensions:
        return []
    longest = longest_window_seconds(spec)
    if spec.engagement.window_days * 86_400 <= longest:
        return []
    last_day = spec.engagement.start_date + timedelta(days=longest // 86_400 - 1)
    return [
        Problem(
            "engagement.end_date",
            f"with cookies lasting {spec.demographics.identity.cookie_lifetime_days:g} days on "
            f"average, the window can be extended to {last_day} at most (each browser has a fixed "
            "number of cookie slots); end it by then",
        )
    ]


def _demographic_problems(spec: GenerationSpec) -> list[Problem]:
    demo = spec.demographics
    bands = [_band_bounds(b) for b, w in demo.householder_age.items() if w > 0]
    if not bands:
        return [
            Problem("demographics.householder_age", "at least one age band needs a positive weight")
        ]
    oldest = max(high for _, high in bands)
    problems: list[Problem] = []
    for level, min_age in EDUCATION_MIN_AGE.items():
        if demo.education.get(level, 0) > 0 and oldest < min_age:
            problems.append(
                Problem(
                    f"demographics.education.{level}",
                    f"a {level} degree needs age {min_age}+, but householder_age allows nobody older than "
                    f"{oldest}; set {level} to 0 or add older age bands",
                )
            )
    senior_share = sum(
        w for b, w in demo.householder_age.items() if _band_bounds(b)[0] >= RETIREMENT_AGE
    )
    retired = demo.employment.get("retired", 0)
    if retired > senior_share + RETIRED_SLACK:
        problems.append(
            Problem(
                "demographics.employment.retired",
                f"{retired:.0%} retired is impossible when only {senior_share:.0%} of householders are "
                f"{RETIREMENT_AGE}+ (retirement is mostly 60+); lower retired to at most "
                f"{senior_share + RETIRED_SLACK:.2f} or add older age bands",
            )
        )
    return problems


def cross_problems(spec: GenerationSpec) -> list[Problem]:
    """Every cross-section rule violation, located at the field to change."""
    return _segment_problems(spec) + _flight_problems(spec) + _demographic_problems(spec)


def spec_warnings(spec: GenerationSpec, *, local: bool = True) -> list[str]:
    """Things that are valid but probably unintended, as user-facing lines."""
    warnings = []
    if local and spec.households.count > LOCAL_HOUSEHOLDS_WARNING:
        warnings.append(
            f"households.count: {spec.households.count:,} households is a lot for a local run "
            f"(hours and tens of GB); consider a Databricks cluster or at most {LOCAL_HOUSEHOLDS_WARNING:,}"
        )
    return warnings
