"""campaigns: one row per campaign flight, computed on the driver.

Campaigns come from ``spec.campaigns.flights`` when given, else ``count`` are generated. Every
campaign-level draw is a pure function of ``(seed, stream, campaign_id)`` through a keyed BLAKE2b
hash (no Python ``random``), so the table is identical on every run of the same spec.

Invariants:
- ``campaign_id`` is 1..``campaign_total(spec)`` (below ``ids.CAMPAIGN_SLOTS``);
- ``engagement.start_date <= start_date <= end_date <= engagement.end_date`` (generated flights
  are placed inside the window; explicit flights outside it are rejected by ``spec_rules``);
- a window extended by an append (``generators.spec.window``) adds campaigns: segment s holds
  ``segments.generated_campaigns(spec)[s]`` generated flights, numbered after the earlier
  segments' and placed inside segment s, so the campaigns of earlier segments never change;
- ``target_segments`` holds one or two distinct names of ``campaigns.target_segments`` (all
  segments when that is empty); an explicit flight with no segments targets every segment;
- ``planted_lift`` = ``responses.max_incremental_lift`` × goal factor × a uniform jitter in
  [0.8, 1.2): the campaign's true added conversion chance at full saturation.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import types as T

from generators.spec import GenerationSpec, IntRange
from generators.spec.window import Segment, campaign_total, generated_campaigns, segments
from generators.tables.node import BuildContext

# Awareness campaigns move conversions less than conversion campaigns (assumed factors).
GOAL_LIFT_FACTOR = {"awareness": 0.7, "consideration": 1.0, "conversion": 1.3}
LIFT_JITTER = (0.8, 1.2)
BUDGET_ROUNDING_USD = 100

COLUMNS = {
    "campaign_id": "Campaign key, 1..number of campaigns.",
    "name": "Campaign name (the flight name when flights are given).",
    "channel": "Delivery channel: ctv, video, display, social, email or search.",
    "goal": "Campaign goal: awareness, consideration or conversion.",
    "start_date": "First flight day (UTC), inside the engagement window.",
    "end_date": "Last flight day (UTC, inclusive), inside the engagement window.",
    "budget_usd": "Planned budget in USD (delivered cost is the sum of exposure cost_usd).",
    "cpm_usd": "Cost per thousand exposures in USD for the channel.",
    "target_segments": "Audience segments the campaign targets.",
    "frequency_cap_per_day": "Most delivered exposures per person per UTC day.",
    "frequency_cap_per_flight": "Most delivered exposures per person over the flight.",
    "holdout_fraction": "Share of eligible households held out (never exposed).",
    "planted_lift": "True added conversion probability at full exposure saturation (truth).",
}

SCHEMA = T.StructType(
    [
        T.StructField("campaign_id", T.LongType(), False),
        T.StructField("name", T.StringType(), False),
        T.StructField("channel", T.StringType(), False),
        T.StructField("goal", T.StringType(), False),
        T.StructField("start_date", T.DateType(), False),
        T.StructField("end_date", T.DateType(), False),
        T.StructField("budget_usd", T.DoubleType(), False),
        T.StructField("cpm_usd", T.DoubleType(), False),
        T.StructField("target_segments", T.ArrayType(T.StringType(), False), False),
        T.StructField("frequency_cap_per_day", T.IntegerType(), False),
        T.StructField("frequency_cap_per_flight", T.IntegerType(), False),
        T.StructField("holdout_fraction", T.DoubleType(), False),
        T.StructField("planted_lift", T.DoubleType(), False),
    ]
)


@dataclass(frozen=True)
class Flight:
    """What varies per campaign before the shared columns are added."""

    name: str
    channel: str
    goal: str
    start_date: date
    end_date: date
    budget_usd: float
    target_segments: list[str]


def unit(seed: int, stream: str, campaign_id: int) -> float:
    """A uniform in [0, 1) from (seed, stream, campaign_id): 53 bits of a BLAKE2b digest."""
    digest = hashlib.blake2b(f"{seed}|{stream}|{campaign_id}".encode(), digest_size=8).digest()
    return (int.from_bytes(digest, "big") >> 11) / 2**53


def pick(u: float, weights: dict[str, float]) -> str:
    """The label whose cumulative-weight bucket holds ``u`` (zero weights never picked)."""
    items = [(k, w) for k, w in weights.items() if w > 0]
    total = sum(w for _, w in items)
    edge = 0.0
    for label, w in items:
        edge += w / total
        if u < edge:
            return label
    return items[-1][0]


def flight_length(u: float, v: float, days: IntRange) -> int:
    """An integer in [min, max] with mean ≈ average: uniform below the average with probability
    (max - average) / (max - min), else uniform above it."""
    if days.min == days.max:
        return days.min
    below = (days.max - days.average) / (days.max - days.min)
    low, high = (days.min, days.average) if u < below else (days.average, days.max)
    return min(days.max, max(days.min, round(low + v * (high - low))))


def target_pool(spec: GenerationSpec) -> list[str]:
    """Segments generated campaigns may target."""
    return list(spec.campaigns.target_segments) or spec.audience.segment_names()


def generated_flight(spec: GenerationSpec, campaign_id: int, window: Segment) -> Flight:
    """Campaign ``campaign_id`` drawn from the spec's distributions, inside ``window``."""
    seed, cfg = spec.seed, spec.campaigns

    def u(stream: str) -> float:
        return unit(seed, f"campaign.{stream}", campaign_id)

    channel = pick(u("channel"), cfg.channels)
    goal = pick(u("goal"), cfg.goals)
    length = flight_length(u("length.side"), u("length"), cfg.flight_days)
    latest_start = window.days - length
    start = window.start_date + timedelta(days=int(u("start") * (latest_start + 1)))
    budget = cfg.budget_usd.min + u("budget") * (cfg.budget_usd.max - cfg.budget_usd.min)
    pool = target_pool(spec)
    first = int(u("segment.1") * len(pool))
    segments = [pool[first]]
    if len(pool) > 1 and u("segment.count") < 0.5:
        segments.append(pool[(first + 1 + int(u("segment.2") * (len(pool) - 1))) % len(pool)])
    return Flight(
        name=f"{goal}_{channel}_{campaign_id:03d}",
        channel=channel,
        goal=goal,
        start_date=start,
        end_date=start + timedelta(days=length - 1),
        budget_usd=round(budget / BUDGET_ROUNDING_USD) * BUDGET_ROUNDING_USD,
        target_segments=segments,
    )


