"""Age bands and income brackets of the spec as numeric intervals, half open: [low, high).

"18-24" is [18, 25) in years; "25k_50k" is [25000, 50000) in USD a year; the open top bracket
"200k_plus" is given the width ``income.open_top_width`` of the vocabulary.
"""

from __future__ import annotations

import re
from functools import cache

from generators.brief.vocabulary import vocabulary
from generators.spec import AGE_BANDS, INCOME_BRACKETS

AGE_PATH = "demographics.householder_age"
INCOME_PATH = "households.income_brackets"


def _thousands(text: str) -> float:
    return float(text.rstrip("k")) * 1000


def _bracket(label: str, top_width: float) -> tuple[float, float]:
    if label.startswith("under_"):
        return 0.0, _thousands(label.removeprefix("under_"))
    if label.endswith("_plus"):
        low = _thousands(label.removesuffix("_plus"))
        return low, low + top_width
    low, high = re.split(r"_", label)
    return _thousands(low), _thousands(high)


@cache
def intervals() -> dict[str, dict[str, tuple[float, float]]]:
    """Spec path -> label -> [low, high) for the two range-valued weight fields."""
    width = float(vocabulary().data["income"]["open_top_width"])
    ages = {band: (float(band.split("-")[0]), float(band.split("-")[1]) + 1) for band in AGE_BANDS}
    incomes = {label: _bracket(label, width) for label in INCOME_BRACKETS}
    return {AGE_PATH: ages, INCOME_PATH: incomes}
