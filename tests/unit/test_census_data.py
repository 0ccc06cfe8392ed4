"""Checks on generators/spec/data/us_census.yaml, the sourced US figures behind the spec defaults."""

from __future__ import annotations

import math

import pytest
import yaml

from generators.spec.census import CENSUS_FILE

BLOCKS = (
    "state_household_share",
    "household_size",
    "income_brackets",
    "householder_age",
    "population_age",
    "sex",
    "education_25plus",
    "employment_16plus",
    "zip3_ranges",
    "urbanicity",
    "state_median_income",
    "household_size_median_income",
)
# Medians in US dollars, not shares: each carries the published US median in `us_median`.
MEDIAN_BLOCKS = ("state_median_income", "household_size_median_income")
SHARE_BLOCKS = tuple(b for b in BLOCKS if b != "zip3_ranges" and b not in MEDIAN_BLOCKS)
# Plausible bounds for a US median household income (USD) of a state or household size.
MEDIAN_INCOME_BOUNDS = (30_000, 150_000)

_USPS_CODES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV "
    "NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY"
)
USPS_STATES = frozenset(_USPS_CODES.split())

EXPECTED_KEYS = {
    "household_size": {1, 2, 3, 4, 5, 6, 7},
    "income_brackets": {
        "under_25k",
        "25k_50k",
        "50k_75k",
        "75k_100k",
        "100k_150k",
        "150k_200k",
        "200k_plus",
    },
    "householder_age": {"18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-99"},
    "population_age": {"0-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-99"},
    "sex": {"female", "male"},
    "education_25plus": {
        "less_than_high_school",
        "high_school",
        "some_college",
        "associate",
        "bachelor",
        "master",
        "doctorate",
    },
    "employment_16plus": {"employed", "unemployed", "retired", "student", "homemaker_or_other"},
    "urbanicity": {"urban", "suburban", "rural"},
    "household_size_median_income": {1, 2, 3, 4, 5, 6, 7},
}


@pytest.fixture(scope="module")
def census() -> dict:
    with CENSUS_FILE.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def test_all_blocks_present(census: dict) -> None:
    assert set(BLOCKS) <= set(census)


@pytest.mark.parametrize("block", BLOCKS)
def test_block_has_source_with_table_and_year(census: dict, block: str) -> None:
    source = census[block]["source"]
    assert isinstance(source, dict)
    assert isinstance(source.get("table"), str) and source["table"].strip()
    assert isinstance(source.get("year"), int) and 1990 <= source["year"] <= 2100
    assert isinstance(source.get("verified"), bool)


@pytest.mark.parametrize("block", SHARE_BLOCKS)
def test_values_are_shares_summing_to_one(census: dict, block: str) -> None:
    values = census[block]["values"]
    assert values, f"{block} has no values"
    for key, share in values.items():
        assert isinstance(share, float), f"{block}.{key} is not a float"
        assert 0.0 < share < 1.0, f"{block}.{key} = {share} is not a share"
    assert math.isclose(sum(values.values()), 1.0, abs_tol=1e-6)


@pytest.mark.parametrize("block", sorted(EXPECTED_KEYS))
def test_value_keys(census: dict, block: str) -> None:
    assert set(census[block]["values"]) == EXPECTED_KEYS[block]


def test_state_keys_match_zip3_keys(census: dict) -> None:
    shares = census["state_household_share"]["values"]
    zip3 = census["zip3_ranges"]["values"]
    assert len(shares) == 51
    assert set(shares) == USPS_STATES
    assert set(zip3) == set(shares)


def test_zip3_ranges_valid_and_disjoint(census: dict) -> None:
    owner: dict[int, str] = {}
    for state, ranges in census["zip3_ranges"]["values"].items():
        assert ranges, f"{state} has no ZIP prefixes"
        for pair in ranges:
            assert len(pair) == 2, f"{state}: {pair} is not [low, high]"
            low, high = pair
            assert isinstance(low, int) and isinstance(high, int)
            assert 5 <= low <= high <= 999, f"{state}: bad range {pair}"
            for prefix in range(low, high + 1):
                assert prefix not in owner, (
                    f"prefix {prefix:03d} in {owner.get(prefix)} and {state}"
                )
                owner[prefix] = state


def test_average_household_size(census: dict) -> None:
    average = census["household_size"]["average_household_size"]
    assert 2.0 < average < 3.0
    # the published average should agree with the size distribution (7+ counted as 7 at least)
    values = census["household_size"]["values"]
    lower_bound = sum(int(size) * share for size, share in values.items())
    assert lower_bound <= average + 0.01


@pytest.mark.parametrize("block", MEDIAN_BLOCKS)
def test_medians_are_plausible_dollar_amounts(census: dict, block: str) -> None:
    low, high = MEDIAN_INCOME_BOUNDS
    values = census[block]["values"]
    assert values, f"{block} has no values"
    for key, median in values.items():
        assert isinstance(median, int), f"{block}.{key} is not whole dollars"
        assert low <= median <= high, f"{block}.{key} = {median} is implausible"
    us_median = census[block]["us_median"]
    assert isinstance(us_median, int)
    assert low <= us_median <= high
    assert min(values.values()) < us_median < max(values.values())


def test_state_median_income_covers_every_state(census: dict) -> None:
    medians = census["state_median_income"]["values"]
    assert list(medians) == list(census["state_household_share"]["values"])
    assert set(medians) == USPS_STATES


def test_median_blocks_share_the_us_median(census: dict) -> None:
    # B19013 and B19019 (all households) of the same ACS year publish the same US median
    by_state = census["state_median_income"]
    by_size = census["household_size_median_income"]
    assert by_state["us_median"] == by_size["us_median"]
    assert by_state["source"]["year"] == by_size["source"]["year"]


def test_one_person_households_earn_least(census: dict) -> None:
    medians = census["household_size_median_income"]["values"]
    assert medians[1] == min(medians.values())
    assert medians[1] < census["household_size_median_income"]["us_median"] < medians[2]
