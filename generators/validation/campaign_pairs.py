"""One Spark job for everything counted per (individual, campaign) pair: the per-campaign
group counts of ``campaign_checks`` and the violations of the exposure rules.

campaign_exposures is hash-partitioned once by (individual_id, campaign_id); that partitioning
serves the grouping by (pair, UTC day) and then by pair, so its rows are shuffled once. The
pairs are joined to the campaign's flight days and caps (broadcast), to campaign_audience (full:
eligible pairs without exposures count too) and to the converting pairs of response_events, then
grouped by campaign. Delivered exposures exclude co-exposures; "all" includes them.

Per campaign (``CampaignRow``): eligible, holdout, reached (pairs with a delivered exposure),
delivered, treated_conversions and holdout_conversions; and violations: outside_flight
(exposure rows outside the flight days), over_daily_cap ((person, day) groups), over_flight_cap
(pairs) and holdout_exposed (exposure rows of holdout pairs, co-exposures included). A count
whose inputs are absent (caps in campaigns, campaign_audience) is left out and its check is not
made. Offending keys are fetched by a second query only for a failing rule.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from generators.spec import GenerationSpec
from generators.synth.seasonality import utc_day
from generators.validation.model import Check, hard
from generators.validation.rules import needs, samples, shuffle_width

Tables = Mapping[str, DataFrame]
CampaignRow = dict[str, Any]
PAIR = ("individual_id", "campaign_id")
CAPS = ("frequency_cap_per_day", "frequency_cap_per_flight")
CONVERSION = "conversion"


def available(tables: Tables) -> bool:
    """The pair counts can be made: exposures with their pair and timestamp, and campaigns."""
    return needs(
        tables,
        {
            "campaign_exposures": ("exposure_id", *PAIR, "exposure_ts"),
            "campaigns": ("campaign_id", "start_date", "end_date"),
        },
    )


def campaign_rows(tables: Tables, spec: GenerationSpec) -> list[CampaignRow]:
    """Per campaign id (sorted), the counts above; requires ``available(tables)``."""
    audience = _audience(tables)
    pairs = _pair_exposures(tables, spec)
    if audience is not None:
        pairs = audience.join(pairs, list(PAIR), "full")
    else:
        pairs = pairs.withColumn("is_holdout", F.lit(None).cast("boolean"))
    converted = _converted(tables)
    if converted is not None:
        pairs = pairs.join(converted, list(PAIR), "left")
    else:
        pairs = pairs.withColumn("_converted", F.lit(False))
    is_holdout = F.coalesce(F.col("is_holdout"), F.lit(False))
    delivered = F.coalesce(F.col("_delivered"), F.lit(0))
    treated = delivered > 0
    converted = F.coalesce(F.col("_converted"), F.lit(False))
    counts = {
        "eligible": F.count(F.col("is_holdout")),
        "holdout": F.count(F.when(is_holdout, True)),
        "reached": F.count(F.when(treated, True)),
        "delivered": F.sum(delivered),
        "treated_conversions": F.count(F.when(treated & converted, True)),
        "holdout_conversions": F.count(F.when(is_holdout & converted, True)),
        "outside_flight": F.sum(F.coalesce(F.col("_outside"), F.lit(0))),
    }
    if _has_caps(tables):
        counts["over_daily_cap"] = F.sum(F.coalesce(F.col("_days_over"), F.lit(0)))
        counts["over_flight_cap"] = F.count(F.when(delivered > F.col("_flight_cap"), True))
    if audience is not None:
        counts["holdout_exposed"] = F.sum(F.when(is_holdout, F.col("_all")).otherwise(0))
    per_campaign = pairs.groupBy("campaign_id").agg(
        *(F.coalesce(c, F.lit(0)).cast("long").alias(name) for name, c in counts.items())
    )
    return [r.asDict() for r in per_campaign.orderBy("campaign_id").collect()]


def exposure_checks(rows: list[CampaignRow], tables: Tables, spec: GenerationSpec) -> list[Check]:
    """Hard checks of the exposure rules from the per-campaign counts (samples on failure)."""
    checks = [
        _check(
            rows,
            "outside_flight",
            "window:campaign_exposures.exposure_ts",
            "exposure_ts falls within its campaign's start_date..end_date (inclusive days)",
            lambda: _outside_flight(tables).select("exposure_id"),
        )
    ]
    if _has_caps(tables):
        daily = _per_day(tables, spec).join(_flights(tables), "campaign_id")
        checks.append(
            _check(
                rows,
                "over_daily_cap",
                "cap:campaign_exposures.frequency_cap_per_day",
                "delivered exposures per person and UTC day <= the campaign's "
                "frequency_cap_per_day",
                lambda: daily.where(F.col("_delivered") > F.col(CAPS[0])).select(*PAIR, "day"),
            )
        )
        per_pair = _per_day(tables, spec).groupBy(*PAIR).agg(F.sum("_delivered").alias("_n"))
        flight = per_pair.join(_flights(tables), "campaign_id")
        checks.append(
            _check(
                rows,
                "over_flight_cap",
                "cap:campaign_exposures.frequency_cap_per_flight",
                "delivered exposures per person over the flight <= the campaign's "
                "frequency_cap_per_flight",
                lambda: flight.where(F.col("_n") > F.col(CAPS[1])).select(*PAIR),
            )
        )
    audience = _audience(tables)
    if audience is not None:
        holdout = audience.where(F.col("is_holdout")).select(*PAIR)
        checks.append(
            _check(
                rows,
                "holdout_exposed",
                "holdout:campaign_exposures",
                "no one in a campaign's holdout is exposed to it (co-exposures included)",
                lambda: (
                    tables["campaign_exposures"].join(holdout, list(PAIR)).select("exposure_id")
                ),
            )
        )
    return checks


def _check(
    rows: list[CampaignRow],
    column: str,
    name: str,
    description: str,
    offending: Callable[[], DataFrame],
) -> Check:
    """A hard check whose violations are ``column`` summed over campaigns."""
    violations = sum(r[column] for r in rows)
    shown = samples(offending()) if violations else []
    return hard(name, "campaign_exposures", description, violations, shown)


def _has_caps(tables: Tables) -> bool:
    return set(CAPS) <= set(tables["campaigns"].columns)


def _flights(tables: Tables) -> DataFrame:
    campaigns = tables["campaigns"]
    caps = [c for c in CAPS if c in campaigns.columns]
    return F.broadcast(campaigns.select("campaign_id", "start_date", "end_date", *caps))


def _outside(day: Column) -> Column:
    return (day < F.col("start_date")) | (day > F.col("end_date"))


def _outside_flight(tables: Tables) -> DataFrame:
    exposures = tables["campaign_exposures"]
    return exposures.join(_flights(tables), "campaign_id").where(
        _outside(utc_day(F.col("exposure_ts")))
    )


def _per_day(tables: Tables, spec: GenerationSpec) -> DataFrame:
    """Per (pair, UTC day): delivered and all exposures; one shuffle, by pair."""
    exposures = tables["campaign_exposures"]
    delivered = ~F.col("is_co_exposure") if "is_co_exposure" in exposures.columns else F.lit(True)
    partitions = shuffle_width(exposures.sparkSession, spec, "campaign_exposures")
    return (
        exposures.select(*PAIR, utc_day(F.col("exposure_ts")).alias("day"), delivered.alias("_d"))
        .repartition(partitions, *PAIR)
        .groupBy(*PAIR, "day")
        .agg(F.count(F.when(F.col("_d"), True)).alias("_delivered"), F.count("*").alias("_all"))
    )


def _pair_exposures(tables: Tables, spec: GenerationSpec) -> DataFrame:
    """Per pair: delivered and all exposures, exposures outside the flight, days over the daily
    cap and the flight cap (null when the campaign is unknown or has no caps)."""
    flights = _flights(tables)
    days = _per_day(tables, spec).join(flights, "campaign_id", "left")
    aggregates = [
        F.sum("_delivered").alias("_delivered"),
        F.sum("_all").alias("_all"),
        F.sum(F.when(_outside(F.col("day")), F.col("_all")).otherwise(0)).alias("_outside"),
    ]
    if _has_caps(tables):
        aggregates += [
            F.count(F.when(F.col("_delivered") > F.col(CAPS[0]), True)).alias("_days_over"),
            F.max(CAPS[1]).alias("_flight_cap"),
        ]
    return days.groupBy(*PAIR).agg(*aggregates)


def _audience(tables: Tables) -> DataFrame | None:
    if not needs(tables, {"campaign_audience": (*PAIR, "is_holdout")}):
        return None
    return tables["campaign_audience"].select(*PAIR, "is_holdout")


def _converted(tables: Tables) -> DataFrame | None:
    """Pairs with a conversion (``_converted`` true); None without response_events."""
    if not needs(tables, {"response_events": (*PAIR, "response_type")}):
        return None
    return (
        tables["response_events"]
        .where(F.col("response_type") == CONVERSION)
        .select(*PAIR)
        .distinct()
        .withColumn("_converted", F.lit(True))
    )
