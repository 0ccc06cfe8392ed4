"""individuals: integrity with households, demographic coherence on every row, determinism,
and (slow) realism against the spec at 100K households."""

from __future__ import annotations

import numpy as np
import pytest
from population import Population, content_hash, population, small_spec, violations
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.window import Window
from scipy.stats import chisquare

from generators.spec import (
    AGE_BANDS,
    EDUCATION_LEVELS,
    EMPLOYMENT_STATUSES,
    GENDERS,
)
from generators.tables import households, individuals

HOUSEHOLDS = 2000
CARRIED = (
    "household_size",
    "household_income_usd",
    "income_bracket",
    "state",
    "zip_code",
    "urbanicity",
)


@pytest.fixture(scope="module")
def tables(spark: SparkSession) -> Population:
    return population(spark, small_spec(HOUSEHOLDS), with_identity=False)


def test_every_household_has_exactly_its_members(tables: Population) -> None:
    people, hh = tables.individuals, tables.households
    members = people.groupBy("household_id").agg(F.count(F.lit(1)).alias("members"))
    joined = hh.join(members, "household_id", "full_outer")
    found = violations(
        joined,
        {
            "household_without_individuals": F.col("members").isNull(),
            "orphan_individuals": F.col("household_size").isNull(),
            "size_differs": F.col("members") != F.col("household_size"),
        },
    )
    assert found == dict.fromkeys(found, 0)
    stats = people.agg(F.count(F.lit(1)), F.countDistinct("individual_id")).first()
    assert stats[0] == stats[1] == hh.agg(F.sum("household_size")).first()[0]


def test_keys_and_carried_attributes_match_household(tables: Population) -> None:
    hh = tables.households.select("household_id", *(F.col(c).alias(f"hh_{c}") for c in CARRIED))
    joined = tables.individuals.join(hh, "household_id")
    member = F.col("individual_id") - F.col("household_id") * 16
    rules = {f"{c}_differs": ~F.col(c).eqNullSafe(F.col(f"hh_{c}")) for c in CARRIED}
    rules["member_out_of_range"] = (member < 0) | (member >= F.col("household_size"))
    found = violations(joined, rules)
    assert found == dict.fromkeys(found, 0)
    assert joined.count() == tables.individuals.count()


def coherence_rules(people: DataFrame) -> dict[str, object]:
    """Violation predicates of the demographic rules, per row (needs householder columns)."""
    age, role = F.col("age"), F.col("role")
    education = F.col("education_level")
    rank = F.array_position(F.array(*(F.lit(e) for e in EDUCATION_LEVELS)), education)
    min_age = {
        "high_school": 18,
        "some_college": 18,
        "associate": 19,
        "bachelor": 21,
        "master": 23,
        "doctorate": 26,
    }
    too_young = F.lit(False)
    for level, years in min_age.items():
        too_young = too_young | ((education == level) & (age < years))
    return {
        "age_out_of_range": ~age.between(0, 99),
        "adult_role_under_18": role.isin("householder", "partner", "other_adult") & (age < 18),
        "child_not_16_younger": (role == "child") & (age > F.col("hh_age") - 16),
        "child_more_than_50_younger": (role == "child") & (age < F.col("hh_age") - 50),
        "unknown_role": ~role.isin(*individuals.ROLES),
        "unknown_gender": ~F.col("gender").isin(*GENDERS),
        "unknown_education": rank == 0,
        "under_16_beyond_lths": (age < 16) & (education != "less_than_high_school"),
        "education_too_young": too_young,
        "unknown_employment": ~F.col("employment_status").isin(*EMPLOYMENT_STATUSES),
        "under_16_not_student": (age < 16) & (F.col("employment_status") != "student"),
        "retired_under_50": (F.col("employment_status") == "retired") & (age < 50),
        "income_negative": F.col("individual_income_usd") < 0,
        "child_income": (age < 16) & (F.col("individual_income_usd") != 0),
        "income_above_household": F.col("individual_income_usd") > F.col("household_income_usd"),
        "members_earn_more_than_household": F.col("hh_income_sum") > F.col("household_income_usd"),
        "not_one_householder": F.col("householders") != 1,
        "several_partners": F.col("partners") > 1,
    }


def test_demographic_coherence_on_every_row(tables: Population) -> None:
    household = Window.partitionBy("household_id")
    people = tables.individuals.select(
        "*",
        F.max(F.when(F.col("role") == "householder", F.col("age"))).over(household).alias("hh_age"),
        F.sum("individual_income_usd").over(household).alias("hh_income_sum"),
        F.sum(F.when(F.col("role") == "householder", 1).otherwise(0))
        .over(household)
        .alias("householders"),
        F.sum(F.when(F.col("role") == "partner", 1).otherwise(0)).over(household).alias("partners"),
    )
    found = violations(people, coherence_rules(people))
    assert found == dict.fromkeys(found, 0)


