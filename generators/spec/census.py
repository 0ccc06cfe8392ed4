"""Published US figures behind the spec defaults (see ``data/us_census.yaml`` for sources).

The YAML file names each source table and year; this module only loads it. Values are shares
that sum to 1 per block, except ``zip3_ranges`` (ZIP prefix ranges per state) and the median
blocks ``state_median_income`` and ``household_size_median_income`` (medians in US dollars, with
the published US median of the same table in ``us_median``; see ``median_ratios``).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

CENSUS_FILE = Path(__file__).parent / "data" / "us_census.yaml"


@cache
def census() -> dict[str, Any]:
    """The whole census data file, parsed once."""
    with CENSUS_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def values(block: str) -> dict[str, Any]:
    """The ``values`` of one block, keys as strings (YAML may parse ``1:`` as an int)."""
    return {str(k): v for k, v in census()[block]["values"].items()}


def source(block: str) -> dict[str, Any]:
    """The ``source`` of one block: table, title, year, url."""
    return dict(census()[block]["source"])


def median_ratios(block: str) -> dict[str, float]:
    """Each median of a median block divided by the block's published US median."""
    us_median = float(census()[block]["us_median"])
    return {key: float(median) / us_median for key, median in values(block).items()}


def states() -> tuple[str, ...]:
    """The 50 states and DC as USPS codes, in file order."""
    return tuple(values("state_household_share"))
