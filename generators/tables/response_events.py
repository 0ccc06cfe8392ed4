"""response_events: clicks, visits, engagements and conversions.

Exposure responses (delivered exposures only, read from ``campaign_exposures`` rather than
rescheduled; draws keyed by ``exposure_id``): a click with
``responses.click_rate``, a visit after a click with ``visit_rate``, an engagement with
``engagement_rate``. Their ``response_id`` is ``ids.sub_id(exposure_id, kind)`` (kind 0 click,
1 visit, 2 engagement); they follow the exposure by ``1 s + Exponential`` delays
(``INTERACTION_DELAY_SECONDS``), so ``response_ts > exposure_ts``.

Conversions: one uniform ``u`` per eligible (individual, campaign) against the pair's
``baseline_probability`` b and ``true_conversion_probability`` p (``campaign_audience``):
``u < b`` is a baseline conversion (it happens with or without ads), ``b <= u < p`` an incremental
one (``is_incremental``: caused by the exposures; only reached people have p > b).
- Timing: a baseline conversion happens at a time drawn inside the flight (day uniform, hour by
  the hour-of-day profile), independent of the ads. An incremental conversion is triggered by
  one exposure, drawn with probability proportional to its share of the adstock, after a lag
  ``LogNormal(ln(lag.median_hours), lag.sigma)`` capped at ``lag.max_days``.
- ``exposure_id`` of a conversion is its last touch: the person's latest delivered exposure to the
  campaign at or before ``response_ts``; null when none precedes it (holdout, unreached, or a
  baseline conversion before the first exposure). So a response never precedes its exposure.
- ``response_id`` = ``ids.sub_id(ids.exposure_id(individual, campaign, NO_EXPOSURE_SLOT), 3)``:
  one per pair, in a slot no delivered exposure uses, so it cannot collide with exposure responses.
- ``revenue_usd``: LogNormal with mean ``order_value.mean_usd`` and shape ``order_value.sigma``,
  rounded to cents.
"""

from __future__ import annotations

import math

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from generators.spec import GenerationSpec
from generators.synth import delivery, ids, rng
from generators.synth.sampling import AliasTable
from generators.tables.campaign_audience import eligible_share, expected_individuals
from generators.tables.campaign_exposures import expected_delivered
from generators.tables.node import BuildContext

CLICK, VISIT, ENGAGEMENT, CONVERSION = 0, 1, 2, 3
# Mean delay after the preceding step, in seconds (assumed).
INTERACTION_DELAY_SECONDS = {"click": 20.0, "visit": 45.0, "engagement": 90.0}

COLUMNS = {
    "response_id": "Response key (see generators/tables/response_events.py for the id arithmetic).",
    "individual_id": "The responding person.",
    "household_id": "The person's household.",
    "campaign_id": "The campaign responded to.",
    "exposure_id": "The exposure responded to (for conversions the last touch); null if none.",
    "response_ts": "When the response happened (UTC); never before its exposure.",
    "response_type": "click, visit, engagement or conversion.",
    "revenue_usd": "Order value of a conversion in USD; null for other responses.",
    "is_incremental": "Truth: the conversion would not have happened without exposure; "
    "null for other responses.",
}


def interaction(spec: GenerationSpec, exposure_id: Column) -> dict[str, Column]:
    """Whether a delivered exposure is clicked, visited (after a click) and engaged with."""
    seed, r = spec.seed, spec.responses
    click = rng.bernoulli(seed, "response.click", exposure_id, p=r.click_rate)
    visit = click & rng.bernoulli(seed, "response.visit", exposure_id, p=r.visit_rate)
    engagement = rng.bernoulli(seed, "response.engagement", exposure_id, p=r.engagement_rate)
    return {"click": click, "visit": visit, "engagement": engagement}


def delay(spec: GenerationSpec, kind: str, exposure_id: Column) -> Column:
    """Seconds (long, >= 1) from the preceding step to an interaction."""
    mean = INTERACTION_DELAY_SECONDS[kind]
    wait = rng.exponential(spec.seed, f"response.{kind}.delay", exposure_id, mean=mean)
    return F.lit(1) + F.floor(wait).cast("long")


