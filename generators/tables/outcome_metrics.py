"""outcome_metrics: multi-touch attribution of every conversion.

For each conversion of ``responses.conversions`` and each model of
``responses.attribution.models``, one row per touch of the path: the person's delivered
exposures to that campaign in ``[response_ts - window_days, response_ts]``. The path comes from
the same (person, campaign) row's recomputed schedule, so no join is needed. A conversion with
no exposure in the window gets one row per model with ``exposure_id`` null, ``touch`` 'organic'
and weight 1.

Weights over a path of n touches (each model normalised to sum exactly to 1 up to rounding):
first_touch 1 on the first; last_touch 1 on the last; linear 1/n; time_decay ∝
0.5^(age at conversion / time_decay_half_life_days); position_based ``position_based_first`` on
the first, ``position_based_last`` on the last, the rest shared by the middle touches (with two
touches the rest is split between them; with one touch it gets 1).

``engagement_score`` (per conversion, repeated on its rows): Σ over path exposures of
1 + 3·click + 5·visit + 2·engagement, from the same draws as ``response_events``.
``outcome_id`` = ``ids.sub_id(exposure_id, model index in spec.ATTRIBUTION_MODELS)``; organic
rows use the pair's ``ids.NO_EXPOSURE_SLOT`` exposure id.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from generators.spec import ATTRIBUTION_MODELS, GenerationSpec
from generators.synth import delivery, ids
from generators.tables.node import BuildContext
from generators.tables.response_events import conversions, expected_conversions, interaction

SCORE_WEIGHTS = {"exposure": 1.0, "click": 3.0, "visit": 5.0, "engagement": 2.0}

COLUMNS = {
    "outcome_id": "Outcome key: one per conversion, attribution model and touch.",
    "response_id": "The conversion (response_events.response_id).",
    "campaign_id": "The campaign.",
    "individual_id": "The converter.",
    "household_id": "The converter's household.",
    "exposure_id": "The touch credited; null for organic conversions.",
    "attribution_model": "first_touch, last_touch, linear, time_decay or position_based.",
    "touch": "Position of the touch in the path: only, first, middle, last, or organic.",
    "attribution_weight": "Share of the conversion credited to the touch; sums to 1 per "
    "(response_id, attribution_model).",
    "attributed_revenue_usd": "attribution_weight × the conversion's revenue_usd.",
    "engagement_score": "Interactions on the path: Σ 1 + 3·click + 5·visit + 2·engagement.",
}


def decay(spec: GenerationSpec, age_seconds: Column) -> Column:
    """Time-decay weight of a touch ``age_seconds`` before the conversion."""
    half_life = spec.responses.attribution.time_decay_half_life_days * delivery.SECONDS_PER_DAY
    return F.pow(F.lit(0.5), age_seconds.cast("double") / F.lit(half_life))


def decay_total(spec: GenerationSpec, path: Column, at: Column) -> Column:
    """Σ time-decay weights over ``path`` for a conversion at ``at`` (carried in the accumulator,
    see ``delivery.count_before``)."""
    start = F.struct(F.lit(0.0).alias("total"), at.alias("at"))

    def step(acc: Column, t: Column) -> Column:
        total = acc["total"] + decay(spec, acc["at"] - t)
        return F.struct(total.alias("total"), acc["at"].alias("at"))

    return F.aggregate(path, start, step, lambda acc: acc["total"])


def engagement_score(spec: GenerationSpec, first: Column, n: Column) -> Column:
    """Weighted interactions over exposures ``first .. first + n - 1`` of the row's pair."""

    def add(acc: Column, j: Column) -> Column:
        exposure = ids.exposure_id(F.col("individual_id"), F.col("campaign_id"), j)
        score = F.lit(SCORE_WEIGHTS["exposure"])
        for name, happened in interaction(spec, exposure).items():
            score = score + F.when(happened, SCORE_WEIGHTS[name]).otherwise(0.0)
        return acc + score

    path = F.sequence(first, first + F.greatest(n, F.lit(1)) - F.lit(1))
    return F.when(n > 0, F.aggregate(path, F.lit(0.0), add)).otherwise(F.lit(0.0))


