"""outcome_metrics: attribution weights on hand-made paths, and the contract on generated rows."""

from __future__ import annotations

import pytest
from campaign_world import World, build_world, synthetic_audience
from pyspark.sql import functions as F
from pyspark.sql import types as T

from generators.spec import ATTRIBUTION_MODELS, GenerationSpec
from generators.tables import outcome_metrics

DAY = 86_400
HOUSEHOLDS = 800

PATH_SCHEMA = T.StructType(
    [
        T.StructField("individual_id", T.LongType()),
        T.StructField("household_id", T.LongType()),
        T.StructField("campaign_id", T.LongType()),
        T.StructField("exposure_seconds", T.ArrayType(T.LongType())),
        T.StructField("response_seconds", T.LongType()),
        T.StructField("touch_index", T.IntegerType()),
        T.StructField("response_id", T.LongType()),
        T.StructField("revenue_usd", T.DoubleType()),
    ]
)


def attributed(spark, spec, days: list[float], converted_on: float) -> dict[str, list]:
    """Weights per model, in path order, for exposures on ``days`` and a conversion later."""
    seconds = [int(d * DAY) for d in days]
    at = int(converted_on * DAY)
    before = [s for s in seconds if s <= at]
    touch = len(before) - 1 if before else None
    row = (16, 1, 3, seconds, at, touch, 999, 100.0)
    rows = outcome_metrics.attribute(spark.createDataFrame([row], PATH_SCHEMA), spec).collect()
    result: dict[str, list] = {}
    for r in sorted(rows, key=lambda r: (r["attribution_model"], r["exposure_id"] or -1)):
        result.setdefault(r["attribution_model"], []).append(
            (r["touch"], round(r["attribution_weight"], 12), r["attributed_revenue_usd"])
        )
    return result


def test_weights_on_a_three_touch_path(spark):
    spec = GenerationSpec()
    got = attributed(spark, spec, [0, 1, 2], 3)
    assert [w for _, w, _ in got["first_touch"]] == [1.0, 0.0, 0.0]
    assert [w for _, w, _ in got["last_touch"]] == [0.0, 0.0, 1.0]
    assert [w for _, w, _ in got["linear"]] == [round(1 / 3, 12)] * 3
    assert [w for _, w, _ in got["position_based"]] == [0.4, 0.2, 0.4]
    half_life = spec.responses.attribution.time_decay_half_life_days
    raw = [0.5 ** (age / half_life) for age in (3, 2, 1)]
    assert [w for _, w, _ in got["time_decay"]] == [round(x / sum(raw), 12) for x in raw]
    assert [t for t, _, _ in got["linear"]] == ["first", "middle", "last"]
    assert [rev for _, _, rev in got["position_based"]] == pytest.approx([40.0, 20.0, 40.0])


def test_two_touches_split_the_middle_share_and_one_touch_gets_all(spark):
    spec = GenerationSpec()
    two = attributed(spark, spec, [0, 1], 2)
    assert [w for _, w, _ in two["position_based"]] == [0.5, 0.5]
    one = attributed(spark, spec, [5], 6)
    assert {model: [(t, w) for t, w, _ in rows] for model, rows in one.items()} == {
        m: [("only", 1.0)] for m in ATTRIBUTION_MODELS
    }


def test_only_touches_inside_the_window_count(spark):
    spec = GenerationSpec()
    window = spec.responses.attribution.window_days
    got = attributed(spark, spec, [0, 35, 36, 50], 40)
    assert window == 30
    assert [t for t, _, _ in got["linear"]] == ["first", "last"]
    stale = attributed(spark, spec, [0], 40)
    assert stale["last_touch"] == [("organic", 1.0, 100.0)]
    unexposed = attributed(spark, spec, [], 10)
    assert set(unexposed) == set(spec.responses.attribution.models)
    assert all(rows == [("organic", 1.0, 100.0)] for rows in unexposed.values())


def test_models_follow_the_spec_list(spark):
    data = GenerationSpec().canonical()
    data["responses"]["attribution"]["models"] = ["linear", "first_touch"]
    spec = GenerationSpec.model_validate(data)
    assert set(attributed(spark, spec, [0, 1], 2)) == {"linear", "first_touch"}


# ---------------------------------------------------------------- generated rows


@pytest.fixture(scope="module")
def world(spark) -> World:
    spec = GenerationSpec()
    built = build_world(spark, spec, synthetic_audience(spark, spec, HOUSEHOLDS))
    yield built
    built.unpersist()


def conversions(world: World):
    return world.responses.where("response_type = 'conversion'")


