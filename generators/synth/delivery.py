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

``Schedule`` gives each stratum's time alone, so a table with a row per exposure
(``campaign_exposures``) computes times and sorted indexes in generated code
(``Schedule.position``), and so does ``campaign_audience``'s adstock (``with_adstock``: a row
per exposure, summed per pair); conversion timing, which needs a converting pair's whole
schedule, builds the sorted array with interpreted lambdas. Those lambdas never refer to computed columns
from outside (the optimiser would inline such a reference and recompute it per element):
constants ride in the accumulator instead.

Invariants: ``exposure_seconds`` is sorted ascending (index = exposure slot ``k`` of
``ids.exposure_id``), has ``exposures`` elements, all inside the flight's days (UTC), at most
``c`` per day; it is empty for people not reached.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from generators.spec import GenerationSpec
from generators.synth import rng
from generators.synth.sampling import AliasTable, round_half_up

SECONDS_PER_DAY = 86_400
# Most strata apart that same-day exposures may be for exposures to be sorted row by row
# (``Schedule.position`` compares each with twice this many neighbours).
MAX_SAME_DAY_REACH = 4
# Fixed-point unit of summed adstock weights (each in (0, 1]): sums of up to 2^15 exposures
# (cap_per_flight is at most 10,000) stay exact in a long.
ADSTOCK_UNIT = 2**48


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


@dataclass(frozen=True)
class Schedule:
    """The delivery of ``k`` exposures (an int Column) of the row's campaign to the row's person,
    one stratum ``j`` (0 .. k-1) at a time: the slot's day and the exposure's epoch seconds.
    Days never decrease with ``j``; within a day, times follow the drawn hours, not ``j``."""

    spec: GenerationSpec
    individual_id: Column
    campaign_id: Column
    k: Column

    def _draw(self, stream: str, j: Column) -> Column:
        return rng.uniform(self.spec.seed, stream, self.individual_id, self.campaign_id, j)

    def day(self, j: Column) -> Column:
        """Day (0-based, in the flight) of stratum ``j``'s uniform slot."""
        cap = F.col("frequency_cap_per_day").cast("long")
        slots = flight_days(F.col("start_date"), F.col("end_date")).cast("long") * cap
        n = self.k.cast("double")
        low = F.floor(j * slots / n).cast("long")
        high = F.floor((j + F.lit(1)) * slots / n).cast("long")
        slot = low + F.floor(self._draw("exposure.slot", j) * (high - low).cast("double"))
        return F.floor(slot.cast("long") / cap).cast("long")

    def seconds(self, j: Column) -> Column:
        """Epoch seconds of stratum ``j``'s exposure: its day, an hour of the day-part profile,
        a uniform second."""
        hours = AliasTable.of(self.spec.engagement.seasonality.hour_of_day)
        start = F.unix_date(F.col("start_date")).cast("long") * F.lit(SECONDS_PER_DAY)
        hour = hours.draw(self._draw("exposure.hour", j))
        second = rng.between(
            self.spec.seed,
            "exposure.second",
            self.individual_id,
            self.campaign_id,
            j,
            low=0,
            high=3599,
        )
        day = self.day(j) * F.lit(SECONDS_PER_DAY)
        return start + day + hour.cast("long") * F.lit(3600) + second

    def sorted_seconds(self) -> Column:
        """Every exposure's seconds, sorted (array<long>; empty when ``k`` is 0)."""
        times = F.array_sort(F.transform(F.sequence(F.lit(0), self.k - F.lit(1)), self.seconds))
        return F.when(self.k > 0, times).otherwise(F.array().cast("array<long>"))

    def position(self, j: Column, reach: int) -> Column:
        """Index of stratum ``j``'s exposure in ``sorted_seconds`` (ties keep stratum order):
        ``j``, less the earlier strata of its day that come later, plus the later strata of its
        day that come earlier. Only strata within ``reach`` of ``j`` can share its day
        (``same_day_reach``)."""
        day, at = self.day(j), self.seconds(j)
        moves = F.lit(0)
        for step in range(1, reach + 1):
            before, after = j - F.lit(step), j + F.lit(step)
            passed = (before >= 0) & (self.day(before) == day) & (self.seconds(before) > at)
            overtaken = (after < self.k) & (self.day(after) == day) & (self.seconds(after) < at)
            moves = moves - F.when(passed, 1).otherwise(0) + F.when(overtaken, 1).otherwise(0)
        return j + moves