def exposure_responses(exposures: DataFrame, spec: GenerationSpec) -> DataFrame:
    """Clicks, visits and engagements of the delivered exposures of ``campaign_exposures``
    (co-exposures are unbilled extra audience and get no response).

    Exposures without a click or an engagement (most of them) are dropped first, on two hashes
    each; delays and response rows are computed for the rest only."""
    exposure = F.col("exposure_id")
    happened = interaction(spec, exposure)
    rows = exposures.where(
        ~F.col("is_co_exposure") & (happened["click"] | happened["engagement"])
    ).select(
        "individual_id",
        "household_id",
        "campaign_id",
        "exposure_id",
        F.unix_seconds(F.col("exposure_ts")).alias("seconds"),
    )
    click_at = F.col("seconds") + delay(spec, "click", exposure)
    at = {
        "click": click_at,
        "visit": click_at + delay(spec, "visit", exposure),
        "engagement": F.col("seconds") + delay(spec, "engagement", exposure),
    }
    kinds = {"click": CLICK, "visit": VISIT, "engagement": ENGAGEMENT}
    candidates = F.array(
        *(
            F.struct(
                happened[name].alias("happened"),
                F.lit(name).alias("response_type"),
                ids.sub_id(exposure, kind).alias("response_id"),
                at[name].alias("response_seconds"),
            )
            for name, kind in kinds.items()
        )
    )
    return (
        rows.select("*", F.inline(F.filter(candidates, lambda c: c["happened"])))
        .withColumn("revenue_usd", F.lit(None).cast("double"))
        .withColumn("is_incremental", F.lit(None).cast("boolean"))
    )


def conversion_outcome(audience: DataFrame, spec: GenerationSpec) -> DataFrame:
    """``campaign_audience`` rows plus ``converted``, ``is_incremental`` and ``revenue_usd``."""
    seed, value = spec.seed, spec.responses.order_value
    pair = (F.col("individual_id"), F.col("campaign_id"))
    u = rng.uniform(seed, "response.convert", *pair)
    converted = u < F.col("true_conversion_probability")
    mu = math.log(value.mean_usd) - value.sigma**2 / 2
    revenue = F.round(rng.lognormal(seed, "response.revenue", *pair, mu=mu, sigma=value.sigma), 2)
    return (
        audience.withColumn("converted", converted)
        .withColumn("is_incremental", converted & (u >= F.col("baseline_probability")))
        .withColumn("revenue_usd", F.when(converted, revenue))
    )


def trigger_index(spec: GenerationSpec, seconds: Column, u: Column) -> Column:
    """Index of the exposure that triggers an incremental conversion, drawn with probability
    proportional to its share 0.5^(age at the last exposure / half-life) of the adstock.

    Forward pass: the cumulative share up to exposure j is memory_j × 0.5^((last − t_j) / h);
    the index is how many cumulative shares stay <= u × adstock (capped at the last exposure).
    """
    half_life = spec.responses.adstock_half_life_days * delivery.SECONDS_PER_DAY
    start = delivery.memory_start(
        seconds,
        passed=F.lit(0),
        last=F.try_element_at(seconds, F.lit(-1)),
        target=u * delivery.adstock(spec, seconds),
    )

    def step(acc: Column, t: Column) -> Column:
        memory = delivery.remembered(spec, acc, t)
        age = (acc["last"] - t).cast("double") / F.lit(half_life)
        cumulative = memory * F.pow(F.lit(0.5), age)
        passed = acc["passed"] + F.when(cumulative <= acc["target"], 1).otherwise(0)
        return F.struct(
            memory.alias("memory"),
            t.alias("at"),
            passed.alias("passed"),
            acc["last"].alias("last"),
            acc["target"].alias("target"),
        )

    passed = F.aggregate(seconds, start, step, lambda acc: acc["passed"])
    return F.least(passed, F.size(seconds) - F.lit(1))


