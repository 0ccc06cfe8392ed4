"""Delivery of a campaign to one reached person: how many exposures, and when.

Pure Column expressions of ``(seed, individual_id, campaign_id)`` and the campaign's columns
(``start_date``, ``end_date``, ``frequency_cap_per_day``, ``frequency_cap_per_flight``), shared
by ``campaign_audience`` (adstock), ``campaign_exposures`` (rows), ``response_events``
(conversion timing and last touch of converting pairs) and ``outcome_metrics`` (paths), which
recompute the same schedule instead of joining on it.

Frequency: ``k = 1 + Geometric`` with mean ``campaigns.frequency.mean`` (heavy right tail, as ad
frequency is), capped at ``frequency_cap_per_flight`` and at ``cap_per_day × flight days``.

Pacing: the flight's ``D × c`` slots (``D`` days, ``c`` = daily cap; slot ``s`` is on day
``s div c``) are cut into ``k`` consecutive integer strata; exposure ``j`` takes a uniform slot of
stratum ``j``. Slots are distinct, so no day holds more than ``c`` exposures, and delivery is
spread evenly across the flight with jitter. The hour within the day follows the engagement
``hour_of_day`` profile (day-part pattern), the second is uniform.

Lambdas here never refer to computed columns from outside (the optimiser would inline such a
reference and recompute it per element): constants ride in the accumulator instead.

Invariants: ``exposure_seconds`` is sorted ascending (index = exposure slot ``k`` of
``ids.exposure_id``), has ``exposures`` elements, all inside the flight's days (UTC), at most
``c`` per day; it is empty for people not reached.
"""

from __future__ import annotations

import math

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from generators import rng
from generators.sampling import AliasTable
from generators.spec import GenerationSpec

SECONDS_PER_DAY = 86_400


def flight_days(start_date: Column, end_date: Column) -> Column:
    """Days of a flight, both ends included."""
    return F.datediff(end_date, start_date) + F.lit(1)


def frequency(spec: GenerationSpec, individual_id: Column, campaign_id: Column) -> Column:
    """Exposures (int) for a reached person: 1 + Geometric(mean - 1), capped by the flight."""
    mean = spec.campaigns.frequency.mean
    if mean <= 1:
        drawn = F.lit(1).cast("long")
    else:
        u = rng.uniform_open(spec.seed, "exposure.frequency", individual_id, campaign_id)
        drawn = F.lit(1) + F.floor(F.log(u) / F.lit(math.log(1.0 - 1.0 / mean))).cast("long")
    days = flight_days(F.col("start_date"), F.col("end_date"))
    cap = F.least(
        F.col("frequency_cap_per_flight").cast("long"),
        (F.col("frequency_cap_per_day") * days).cast("long"),
    )
    return F.least(drawn, cap).cast("int")


def exposure_seconds(
    spec: GenerationSpec, individual_id: Column, campaign_id: Column, k: Column
) -> Column:
    """Sorted epoch seconds (array<long>) of a person's ``k`` exposures to the campaign."""
    seed = spec.seed
    hours = AliasTable.of(spec.engagement.seasonality.hour_of_day)
    cap = F.col("frequency_cap_per_day").cast("long")
    slots = flight_days(F.col("start_date"), F.col("end_date")).cast("long") * cap
    start = F.unix_date(F.col("start_date")).cast("long") * F.lit(SECONDS_PER_DAY)
    n = F.greatest(k, F.lit(1))
    nd = n.cast("double")

    def at(j: Column) -> Column:
        low = F.floor(j * slots / nd).cast("long")
        high = F.floor((j + F.lit(1)) * slots / nd).cast("long")
        u_slot = rng.uniform(seed, "exposure.slot", individual_id, campaign_id, j)
        slot = low + F.floor(u_slot * (high - low).cast("double")).cast("long")
        day = F.floor(slot / cap).cast("long")
        hour = hours.draw(rng.uniform(seed, "exposure.hour", individual_id, campaign_id, j))
        second = rng.between(
            seed, "exposure.second", individual_id, campaign_id, j, low=0, high=3599
        )
        return start + day * F.lit(SECONDS_PER_DAY) + hour.cast("long") * F.lit(3600) + second

    times = F.array_sort(F.transform(F.sequence(F.lit(0), n - F.lit(1)), at))
    return F.slice(times, 1, F.greatest(k, F.lit(0)))


def adstock(spec: GenerationSpec, seconds: Column) -> Column:
    """Exposure memory at the last exposure of sorted ``seconds``: Σ 0.5^(age / half-life),
    computed forward as memory ← memory × 0.5^(gap / half-life) + 1 (0 when empty)."""

    def step(acc: Column, t: Column) -> Column:
        return F.struct(remembered(spec, acc, t).alias("memory"), t.alias("at"))

    return F.aggregate(seconds, memory_start(seconds), step, lambda acc: acc["memory"])


def memory_start(seconds: Column, **extra: Column) -> Column:
    """The accumulator of a forward adstock pass (``memory``, ``at``) plus constant ``extra``
    fields carried along."""
    fields = [F.lit(0.0).alias("memory"), F.try_element_at(seconds, F.lit(1)).alias("at")]
    return F.struct(*fields, *(value.alias(name) for name, value in extra.items()))


def remembered(spec: GenerationSpec, acc: Column, t: Column) -> Column:
    """The memory just after an exposure at ``t``, from the accumulator of the previous one."""
    half_life = spec.responses.adstock_half_life_days * SECONDS_PER_DAY
    gap = (t - acc["at"]).cast("double") / F.lit(half_life)
    return acc["memory"] * F.pow(F.lit(0.5), gap) + F.lit(1.0)


def count_before(seconds: Column, limit: Column, *, inclusive: bool) -> Column:
    """How many of ``seconds`` are before ``limit`` (or at it when ``inclusive``).

    ``limit`` rides in the accumulator: an outer reference inside a lambda would be inlined by
    the optimiser and re-evaluated for every element.
    """
    start = F.struct(F.lit(0).alias("n"), limit.alias("limit"))

    def step(acc: Column, t: Column) -> Column:
        hit = (t <= acc["limit"]) if inclusive else (t < acc["limit"])
        return F.struct(
            (acc["n"] + F.when(hit, 1).otherwise(0)).alias("n"), acc["limit"].alias("limit")
        )

    return F.aggregate(seconds, start, step, lambda acc: acc["n"])


def with_schedule(audience: DataFrame, campaigns: DataFrame, spec: GenerationSpec) -> DataFrame:
    """``campaign_audience`` rows joined with their (broadcast) campaign, plus
    ``exposure_seconds``: the person's delivered exposure times."""
    joined = audience.join(F.broadcast(campaigns), "campaign_id")
    return joined.withColumn(
        "exposure_seconds",
        exposure_seconds(spec, F.col("individual_id"), F.col("campaign_id"), F.col("exposures")),
    )
