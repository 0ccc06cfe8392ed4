"""campaign_exposures: delivered exposures and CTV co-exposures.

Fan-out without joins: each reached ``campaign_audience`` row (joined to its broadcast campaign)
explodes into its ``exposures`` strata of ``delivery.Schedule``; exposure ``k`` of the sorted
schedule gets ``ids.exposure_id(individual_id, campaign_id, k)``. Delivered exposures therefore honour the
campaign's caps per UTC day and per flight and lie inside its start_date..end_date.

- ``channel`` is the campaign's; ``device_type`` follows the channel (ctv → ctv; other channels
  draw from ``CHANNEL_DEVICES``); ``cost_usd`` = CPM / 1000 × (1 ± ``COST_NOISE``).
- Household co-exposure on shared CTV: a delivered CTV exposure in a household of two or more is
  co-viewed with probability ``engagement.co_viewing_rate`` by one other member (uniform among
  the others). The co-viewer gets its own row: ``is_co_exposure`` true, ``co_exposure_of`` = the
  delivered exposure's id, same timestamp, campaign and device, cost 0, id
  ``ids.co_exposure_id(primary)``. Co-exposures are unbilled extra audience: frequency caps,
  adstock, responses and attribution paths count delivered exposures only. The holdout is drawn
  per household, so a co-viewer is never in the campaign's holdout.
"""

from __future__ import annotations

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from generators.spec import GenerationSpec
from generators.synth import delivery, ids, rng
from generators.tables.campaign_audience import eligible_share, expected_individuals
from generators.tables.node import BuildContext

COST_NOISE = 0.2
# Devices on which each non-CTV channel's ads are seen (assumed mixes).
CHANNEL_DEVICES = {
    "video": {"mobile": 0.45, "desktop": 0.3, "tablet": 0.15, "ctv": 0.1},
    "display": {"desktop": 0.5, "mobile": 0.4, "tablet": 0.1},
    "social": {"mobile": 0.8, "desktop": 0.12, "tablet": 0.08},
    "email": {"mobile": 0.55, "desktop": 0.4, "tablet": 0.05},
    "search": {"mobile": 0.6, "desktop": 0.35, "tablet": 0.05},
}

COLUMNS = {
    "exposure_id": "Exposure key (co-exposures: 2**62 + the delivered exposure's id).",
    "individual_id": "The person who saw the ad.",
    "household_id": "The person's household.",
    "campaign_id": "The campaign.",
    "exposure_ts": "When the ad was seen (UTC), inside the campaign's flight days.",
    "channel": "The campaign's channel.",
    "device_type": "Device the ad was seen on, consistent with the channel.",
    "cost_usd": "Cost of the impression (CPM / 1000 with noise); 0 for co-exposures.",
    "is_co_exposure": "True for a household member watching a delivered CTV ad with its viewer.",
    "co_exposure_of": "For co-exposures, the delivered exposure_id watched together; else null.",
}


def device_type(seed: int, exposure_id: Column) -> Column:
    """The device of an exposure, given the ``channel`` column."""
    u = rng.uniform(seed, "exposure.device", exposure_id)
    expr = F.lit("ctv")
    for channel, mix in CHANNEL_DEVICES.items():
        expr = F.when(F.col("channel") == channel, rng.choose(u, mix)).otherwise(expr)
    return expr