def exposure_seconds(
    spec: GenerationSpec, individual_id: Column, campaign_id: Column, k: Column
) -> Column:
    """Sorted epoch seconds (array<long>) of a person's ``k`` exposures to the campaign."""
    return Schedule(spec, individual_id, campaign_id, k).sorted_seconds()


def same_day_reach(campaigns: DataFrame) -> int:
    """How many strata apart two exposures of one pair on one day can be, over ``campaigns``.

    A flight of ``D`` days has ``S = D × c`` slots (``c`` per day) and at most
    ``m = min(cap per flight, S)`` exposures, so every stratum holds at least ``q = S div m``
    slots; a day's ``c`` slots then meet strata at most ``ceil((c - 1) / q)`` apart (and at most
    ``c - 1``: slots are distinct).
    """
    rows = campaigns.select(
        flight_days(F.col("start_date"), F.col("end_date")).alias("days"),
        F.col("frequency_cap_per_day").alias("per_day"),
        F.col("frequency_cap_per_flight").alias("per_flight"),
    ).collect()
    reach = 0
    for row in rows:
        slots = row["days"] * row["per_day"]
        if slots <= 0 or row["per_flight"] <= 0:
            continue
        narrowest = slots // min(row["per_flight"], slots)
        reach = max(reach, min(row["per_day"] - 1, -(-(row["per_day"] - 1) // narrowest)))
    return reach


def adstock(spec: GenerationSpec, seconds: Column) -> Column:
    """Exposure memory at the last exposure of sorted ``seconds``: Σ 0.5^(age / half-life),
    computed forward as memory ← memory × 0.5^(gap / half-life) + 1 (0 when empty)."""

    def step(acc: Column, t: Column) -> Column:
        return F.struct(remembered(spec, acc, t).alias("memory"), t.alias("at"))

    return F.aggregate(seconds, memory_start(seconds), step, lambda acc: acc["memory"])


def with_adstock(
    spec: GenerationSpec, pairs: DataFrame, columns: list[str], reach: int
) -> DataFrame:
    """``columns`` of ``pairs`` (one row per person and campaign, with the campaign's columns
    and ``exposures``) plus ``adstock``: ``adstock`` of the pair's sorted schedule.

    Each pair explodes into its strata (one row when it has no exposure) and every exposure's
    weight 0.5^((last − t) / half-life) is computed in generated code, ``last`` being the
    latest of the last ``reach + 1`` strata (``same_day_reach``: earlier strata lie on earlier
    days). Weights are summed in fixed point (ADSTOCK_UNIT), so the sum does not depend on the
    order in which an aggregate meets them (the result differs from the forward pass of
    ``adstock`` by at most one unit per exposure). A pair's strata are adjacent rows, so the
    partial aggregate of each task sums them before the only shuffle, one row per pair.
    Campaigns whose same-day exposures may lie more than MAX_SAME_DAY_REACH strata apart use
    the array path (``adstock``)."""
    k = F.col("exposures")
    schedule = Schedule(spec, F.col("individual_id"), F.col("campaign_id"), k)
    if reach > MAX_SAME_DAY_REACH:
        seconds = schedule.sorted_seconds()
        return pairs.select(*columns, adstock(spec, seconds).alias("adstock"))
    candidates = [
        F.when(k - F.lit(1 + back) >= 0, schedule.seconds(k - F.lit(1 + back)))
        for back in range(reach + 1)
    ]
    last = candidates[0] if reach == 0 else F.greatest(*candidates)
    half_life = spec.responses.adstock_half_life_days * SECONDS_PER_DAY
    strata = pairs.withColumn("_last", last).withColumn(
        "_stratum", F.explode(F.sequence(F.lit(0), F.greatest(k - F.lit(1), F.lit(0))))
    )
    age = (F.col("_last") - schedule.seconds(F.col("_stratum"))).cast("double")
    weight = F.pow(F.lit(0.5), age / F.lit(half_life))
    units = F.when(k > 0, round_half_up(weight * F.lit(float(ADSTOCK_UNIT)))).otherwise(0.0)
    summed = strata.select(*columns, units.cast("long").alias("_units"))
    total = F.sum("_units").cast("double") / F.lit(float(ADSTOCK_UNIT))
    return summed.groupBy(*columns).agg(total.alias("adstock"))


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