def conversion_seconds(spec: GenerationSpec) -> Column:
    """Epoch seconds of the conversion of a ``with_schedule`` row that converted."""
    seed, lag = spec.seed, spec.responses.lag
    pair = (F.col("individual_id"), F.col("campaign_id"))
    seconds = F.col("exposure_seconds")
    trigger = trigger_index(spec, seconds, rng.uniform(seed, "response.trigger", *pair))
    lag_seconds = F.least(
        rng.lognormal(
            seed, "response.lag", *pair, mu=math.log(lag.median_hours * 3600), sigma=lag.sigma
        ),
        F.lit(float(lag.max_days * delivery.SECONDS_PER_DAY)),
    )
    caused = F.try_element_at(seconds, F.greatest(trigger, F.lit(0)) + F.lit(1)) + F.floor(
        lag_seconds
    ).cast("long")
    days = delivery.flight_days(F.col("start_date"), F.col("end_date"))
    day = rng.between(seed, "response.day", *pair, low=0, high=days - F.lit(1))
    hour = AliasTable.of(spec.engagement.seasonality.hour_of_day).draw(
        rng.uniform(seed, "response.hour", *pair)
    )
    second = rng.between(seed, "response.second", *pair, low=0, high=3599)
    anyway = (
        (F.unix_date(F.col("start_date")).cast("long") + day) * F.lit(delivery.SECONDS_PER_DAY)
        + hour.cast("long") * F.lit(3600)
        + second
    )
    return F.when(F.col("is_incremental"), caused).otherwise(anyway)


def conversions(audience: DataFrame, campaigns: DataFrame, spec: GenerationSpec) -> DataFrame:
    """Converting ``campaign_audience`` pairs with their schedule, ``response_id``,
    ``response_seconds``, ``touch_index`` (last exposure at or before it, null if none),
    ``exposure_id`` and the columns of ``conversion_outcome``."""
    converted = conversion_outcome(audience, spec).where(F.col("converted"))
    scheduled = delivery.with_schedule(converted, campaigns, spec).withColumn(
        "response_seconds", conversion_seconds(spec)
    )
    before = delivery.count_before(
        F.col("exposure_seconds"), F.col("response_seconds"), inclusive=True
    )
    touch = F.when(before > 0, before - F.lit(1))
    person, campaign = F.col("individual_id"), F.col("campaign_id")
    pair_slot = ids.exposure_id(person, campaign, ids.NO_EXPOSURE_SLOT)
    return (
        scheduled.withColumn("touch_index", touch)
        .withColumn("exposure_id", ids.exposure_id(person, campaign, F.col("touch_index")))
        .withColumn("response_id", ids.sub_id(pair_slot, CONVERSION))
        .withColumn("response_type", F.lit("conversion"))
    )


def responses_frame(
    audience: DataFrame, campaigns: DataFrame, exposures: DataFrame, spec: GenerationSpec
) -> DataFrame:
    """response_events from the campaign_audience, campaigns and campaign_exposures tables."""
    interactions = exposure_responses(exposures, spec)
    converted = conversions(audience, campaigns, spec)
    names = [c for c in COLUMNS if c != "response_ts"] + ["response_seconds"]
    return (
        interactions.select(*names)
        .unionByName(converted.select(*names))
        .withColumn("response_ts", F.timestamp_seconds(F.col("response_seconds")))
        .select(*COLUMNS)
    )


def build(ctx: BuildContext) -> DataFrame:
    """TableNode builder."""
    return responses_frame(
        ctx.upstream("campaign_audience"),
        ctx.upstream("campaigns"),
        ctx.upstream("campaign_exposures"),
        ctx.spec,
    )


def expected_conversions(spec: GenerationSpec) -> float:
    """Expected conversions: baseline for every eligible pair plus about a third of the maximal
    lift for reached ones (typical saturation)."""
    cfg, r = spec.campaigns, spec.responses
    pairs = expected_individuals(spec) * cfg.count * eligible_share(spec)
    reached = pairs * (1 - cfg.holdout_fraction) * cfg.reach
    return pairs * r.baseline_conversion_rate + reached * r.max_incremental_lift / 3


def expected_rows(spec: GenerationSpec) -> float:
    r = spec.responses
    per_exposure = r.click_rate * (1 + r.visit_rate) + r.engagement_rate
    return expected_delivered(spec) * per_exposure + expected_conversions(spec)