def test_every_conversion_has_every_model_and_weights_sum_to_one(world):
    om = world.outcomes
    assert om.count() == om.select("outcome_id").distinct().count()
    sums = om.groupBy("response_id", "attribution_model").agg(
        F.sum("attribution_weight").alias("w"),
        F.sum("attributed_revenue_usd").alias("revenue"),
        F.count(F.lit(1)).alias("touches"),
    )
    assert sums.where(F.abs(F.col("w") - 1) > 1e-9).count() == 0
    models = len(world.spec.responses.attribution.models)
    converted = conversions(world)
    assert sums.count() == converted.count() * models
    revenue = sums.join(converted.select("response_id", "revenue_usd"), "response_id")
    assert revenue.where(F.abs(F.col("revenue") - F.col("revenue_usd")) > 1e-6).count() == 0
    assert om.where("attribution_weight < 0 or attribution_weight > 1").count() == 0
    assert om.join(world.campaigns, "campaign_id", "left_anti").count() == 0


def test_touches_are_the_converters_delivered_exposures_in_the_window(world):
    window = world.spec.responses.attribution.window_days
    touches = world.outcomes.where(F.col("exposure_id").isNotNull()).alias("o")
    conv = conversions(world).alias("c")
    ex = world.exposures.alias("e")
    joined = touches.join(conv, "response_id").join(
        ex, F.col("o.exposure_id") == F.col("e.exposure_id")
    )
    assert joined.count() == touches.count()
    broken = joined.where(
        (F.col("e.individual_id") != F.col("c.individual_id"))
        | (F.col("e.campaign_id") != F.col("c.campaign_id"))
        | (F.col("o.campaign_id") != F.col("c.campaign_id"))
        | (F.col("e.exposure_ts") > F.col("c.response_ts"))
        | (F.col("e.exposure_ts") < F.col("c.response_ts") - F.expr(f"INTERVAL {window} DAYS"))
        | F.col("e.is_co_exposure")
    )
    assert broken.count() == 0


def test_paths_are_complete_and_organic_only_without_touches(world):
    window = world.spec.responses.attribution.window_days
    conv = conversions(world).alias("c")
    delivered = world.exposures.where("not is_co_exposure").alias("e")
    in_window = (
        conv.join(
            delivered,
            (F.col("c.individual_id") == F.col("e.individual_id"))
            & (F.col("c.campaign_id") == F.col("e.campaign_id"))
            & (F.col("e.exposure_ts") <= F.col("c.response_ts"))
            & (
                F.col("e.exposure_ts") >= F.col("c.response_ts") - F.expr(f"INTERVAL {window} DAYS")
            ),
        )
        .groupBy("c.response_id")
        .agg(F.count(F.lit(1)).alias("expected"))
    )
    linear = world.outcomes.where("attribution_model = 'linear'")
    got = linear.groupBy("response_id").agg(
        F.sum(F.col("exposure_id").isNotNull().cast("int")).alias("got"),
        F.max(F.col("touch") == "organic").alias("organic"),
    )
    compared = got.join(in_window, "response_id", "left").fillna(0, ["expected"])
    assert compared.where("got != expected").count() == 0
    assert compared.where("organic != (expected = 0)").count() == 0
    assert compared.where("organic").count() > 0 and compared.where("not organic").count() > 0


def test_last_touch_is_the_conversions_exposure(world):
    last = world.outcomes.where("attribution_model = 'last_touch' and attribution_weight = 1")
    conv = conversions(world).select("response_id", F.col("exposure_id").alias("credited"))
    joined = last.join(conv, "response_id")
    assert joined.where("exposure_id is not null and exposure_id != credited").count() == 0
    first = world.outcomes.where("attribution_model = 'first_touch' and attribution_weight = 1")
    earlier = (
        first.alias("f")
        .join(world.outcomes.where("attribution_model = 'first_touch'").alias("o"), "response_id")
        .where(F.col("o.exposure_id") < F.col("f.exposure_id"))
    )
    assert earlier.count() == 0


def test_engagement_score_counts_the_path(world):
    om = world.outcomes.where("attribution_model = 'linear'")
    per_conversion = om.groupBy("response_id").agg(
        F.sum(F.col("exposure_id").isNotNull().cast("int")).alias("touches"),
        F.min("engagement_score").alias("low"),
        F.max("engagement_score").alias("high"),
    )
    assert per_conversion.where("low != high or low < touches").count() == 0
    assert per_conversion.where("touches = 0 and low != 0").count() == 0
    assert per_conversion.where("low > touches").count() > 0
