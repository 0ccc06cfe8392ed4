"""The vocabulary's word-to-field mappings of one wizard step, as Markdown lines.

The agent's step prompts embed these (``{{vocabulary}}`` in ``prompts/steps/*.md``), so the
language model maps words exactly as the offline interpreter does; the values shown are the
ones the interpreter would compute (default proportions, bands covered by an age range).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from generators.brief.bands import AGE_PATH, INCOME_PATH, intervals
from generators.brief.vocabulary import vocabulary

PHRASES_SHOWN = 5
STEP_OF_TOP = {"seed": "output"}
UNITS = {
    "count": "a count",
    "number": "a number",
    "share": "a share (%)",
    "points": "percentage points",
    "money": "an amount ($)",
    "days": "a duration (days)",
    "hours": "a duration (hours)",
}


def _step(path: str) -> str:
    head = path.split(".", 1)[0]
    return STEP_OF_TOP.get(head, head)


def _words(phrases: list[Any]) -> str:
    return ", ".join(f'"{p}"' for p in phrases[:PHRASES_SHOWN])


def _field(path: str) -> str:
    return path if path == "seed" else path.split(".", 1)[1]


def _covered(path: str, low: float, high: float | None) -> str:
    top = float("inf") if high is None else high
    bands = intervals()[path].items()
    return ", ".join(label for label, (a, b) in bands if min(b, top) > max(a, low))


def _concept_effects(concept: dict[str, Any], step: str) -> list[str]:
    effects = []
    for path, value in (concept.get("set") or {}).items():
        if _step(path) == step:
            effects.append(f"{_field(path)} {value}")
    for path, labels in (concept.get("labels") or {}).items():
        if _step(path) == step:
            effects.append(f"{_field(path)} weighted to {', '.join(labels)}")
    if concept.get("ages") and step == "demographics":
        low, high = concept["ages"]
        effects.append(f"householder_age on {_covered(AGE_PATH, low, high + 1)}")
    if concept.get("income") and step == "households":
        low, high = concept["income"]
        effects.append(f"income_brackets on {_covered(INCOME_PATH, low, high)}")
    return effects


def _weights(step: str) -> list[str]:
    data = vocabulary().data
    lines = []
    for path, spec in data["weights"].items():
        if spec["step"] != step or not spec.get("labels"):
            continue
        how = (
            "only the named labels"
            if spec["mode"] == "only"
            else f"named labels gain {spec['focus']:.0%} of the others' weight"
        )
        labels = "; ".join(
            f"{_words(phrases)} → {label}" for label, phrases in spec["labels"].items()
        )
        lines.append(f"- `{_field(path)}` ({how}): {labels}")
    for path, spec in data["rates"].items():
        if spec["step"] == step:
            labels = "; ".join(f"{_words(p)} → {label}" for label, p in spec["labels"].items())
            lines.append(
                f'- `{_field(path)}` (a share next to the word, e.g. "90% have MAIDs"): {labels}'
            )
    return lines


def _places() -> list[str]:
    places = vocabulary().data["places"]
    regions = "; ".join(f'"{r["names"][0]}" = {", ".join(r["states"])}' for r in places["regions"])
    return [
        "- `states`: state names, USPS codes (capitals for codes that are words: IN, OR, ME…), "
        "major cities (their state) and regions; named states split by their ACS household "
        'shares unless shares are given ("60% in Texas"); '
        f"{_words(places['nationwide'])} keep every state. Regions: {regions}."
    ]


def _generations() -> list[str]:
    generations = vocabulary().data["ages"]["generations"]
    listed = "; ".join(f'"{g["names"][0]}" born {g["born"][0]}-{g["born"][1]}' for g in generations)
    return [
        '- `householder_age` from ranges ("35 to 54", "under 30", "65+", "in their forties", '
        f'"A25-54"): the bands they cover. Generations (ages in the window\'s start year): {listed}.'
    ]


def _measures(step: str) -> list[str]:
    lines = []
    for measure in vocabulary().data["measures"]:
        if _step(measure["path"]) != step or measure["path"].endswith("window_days"):
            continue
        words = measure.get("nouns") or measure.get("cues") or []
        lines.append(
            f"- {UNITS[measure['unit']]} next to {_words(words)} → `{_field(measure['path'])}`"
        )
    return lines


def _dates() -> list[str]:
    dates = vocabulary().data["dates"]
    periods = ", ".join(f'"{p}"' for p in list(dates["periods"])[:12])
    holidays = "; ".join(
        f'"{h["names"][0]}"'
        + (f" = {h['from'][0]}/{h['from'][1]}-{h['to'][0]}/{h['to'][1]}" if "from" in h else "")
        for h in dates["holidays"]
    )
    return [
        '- `start_date`, `end_date` from dates ("2026-03-01", "March 1", "3/1/2026"), months, '
        f'ranges ("July through December 2025"), periods of a year ({periods}…), holidays '
        f'({holidays}) and a length ("a 60-day window starting February 1"); a date without a year '
        "takes the year the window starts."
    ]


@cache
def hints(step: str) -> str:
    """Markdown lines: what the words of a brief set in ``step``."""
    data = vocabulary().data
    lines = _weights(step)
    if step == "households":
        lines += _places()
    if step == "demographics":
        lines += _generations()
    if step == "engagement":
        lines += _dates()
    for concept in data["concepts"]:
        effects = _concept_effects(concept, step)
        if effects:
            lines.append(f"- {_words(concept['phrases'])} → {'; '.join(effects)}")
    lines += _measures(step)
    return "\n".join(lines)
