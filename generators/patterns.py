"""viewership_patterns: one row per individual with at least one event, aggregated from the
``content_engagements`` rows actually generated (derived means derived: nothing is drawn here).

Definitions (W = engagement window in days, window end = end_date 24:00 UTC):
- events_per_day = total_events / W; events_per_week = total_events / (W / 7);
  events_per_month = total_events / (W / 30.4375).
- recency_days = whole days from the last event's date to end_date (0 = active on the last day).
- events_<category>: events per content category; recent_<category>: the same events weighted by
  0.5 ** (age_days / audience.affinity.recency_half_life_days), age_days = (window end − event_ts)
  in days — the recency-weighted counts audience affinities use.
- top_category / second_category: categories with the most events (ties: catalogue order of
  ``spec.CONTENT_CATEGORIES``); second is null with a single category.
- preferred_device: device with the most events (ties: ``spec.DEVICE_TYPES`` order).
- peak_hour: UTC hour with the most events (ties: the earliest hour).
- day-part shares (UTC hours): morning 6-11, daytime 12-16, evening 17-21, late_night 22-5;
  weekend_share: Saturday and Sunday.
Every value is an order-independent aggregate, so the table is identical whatever the
partitioning.
"""

from __future__ import annotations

from datetime import datetime, time

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from generators.pipeline import BuildContext
from generators.spec import CONTENT_CATEGORIES, DEVICE_TYPES, GenerationSpec

DESCRIPTION = (
    "Viewing behaviour per individual (one row per individual with engagement), aggregated from "
    "content_engagements: totals, frequency, recency, categories, devices, hours and day-parts."
)
DAY_PARTS = {
    "morning": (6, 11),
    "daytime": (12, 16),
    "evening": (17, 21),
    "late_night": (22, 5),
}
DAYS_PER_MONTH = 30.4375

COLUMNS = {
    "individual_id": "The individual (individuals).",
    "household_id": "The individual's household.",
    "total_events": "Engagement events of any type in the window.",
    "total_views": "Events of type view.",
    "total_watch_seconds": "Sum of duration_seconds over views.",
    "active_days": "Distinct UTC dates with at least one event.",
    "first_event_ts": "Earliest event_ts.",
    "last_event_ts": "Latest event_ts.",
    "events_per_day": "total_events / window days.",
    "events_per_week": "total_events / (window days / 7).",
    "events_per_month": "total_events / (window days / 30.4375).",
    "recency_days": "Days from the last event's date to engagement.end_date (0 = last day).",
    **{f"events_{c}": f"Events on {c} content." for c in CONTENT_CATEGORIES},
    **{
        f"recent_{c}": f"Events on {c} content weighted by 0.5^(age_days / recency half-life)."
        for c in CONTENT_CATEGORIES
    },
    "top_category": "Category with the most events (ties: catalogue order).",
    "second_category": "Category with the second most events, null if only one.",
    "preferred_device": "Device type with the most events (ties: ctv, mobile, desktop, tablet).",
    "peak_hour": "UTC hour (0-23) with the most events (ties: earliest hour).",
    **{
        f"{part}_share": f"Share of events in the {part.replace('_', ' ')} day-part "
        f"(UTC hours {lo}-{hi})."
        for part, (lo, hi) in DAY_PARTS.items()
    },
    "weekend_share": "Share of events on Saturday or Sunday (UTC).",
}


def window_end(spec: GenerationSpec) -> datetime:
    """The instant the window closes: midnight after end_date (UTC, naive)."""
    return datetime.combine(spec.engagement.end_date, time.max).replace(microsecond=0)


def _in_hours(hour: Column, lo: int, hi: int) -> Column:
    return (hour >= lo) & (hour <= hi) if lo <= hi else (hour >= lo) | (hour <= hi)


