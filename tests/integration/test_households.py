"""households: size distribution, geography, income and determinism, on real Spark."""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta

import pytest
from population import content_hash, small_spec, violations
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from scipy.stats import chisquare

from generators.spec import INCOME_BRACKETS, census
from generators.spec.io import parse_spec
from generators.tables import households

HOUSEHOLDS = 2000


@pytest.fixture(scope="module")
def table(spark: SparkSession) -> DataFrame:
    return households.households(spark, small_spec(HOUSEHOLDS)).cache()


@pytest.mark.parametrize(
    ("average", "low", "high"),
    [(2.51, 1, 7), (4.5, 2, 12), (1.2, 1, 3), (9.0, 8, 15), (3.0, 3, 3)],
)
def test_size_pmf_honours_range_and_average(average: float, low: int, high: int) -> None:
    spec = small_spec(households={"size": {"average": average, "min": low, "max": high}})
    pmf = households.size_pmf(spec)
    assert set(pmf) == set(range(low, high + 1))
    assert math.isclose(sum(pmf.values()), 1.0, abs_tol=1e-12)
    assert math.isclose(households.mean_size(spec), average, abs_tol=1e-9)


def test_size_pmf_keeps_census_shape_at_census_average() -> None:
    pmf = households.size_pmf(small_spec())
    shares = {int(k): v for k, v in census.values("household_size").items()}
    assert max(abs(pmf[k] - shares[k]) for k in shares) < 0.025
    assert pmf[2] > pmf[1] > pmf[3] > pmf[4] > pmf[5] > pmf[6]


def test_income_model_rakes_overall_mix_to_spec() -> None:
    spec = small_spec()
    base, state_shift = households.income_bracket_model(spec)
    sizes = households.size_pmf(spec)
    states = spec.households.states
    mix = dict.fromkeys(base, 0.0)
    for state, ws in states.items():
        for size, ps in sizes.items():
            shift = state_shift[state] + households.size_shift(size)
            odds = {b: w * math.exp(INCOME_BRACKETS.index(b) * shift) for b, w in base.items()}
            for b in base:
                mix[b] += ws * ps * odds[b] / sum(odds.values())
    target = spec.households.income_brackets
    assert max(abs(mix[b] - target[b]) for b in target) < 1e-6
    assert state_shift["MD"] > 0 > state_shift["MS"]


def test_keys_domains_and_time(table: DataFrame) -> None:
    spec = small_spec(HOUSEHOLDS)
    start = datetime(2026, 1, 1)
    bounds = households.BRACKET_BOUNDS
    inside = F.lit(False)
    for name, (low, high) in bounds.items():
        inside = inside | (
            (F.col("income_bracket") == name) & F.col("household_income_usd").between(low, high)
        )
    inside = inside | (
        (F.col("income_bracket") == "200k_plus")
        & F.col("household_income_usd").between(200_000, households.TOP_BRACKET_CAP)
    )
    size = spec.households.size
    found = violations(
        table,
        {
            "size_range": ~F.col("household_size").between(size.min, size.max),
            "income_outside_bracket": ~inside,
            "created_not_before_window": F.col("created_at") >= F.lit(start),
            "created_too_early": F.col("created_at")
            < F.lit(start - timedelta(days=households.CREATED_LOOKBACK_DAYS)),
            "zip_not_5_digits": ~F.col("zip_code").rlike("^[0-9]{5}$"),
            "unknown_state": ~F.col("state").isin(*census.states()),
            "unknown_urbanicity": ~F.col("urbanicity").isin("urban", "suburban", "rural"),
            "null_value": F.greatest(*(F.col(c).isNull() for c in table.columns)),
        },
    )
    assert found == dict.fromkeys(found, 0)
    stats = table.agg(
        F.count(F.lit(1)),
        F.countDistinct("household_id"),
        F.min("household_id"),
        F.max("household_id"),
    ).first()
    assert tuple(stats) == (HOUSEHOLDS, HOUSEHOLDS, 0, HOUSEHOLDS - 1)


def test_zip_code_prefix_belongs_to_state(spark: SparkSession, table: DataFrame) -> None:
    ranges = spark.createDataFrame(
        [
            (state, low, high)
            for state, spans in census.values("zip3_ranges").items()
            for low, high in spans
        ],
        "state string, low int, high int",
    )
    prefix = F.substring("zip_code", 1, 3).cast("int")
    matched = (
        table.join(ranges, "state")
        .where(prefix.between(F.col("low"), F.col("high")))
        .select("household_id")
        .distinct()
        .count()
    )
    assert matched == HOUSEHOLDS


def test_mixes_follow_spec(table: DataFrame) -> None:
    spec = small_spec(HOUSEHOLDS)
    pmf = households.size_pmf(spec)
    sizes = dict(table.groupBy("household_size").count().collect())
    result = chisquare([sizes.get(k, 0) for k in pmf], [HOUSEHOLDS * p for p in pmf.values()])
    assert result.pvalue > 0.001
    brackets = dict(table.groupBy("income_bracket").count().collect())
    target = spec.households.income_brackets
    result = chisquare(
        [brackets.get(b, 0) for b in INCOME_BRACKETS],
        [HOUSEHOLDS * target[b] for b in INCOME_BRACKETS],
    )
    assert result.pvalue > 0.001


def test_income_rises_with_size_and_state_income(spark: SparkSession) -> None:
    spec = small_spec(HOUSEHOLDS, households={"states": {"MD": 0.5, "MS": 0.5}})
    df = households.households(spark, spec)
    medians = dict(df.groupBy("state").agg(F.percentile("household_income_usd", 0.5)).collect())
    assert medians["MD"] > 1.3 * medians["MS"]
    by_size = dict(
        df.groupBy(F.least("household_size", F.lit(4)))
        .agg(F.percentile("household_income_usd", 0.5))
        .collect()
    )
    assert by_size[1] < by_size[2] < by_size[4]


def test_deterministic_whatever_the_partitioning(spark: SparkSession, table: DataFrame) -> None:
    reference = content_hash(table)
    spark.conf.set("spark.sql.leafNodeDefaultParallelism", "5")
    try:
        repartitioned = content_hash(households.households(spark, small_spec(HOUSEHOLDS)))
    finally:
        spark.conf.unset("spark.sql.leafNodeDefaultParallelism")
    assert repartitioned == reference
    other_seed = content_hash(households.households(spark, small_spec(HOUSEHOLDS, seed=7)))
    assert other_seed[0] == reference[0]
    assert other_seed[1] != reference[1]


def test_expected_rows_is_the_count() -> None:
    assert households.expected_rows(small_spec(12_345)) == 12_345


def test_rows_depend_on_the_spec_not_on_the_order_of_its_mappings(
    spark: SparkSession, table: DataFrame
) -> None:
    """The spec stored with the tables is canonical JSON (sorted keys): read back, it must
    generate the same rows (urbanicity, states, incomes are drawn over mapping order)."""
    reread = parse_spec(json.loads(small_spec(HOUSEHOLDS).canonical_json()))
    assert content_hash(households.households(spark, reread)) == content_hash(table)
