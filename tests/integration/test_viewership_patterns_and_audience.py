"""viewership_patterns and audience_attributes are derived: an independent plain-pandas
recomputation from the generated content_engagements and individuals reproduces them exactly;
both are identical whatever the shuffle partitioning."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import UTC, datetime

import numpy as np
import pandas as pd
import pytest
from population import content_hash
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from generators.spec import (
    CONTENT_CATEGORIES,
    DEVICE_TYPES,
    INCOME_BRACKETS,
    GenerationSpec,
    SegmentRule,
)
from generators.spec.io import parse_spec
from generators.synth.seasonality import epoch_hour, utc_day, window_end_epoch
from generators.tables import audience_attributes, viewership_patterns
from generators.tables.node import BuildContext
from generators.tables.registry import TABLES

SPEC = parse_spec({}, ["households.count=150", "seed=5"])
DERIVED = ("viewership_patterns", "audience_attributes")
SCALE = 2**30


def build_until(spark: SparkSession, spec: GenerationSpec, last: str) -> dict[str, DataFrame]:
    """Every table of the registry up to ``last``, built the way the pipeline chains them."""
    built: dict[str, DataFrame] = {}
    for node in TABLES:
        ctx = BuildContext(spark, spec, lambda name: built[name])
        built[node.name] = node.build(ctx).cache()
        if node.name == last:
            return built
    raise AssertionError(f"{last} is not registered")


@pytest.fixture(scope="module")
def generated(spark: SparkSession) -> dict[str, pd.DataFrame]:
    tables = build_until(spark, SPEC, "audience_attributes")
    return {
        name: tables[name].toPandas() for name in ("individuals", "content_engagements", *DERIVED)
    }


def first_max(counts: dict[str, int]) -> str | None:
    """The first label with the largest positive count."""
    best = max(counts.values())
    return next(label for label, n in counts.items() if n == best) if best > 0 else None


def recompute_patterns(spec: GenerationSpec, events: pd.DataFrame) -> pd.DataFrame:
    days = spec.engagement.window_days
    end = pd.Timestamp(spec.engagement.end_date) + pd.Timedelta(days=1)
    half_life = spec.audience.affinity.recency_half_life_days
    parts = {
        "morning": range(6, 12),
        "daytime": range(12, 18),
        "evening": range(18, 23),
        "late_night": [23, 0, 1, 2, 3, 4, 5],
    }
    rows = []
    for iid, e in events.groupby("individual_id"):
        ts = e["event_ts"]
        n = len(e)
        categories = {c: int((e["content_category"] == c).sum()) for c in CONTENT_CATEGORIES}
        top = first_max(categories)
        second = first_max({c: (-1 if c == top else k) for c, k in categories.items()})
        hours = ts.dt.hour
        ages = (end - ts).dt.total_seconds() / 86_400
        weights = np.round(SCALE * 0.5 ** (ages / half_life))
        row = {
            "individual_id": iid,
            "household_id": int(e["household_id"].iloc[0]),
            "total_events": n,
            "total_views": int((e["engagement_type"] == "view").sum()),
            "total_watch_seconds": int(e["duration_seconds"].fillna(0).sum()),
            "active_days": e["event_date"].nunique(),
            "events_per_day": n / days,
            "events_per_week": n * 7 / days,
            "events_per_month": n * 30.4375 / days,
            "first_event_ts": ts.min(),
            "last_event_ts": ts.max(),
            "recency_days": (spec.engagement.end_date - e["event_date"].max()).days,
            "top_category": top,
            "second_category": second,
            **{f"events_{c}": k for c, k in categories.items()},
            **{
                f"recent_{c}": weights[(e["content_category"] == c).to_numpy()].sum() / SCALE
                for c in CONTENT_CATEGORIES
            },
            "preferred_device": first_max(
                {d: int((e["device_type"] == d).sum()) for d in DEVICE_TYPES}
            ),
            "peak_hour": first_max({h: int((hours == h).sum()) for h in range(24)}),
            **{f"{p}_share": hours.isin(list(h)).sum() / n for p, h in parts.items()},
            "weekend_share": ts.dt.dayofweek.isin([5, 6]).sum() / n,
        }
        rows.append(row)
    return pd.DataFrame(rows).set_index("individual_id")


def matches(rule: SegmentRule, person: pd.Series) -> bool:
    checks = [
        rule.min_age is None or person["age"] >= rule.min_age,
        rule.max_age is None or person["age"] <= rule.max_age,
        rule.min_propensity is None or person["propensity_score"] >= rule.min_propensity,
    ]
    for field, column in (
        ("genders", "gender"),
        ("income_brackets", "income_bracket"),
        ("states", "state"),
        ("urbanicity", "urbanicity"),
        ("top_categories", "top_category"),
        ("behavioural_classes", "behavioural_class"),
        ("preferred_devices", "preferred_device"),
    ):
        allowed = getattr(rule, field)
        checks.append(not allowed or person[column] in allowed)
    return all(checks)


def recompute_audience(
    spec: GenerationSpec, people: pd.DataFrame, pats: pd.DataFrame
) -> pd.DataFrame:
    cfg = spec.audience
    classes = cfg.behavioural_classes
    weights = cfg.propensity
    rows = []
    for _, person in people.iterrows():
        iid = person["individual_id"]
        p = pats.loc[iid] if iid in pats.index else None
        total = 0 if p is None else p["total_events"]
        per_week = 0.0 if p is None else p["events_per_week"]
        if p is None:
            affinity = dict.fromkeys(CONTENT_CATEGORIES, 0.0)
        else:
            recent = sum(p[f"recent_{c}"] for c in CONTENT_CATEGORIES)
            affinity = {
                c: cfg.affinity.frequency_weight * p[f"events_{c}"] / total
                + cfg.affinity.recency_weight
                * (p[f"recent_{c}"] / recent if recent > 0 else p[f"events_{c}"] / total)
                for c in CONTENT_CATEGORIES
            }
        if p is None or p["recency_days"] >= classes.lapsed_after_days:
            behavioural = "lapsed"
        elif per_week >= classes.heavy_events_per_week:
            behavioural = "heavy"
        elif per_week >= classes.moderate_events_per_week:
            behavioural = "moderate"
        else:
            behavioural = "light"
        recency = 0.0 if p is None else math.exp(-p["recency_days"] / classes.lapsed_after_days)
        income = INCOME_BRACKETS.index(person["income_bracket"]) / (len(INCOME_BRACKETS) - 1)
        score = (
            weights.intercept
            + weights.frequency_weight
            * math.log1p(per_week)
            / math.log1p(classes.heavy_events_per_week)
            + weights.recency_weight * recency
            + weights.affinity_weight * max(affinity.values())
            + weights.income_weight * income
        )
        propensity = 1 / (1 + math.exp(-score))
        row = {
            "individual_id": iid,
            "household_id": person["household_id"],
            "behavioural_class": behavioural,
            "events_per_week": per_week,
            "recency_days": None if p is None else p["recency_days"],
            "top_category": None if p is None else p["top_category"],
            "preferred_device": None if p is None else p["preferred_device"],
            **{f"affinity_{c}": a for c, a in affinity.items()},
            "propensity_score": propensity,
            "value_estimate_usd": propensity * cfg.value_per_conversion_usd,
        }
        facts = pd.concat([person, pd.Series(row)])
        row["segment"] = next(
            (rule.name for rule in cfg.segments if matches(rule, facts)), "general"
        )
        rows.append(row)
    return pd.DataFrame(rows).set_index("individual_id")


def assert_same(table: pd.DataFrame, expected: pd.DataFrame, tolerance: Callable[[str], float]):
    assert sorted(table.index) == sorted(expected.index)
    table = table.loc[expected.index]
    for column in expected.columns:
        got, want = table[column], expected[column]
        if want.dtype.kind == "f":
            np.testing.assert_allclose(got, want, rtol=0, atol=tolerance(column), err_msg=column)
        else:
            assert [None if pd.isna(v) else v for v in got] == [
                None if pd.isna(v) else v for v in want
            ], column


def test_patterns_recomputed_from_events(generated: dict[str, pd.DataFrame]) -> None:
    table = generated["viewership_patterns"].set_index("individual_id")
    expected = recompute_patterns(SPEC, generated["content_engagements"])
    assert list(table.columns) == list(viewership_patterns.COLUMNS)[1:]
    # recent_* sums integer weights on a 2^-30 grid: allow one grid step per event for pow().
    assert_same(table, expected, lambda c: 1e-6 if c.startswith("recent_") else 1e-12)


def test_audience_recomputed_from_people_and_patterns(generated: dict[str, pd.DataFrame]) -> None:
    table = generated["audience_attributes"].set_index("individual_id")
    pats = generated["viewership_patterns"].set_index("individual_id")
    expected = recompute_audience(SPEC, generated["individuals"], pats)
    assert list(table.columns) == list(audience_attributes.COLUMNS)[1:]
    assert_same(table, expected, lambda c: 1e-12)


def test_audience_covers_everyone_and_is_coherent(generated: dict[str, pd.DataFrame]) -> None:
    table = generated["audience_attributes"]
    assert sorted(table["individual_id"]) == sorted(generated["individuals"]["individual_id"])
    engaged = table["individual_id"].isin(generated["viewership_patterns"]["individual_id"])
    affinities = table[[f"affinity_{c}" for c in CONTENT_CATEGORIES]]
    assert (~engaged).any() and engaged.any()
    assert (table.loc[~engaged, "behavioural_class"] == "lapsed").all()
    assert (affinities[~engaged] == 0).all().all()
    np.testing.assert_allclose(affinities[engaged].sum(axis=1), 1.0, atol=1e-9)
    assert table["propensity_score"].between(0, 1).all()
    assert table["segment"].nunique() >= 3
    assert set(table["behavioural_class"]) >= {"heavy", "moderate", "light", "lapsed"}


def test_derived_tables_ignore_partitioning(spark: SparkSession) -> None:
    spec = parse_spec({}, ["households.count=60", "seed=9"])
    hashes = []
    previous = spark.conf.get("spark.sql.shuffle.partitions")
    try:
        for partitions in ("3", "11"):
            spark.conf.set("spark.sql.shuffle.partitions", partitions)
            tables = build_until(spark, spec, "audience_attributes")
            hashes.append(tuple(content_hash(tables[name]) for name in DERIVED))
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", previous)
    assert hashes[0] == hashes[1]


def test_expected_rows_close_to_actual(generated: dict[str, pd.DataFrame]) -> None:
    people = len(generated["individuals"])
    assert audience_attributes.expected_rows(SPEC) == pytest.approx(people, rel=0.25)
    assert viewership_patterns.expected_rows(SPEC) == pytest.approx(
        len(generated["viewership_patterns"]), rel=0.25
    )


@pytest.mark.parametrize("half_life", [0.01, 7.0, 365.0])
def test_recency_weights_from_tables_match_pow_within_one_unit(spark, half_life):
    """Every age of the window (whole seconds; here one second in 97, all 86,400 of the last
    day) weighs round(2^30 · 0.5^(age / half-life)) to within one unit, as a pow per event
    would."""
    spec = parse_spec({"audience": {"affinity": {"recency_half_life_days": half_life}}})
    end = window_end_epoch(spec) + 1
    most = spec.engagement.window_days * 86_400
    ages = np.unique(np.concatenate([np.arange(1, most + 1, 97), np.arange(1, 86_401), [most]]))
    frame = spark.createDataFrame(pd.DataFrame({"age": ages}))
    ts = F.timestamp_seconds(F.lit(end) - F.col("age"))
    got = frame.select("age", viewership_patterns.recency_weight(spec, ts).alias("w")).toPandas()
    expected = np.round(SCALE * 0.5 ** (got["age"].to_numpy() / 86_400 / half_life))
    assert len(got) == len(ages)
    assert np.abs(got["w"].to_numpy() - expected).max() <= 1


def test_weekend_from_the_epoch_day_is_saturday_or_sunday(spark):
    days = pd.DataFrame({"day": pd.date_range("1969-12-20", periods=800, freq="D").date})
    got = spark.createDataFrame(days).select(
        "day", viewership_patterns.is_weekend(F.col("day")).alias("weekend")
    )
    rows = got.toPandas()
    expected = pd.to_datetime(rows["day"]).dt.dayofweek.isin([5, 6])
    assert (rows["weekend"] == expected).all()


def test_utc_day_and_epoch_hour_ignore_the_session_time_zone(spark):
    """Integer-arithmetic UTC date and hours since the epoch, around midnight and before 1970,
    with the session in a zone whose day boundary is not UTC's."""
    seconds = [-86_401, -1, 0, 3_599, 3_600, 86_399, 86_400, 1_700_000_000, 1_767_225_599]
    expected = [datetime.fromtimestamp(s, UTC) for s in seconds]
    zone = spark.conf.get("spark.sql.session.timeZone")
    spark.conf.set("spark.sql.session.timeZone", "America/Los_Angeles")
    try:
        ts = F.timestamp_seconds(F.col("s"))
        rows = (
            spark.createDataFrame([(s,) for s in seconds], "s long")
            .select(utc_day(ts).alias("day"), epoch_hour(ts).alias("hour"))
            .collect()
        )
    finally:
        spark.conf.set("spark.sql.session.timeZone", zone)
    assert [r["day"] for r in rows] == [e.date() for e in expected]
    assert [divmod(r["hour"], 24)[1] for r in rows] == [e.hour for e in expected]
    assert [r["hour"] for r in rows] == [s // 3_600 for s in seconds]