def _argmax(counts: list[tuple[str, Column]], rank: int = 0) -> Column:
    """The label with the rank-th largest positive count; ties go to the earlier label."""
    entries = [
        F.struct(count.alias("n"), F.lit(-i).alias("order"), F.lit(label).alias("label"))
        for i, (label, count) in enumerate(counts)
    ]
    ordered = F.sort_array(F.array(*entries), asc=False)
    chosen = F.element_at(ordered, rank + 1)
    return F.when(chosen["n"] > 0, chosen["label"])


def patterns(spec: GenerationSpec, events: DataFrame) -> DataFrame:
    """Aggregate ``events`` (content_engagements rows) into one row per individual."""
    half_life = spec.audience.affinity.recency_half_life_days
    end_seconds = F.unix_timestamp(F.lit(window_end(spec)).cast("timestamp"))
    age_days = (end_seconds - F.unix_timestamp("event_ts")) / F.lit(86400.0)
    decay = F.pow(F.lit(0.5), age_days / F.lit(half_life))
    hour = F.hour("event_ts")
    is_category = {c: F.col("content_category") == c for c in CONTENT_CATEGORIES}
    device_count = {d: F.sum((F.col("device_type") == d).cast("long")) for d in DEVICE_TYPES}
    per_person = events.groupBy("individual_id").agg(
        F.min("household_id").alias("household_id"),
        F.count(F.lit(1)).alias("total_events"),
        F.sum((F.col("engagement_type") == "view").cast("long")).alias("total_views"),
        F.coalesce(
            F.sum(F.when(F.col("engagement_type") == "view", F.col("duration_seconds"))),
            F.lit(0),
        )
        .cast("long")
        .alias("total_watch_seconds"),
        F.count_distinct("event_date").alias("active_days"),
        F.min("event_ts").alias("first_event_ts"),
        F.max("event_ts").alias("last_event_ts"),
        *(F.sum(is_category[c].cast("long")).alias(f"events_{c}") for c in CONTENT_CATEGORIES),
        *(
            F.coalesce(F.sum(F.when(is_category[c], decay)), F.lit(0.0)).alias(f"recent_{c}")
            for c in CONTENT_CATEGORIES
        ),
        _argmax(list(device_count.items())).alias("preferred_device"),
        *(
            F.sum(_in_hours(hour, lo, hi).cast("long")).alias(f"_{part}")
            for part, (lo, hi) in DAY_PARTS.items()
        ),
        F.sum(F.dayofweek("event_ts").isin(1, 7).cast("long")).alias("_weekend"),
    )
    peak = (
        events.groupBy("individual_id", hour.alias("hour"))
        .count()
        .groupBy("individual_id")
        .agg(F.max_by("hour", F.col("count") * 24 + (23 - F.col("hour"))).alias("peak_hour"))
    )
    days = spec.engagement.window_days
    total = F.col("total_events")
    categories = [(c, F.col(f"events_{c}")) for c in CONTENT_CATEGORIES]
    derived = {
        "events_per_day": total / F.lit(float(days)),
        "events_per_week": total / F.lit(days / 7.0),
        "events_per_month": total / F.lit(days / DAYS_PER_MONTH),
        "recency_days": F.datediff(F.lit(spec.engagement.end_date), F.to_date("last_event_ts")),
        "top_category": _argmax(categories),
        "second_category": _argmax(categories, rank=1),
        **{f"{part}_share": F.col(f"_{part}") / total for part in DAY_PARTS},
        "weekend_share": F.col("_weekend") / total,
    }
    rows = per_person.join(peak, "individual_id")
    return rows.select(*(derived.get(c, F.col(c)).alias(c) for c in COLUMNS))


def build(ctx: BuildContext) -> DataFrame:
    """TableNode builder: aggregates this run's content_engagements."""
    return patterns(ctx.spec, ctx.upstream("content_engagements"))


def expected_rows(spec: GenerationSpec) -> float:
    """Individuals with at least one event: the engaged share of all individuals."""
    people = spec.households.count * spec.households.size.average
    share = 1.0 - spec.engagement.events_per_individual.inactive_share
    return people * share