def weight(spec: GenerationSpec, model: Column, i: Column, n: Column, age: Column) -> Column:
    """Weight of touch ``i`` (0-based) of ``n`` under ``model``, given ``decay_total``."""
    a = spec.responses.attribution
    rest = max(0.0, 1.0 - a.position_based_first - a.position_based_last)
    total = a.position_based_first + a.position_based_last + rest
    first, last = i == 0, i == n - F.lit(1)
    pair_share = F.when(first, a.position_based_first + rest / 2).otherwise(
        a.position_based_last + rest / 2
    )
    longer_share = (
        F.when(first, F.lit(a.position_based_first))
        .when(last, F.lit(a.position_based_last))
        .otherwise(F.lit(rest) / (n - F.lit(2)).cast("double"))
    )
    position = (
        F.when(n == 1, F.lit(1.0))
        .when(n == 2, pair_share / F.lit(total))
        .otherwise(longer_share / F.lit(total))
    )
    return (
        F.when(model == "first_touch", F.when(first, 1.0).otherwise(0.0))
        .when(model == "last_touch", F.when(last, 1.0).otherwise(0.0))
        .when(model == "linear", F.lit(1.0) / n.cast("double"))
        .when(model == "time_decay", decay(spec, age) / F.col("decay_total"))
        .otherwise(position)
    )


def touch_label(i: Column, n: Column) -> Column:
    return (
        F.when(n == 0, "organic")
        .when(n == 1, "only")
        .when(i == 0, "first")
        .when(i == n - F.lit(1), "last")
        .otherwise("middle")
    )


def attribute(converted: DataFrame, spec: GenerationSpec) -> DataFrame:
    """outcome_metrics rows for the rows of ``responses.conversions``."""
    a = spec.responses.attribution
    seconds, at = F.col("exposure_seconds"), F.col("response_seconds")
    window = F.lit(a.window_days * delivery.SECONDS_PER_DAY)
    too_old = delivery.count_before(seconds, at - window, inclusive=False)
    n = F.coalesce(F.col("touch_index") + F.lit(1), F.lit(0)) - F.col("path_start")
    path = F.slice(seconds, F.col("path_start") + F.lit(1), F.col("n"))
    models = F.array(*(F.lit(m) for m in a.models))
    organic = F.col("n") == 0
    j = F.col("path_start") + F.col("i")
    pair_exposure = ids.exposure_id(F.col("individual_id"), F.col("campaign_id"), j)
    pair_slot = ids.exposure_id(F.col("individual_id"), F.col("campaign_id"), ids.NO_EXPOSURE_SLOT)
    age = at - F.try_element_at(seconds, j + F.lit(1))
    rows = (
        converted.withColumn("path_start", too_old)
        .withColumn("n", F.greatest(n, F.lit(0)))
        .withColumn("decay_total", decay_total(spec, path, at))
        .withColumn("engagement_score", engagement_score(spec, F.col("path_start"), F.col("n")))
        .withColumn("attribution_model", F.explode(models))
        .withColumn("i", F.explode(F.sequence(F.lit(0), F.greatest(F.col("n"), F.lit(1)) - 1)))
    )
    index = F.array_position(
        F.array(*(F.lit(m) for m in ATTRIBUTION_MODELS)), F.col("attribution_model")
    ) - F.lit(1)
    weighted = F.when(organic, F.lit(1.0)).otherwise(
        weight(spec, F.col("attribution_model"), F.col("i"), F.col("n"), age)
    )
    return (
        rows.withColumn("exposure_id", F.when(~organic, pair_exposure))
        .withColumn(
            "outcome_id",
            ids.sub_id(F.when(organic, pair_slot).otherwise(pair_exposure), index),
        )
        .withColumn("touch", touch_label(F.col("i"), F.col("n")))
        .withColumn("attribution_weight", weighted)
        .withColumn("attributed_revenue_usd", F.col("attribution_weight") * F.col("revenue_usd"))
        .select(*COLUMNS)
    )


def outcomes_frame(audience: DataFrame, campaigns: DataFrame, spec: GenerationSpec) -> DataFrame:
    """outcome_metrics from campaign_audience rows and the campaigns table."""
    return attribute(conversions(audience, campaigns, spec), spec)


def build(ctx: BuildContext) -> DataFrame:
    """TableNode builder."""
    return outcomes_frame(ctx.upstream("campaign_audience"), ctx.upstream("campaigns"), ctx.spec)


def expected_rows(spec: GenerationSpec) -> float:
    """Conversions × models × mean path length (about the mean frequency for exposed ones)."""
    models = len(spec.responses.attribution.models)
    return expected_conversions(spec) * models * max(1.0, spec.campaigns.frequency.mean * 0.6)