def test_age_of_recomputes_the_table_age(tables: Population) -> None:
    spec = small_spec(HOUSEHOLDS)
    differs = tables.individuals.where(
        individuals.age_of(spec, F.col("individual_id")) != F.col("age")
    ).count()
    assert differs == 0


def test_household_shapes_are_plausible(tables: Population) -> None:
    people = tables.individuals
    children = people.where(F.col("role") == "child")
    minors = children.agg(F.avg((F.col("age") < 18).cast("double"))).first()[0]
    assert minors > 0.5
    retired = people.where(F.col("employment_status") == "retired")
    assert retired.where(F.col("age") >= 60).count() > 0.9 * retired.count()
    pairs = (
        people.where(F.col("role").isin("householder", "partner"))
        .groupBy("household_id")
        .agg(F.countDistinct("gender").alias("genders"), F.count(F.lit(1)).alias("n"))
        .where(F.col("n") == 2)
    )
    opposite = pairs.agg(F.avg((F.col("genders") == 2).cast("double"))).first()[0]
    assert 0.9 < opposite < 1.0
    earners = (
        people.where(F.col("age") >= 25)
        .groupBy("education_level")
        .agg(
            F.avg(F.when(F.col("employment_status") == "employed", F.col("individual_income_usd")))
        )
    )
    means = dict(earners.collect())
    assert means["doctorate"] > means["bachelor"] > means["less_than_high_school"]


def test_deterministic_whatever_the_partitioning(spark: SparkSession, tables: Population) -> None:
    spec = small_spec(HOUSEHOLDS)
    reference = content_hash(tables.individuals)
    previous = spark.conf.get("spark.sql.shuffle.partitions")
    spark.conf.set("spark.sql.shuffle.partitions", "7")
    try:
        reshuffled = content_hash(
            individuals.individuals(spec, tables.households.repartition(5, "state"))
        )
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", previous)
    assert reshuffled == reference
    other = small_spec(HOUSEHOLDS, seed=7)
    assert (
        content_hash(individuals.individuals(other, households.households(spark, other)))[1]
        != reference[1]
    )


def test_expected_rows_matches_mean_size() -> None:
    spec = small_spec(10_000)
    assert individuals.expected_rows(spec) == pytest.approx(10_000 * spec.households.size.average)
    ages = individuals.age_pmf(spec)
    assert ages.sum() == pytest.approx(spec.households.size.average)
    assert ages[18:].sum() > 1.0 + individuals.P_PARTNER * 0.5


def test_employment_weights_rake_to_spec() -> None:
    spec = small_spec()
    table = individuals.employment_weights(spec)
    people = individuals.age_pmf(spec)
    people[:16] = 0
    weights = np.array([table[s] for s in EMPLOYMENT_STATUSES]).T
    conditional = weights[16:] / weights[16:].sum(axis=1, keepdims=True)
    mix = people[16:] @ conditional / people[16:].sum()
    target = [spec.demographics.employment[s] for s in EMPLOYMENT_STATUSES]
    assert np.allclose(mix, target, atol=1e-6)
    assert all(table["retired"][a] == 0 for a in range(50))


@pytest.mark.slow
def test_realism_at_100k_households(spark: SparkSession) -> None:
    spec = small_spec(100_000)
    tables = population(spark, spec, with_identity=False)
    pmf = households.size_pmf(spec)
    sizes = dict(tables.households.groupBy("household_size").count().collect())
    observed = [sizes.get(k, 0) for k in pmf]
    assert chisquare(observed, [100_000 * p for p in pmf.values()]).pvalue > 0.001
    mean = sum(k * n for k, n in zip(pmf, observed, strict=True)) / 100_000
    assert abs(mean / spec.households.size.average - 1) < 0.01
    people = tables.individuals
    band = F.lit(None)
    for name in AGE_BANDS:
        low, high = (int(x) for x in name.split("-"))
        band = F.when(F.col("age").between(low, high), F.lit(name)).otherwise(band)
    householders = people.where(F.col("role") == "householder")
    _assert_mix(householders.groupBy(band).count(), spec.demographics.householder_age, 0.02)
    adults = people.where(F.col("age") >= 25)
    _assert_mix(adults.groupBy("education_level").count(), spec.demographics.education, 0.02)
    working_age = people.where(F.col("age") >= 16)
    _assert_mix(
        working_age.groupBy("employment_status").count(), spec.demographics.employment, 0.02
    )
    _assert_mix(
        tables.households.groupBy("income_bracket").count(), spec.households.income_brackets, 0.01
    )


def _assert_mix(counts: DataFrame, target: dict[str, float], tolerance: float) -> None:
    observed = dict(counts.collect())
    total = sum(observed.values())
    gaps = {k: observed.get(k, 0) / total - w for k, w in target.items()}
    assert max(abs(g) for g in gaps.values()) < tolerance, gaps