def flights(spec: GenerationSpec) -> list[Flight]:
    """Every campaign's flight, campaign_id = position + 1."""
    explicit = spec.campaigns.flights
    if explicit:
        return [
            Flight(
                name=f.name,
                channel=f.channel,
                goal=f.goal,
                start_date=f.start_date,
                end_date=f.end_date,
                budget_usd=f.budget_usd,
                target_segments=list(f.target_segments) or spec.audience.segment_names(),
            )
            for f in explicit
        ]
    result: list[Flight] = []
    for segment, count in zip(segments(spec), generated_campaigns(spec), strict=True):
        first = len(result) + 1
        result += [generated_flight(spec, i, segment) for i in range(first, first + count)]
    return result


def planted_lift(spec: GenerationSpec, campaign_id: int, goal: str) -> float:
    """The campaign's true maximal incremental conversion probability."""
    low, high = LIFT_JITTER
    jitter = low + unit(spec.seed, "campaign.lift", campaign_id) * (high - low)
    return spec.responses.max_incremental_lift * GOAL_LIFT_FACTOR[goal] * jitter


def campaign_rows(spec: GenerationSpec) -> list[tuple]:
    """The table's rows as tuples in SCHEMA order."""
    cfg = spec.campaigns
    return [
        (
            campaign_id,
            f.name,
            f.channel,
            f.goal,
            f.start_date,
            f.end_date,
            float(f.budget_usd),
            float(cfg.cpm_usd[f.channel]),
            f.target_segments,
            cfg.frequency.cap_per_day,
            cfg.frequency.cap_per_flight,
            float(cfg.holdout_fraction),
            planted_lift(spec, campaign_id, f.goal),
        )
        for campaign_id, f in enumerate(flights(spec), start=1)
    ]


def campaigns_frame(spark: SparkSession, spec: GenerationSpec) -> DataFrame:
    """The campaigns table as a DataFrame."""
    return spark.createDataFrame(campaign_rows(spec), SCHEMA)


def build(ctx: BuildContext) -> DataFrame:
    """TableNode builder."""
    return campaigns_frame(ctx.spark, ctx.spec)


def expected_rows(spec: GenerationSpec) -> float:
    return float(campaign_total(spec))