def delivered(reached: DataFrame, campaigns: DataFrame, spec: GenerationSpec) -> DataFrame:
    """One row per delivered exposure of the ``reached`` campaign_audience rows (each with at
    least one exposure): ``k`` (its index in the sorted schedule), ``seconds``, the campaign's
    ``channel`` and ``cpm_usd``, ``household_size`` kept for co-exposures.

    Each pair explodes into its strata first and every exposure's time and sorted index are
    computed in generated code (``Schedule.position``): no array is built or sorted. Only
    campaigns whose daily cap lets same-day exposures lie more than MAX_SAME_DAY_REACH strata
    apart take the array path (``posexplode_outer``: unlike ``posexplode`` it lets the
    optimiser infer no ``size(exposure_seconds) > 0`` filter, which it would push below the
    projection and so compute every schedule twice)."""
    keep = ["individual_id", "household_id", "campaign_id", "channel", "cpm_usd", "household_size"]
    reach = delivery.same_day_reach(campaigns)
    if reach <= delivery.MAX_SAME_DAY_REACH:
        pairs = reached.join(F.broadcast(campaigns), "campaign_id")
        schedule = delivery.Schedule(
            spec, F.col("individual_id"), F.col("campaign_id"), F.col("exposures")
        )
        stratum = F.col("_stratum")
        strata = pairs.withColumn(
            "_stratum", F.explode(F.sequence(F.lit(0), F.col("exposures") - F.lit(1)))
        )
        rows = strata.select(
            *keep,
            schedule.position(stratum, reach).alias("k"),
            schedule.seconds(stratum).alias("seconds"),
        )
    else:
        rows = delivery.with_schedule(reached, campaigns, spec).select(
            *keep, F.posexplode_outer("exposure_seconds").alias("k", "seconds")
        )
    seed = spec.seed
    exposure = ids.exposure_id(F.col("individual_id"), F.col("campaign_id"), F.col("k"))
    noise = F.lit(1 - COST_NOISE) + F.lit(2 * COST_NOISE) * rng.uniform(
        seed, "exposure.cost", F.col("exposure_id")
    )
    return (
        rows.withColumn("exposure_id", exposure)
        .withColumn("exposure_ts", F.timestamp_seconds(F.col("seconds")))
        .withColumn("device_type", device_type(seed, F.col("exposure_id")))
        .withColumn("cost_usd", F.col("cpm_usd") / F.lit(1000.0) * noise)
    )


def viewers(primary: DataFrame, spec: GenerationSpec) -> DataFrame:
    """Each delivered exposure's row plus, when co-viewed, its co-viewer's row (one pass, see
    the module docstring)."""
    seed, rate = spec.seed, spec.engagement.co_viewing_rate
    exposure, size = F.col("exposure_id"), F.col("household_size").cast("long")
    member = F.col("individual_id") - F.col("household_id") * F.lit(ids.MEMBER_SLOTS)
    offset = F.floor(rng.uniform(seed, "exposure.co_viewer", exposure) * (size - 1))
    co_viewer = F.pmod(member + F.lit(1) + offset.cast("long"), size)
    shared = (
        (F.col("channel") == "ctv")
        & (size > 1)
        & rng.bernoulli(seed, "exposure.co_viewed", exposure, p=rate)
    )
    own = F.struct(
        F.col("individual_id").alias("individual_id"),
        exposure.alias("exposure_id"),
        F.col("device_type").alias("device_type"),
        F.col("cost_usd").alias("cost_usd"),
        F.lit(False).alias("is_co_exposure"),
        F.lit(None).cast("long").alias("co_exposure_of"),
    )
    co = F.struct(
        ids.individual_id(F.col("household_id"), co_viewer).alias("individual_id"),
        ids.co_exposure_id(exposure).alias("exposure_id"),
        F.lit("ctv").alias("device_type"),
        F.lit(0.0).alias("cost_usd"),
        F.lit(True).alias("is_co_exposure"),
        exposure.alias("co_exposure_of"),
    )
    rows = F.when(shared, F.array(own, co)).otherwise(F.array(own))
    return primary.select("household_id", "campaign_id", "exposure_ts", "channel", F.inline(rows))


def exposures_frame(audience: DataFrame, campaigns: DataFrame, spec: GenerationSpec) -> DataFrame:
    """campaign_exposures from campaign_audience rows and the campaigns table."""
    primary = delivered(audience.where(F.col("is_reached")), campaigns, spec)
    return viewers(primary, spec).select(*COLUMNS)


def build(ctx: BuildContext) -> DataFrame:
    """TableNode builder."""
    return exposures_frame(
        ctx.fan_out_input("campaign_audience"), ctx.upstream("campaigns"), ctx.spec
    )


def expected_delivered(spec: GenerationSpec) -> float:
    """Expected delivered exposures (the daily and flight caps trim the mean slightly)."""
    cfg = spec.campaigns
    pairs = expected_individuals(spec) * cfg.count * eligible_share(spec)
    return pairs * (1 - cfg.holdout_fraction) * cfg.reach * cfg.frequency.mean


def expected_rows(spec: GenerationSpec) -> float:
    co_viewed = spec.campaigns.channels.get("ctv", 0.0) * spec.engagement.co_viewing_rate
    return expected_delivered(spec) * (1 + co_viewed)
