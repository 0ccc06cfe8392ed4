"""viewership_patterns: one row per individual with at least one event, aggregated from the
content_engagements rows actually generated (derived means derived: nothing is drawn here; one
groupBy, and co-view copies count for the co-viewer).

Definitions (W = ``engagement.window_days``; window end = ``end_date + 1`` 00:00 UTC; hours and
weekdays are UTC whatever the session time zone):
- ``total_events``, ``total_views`` (engagement_type = view), ``total_watch_seconds`` (sum of
  duration_seconds), ``active_days`` (distinct event_date);
- ``events_per_day = total_events / W``, ``events_per_week = 7 · total_events / W``,
  ``events_per_month = 30.4375 · total_events / W`` (over the whole window);
- ``first_event_ts``, ``last_event_ts``; ``recency_days = end_date − max(event_date)`` (0 = active
  on the last day);
- ``events_<category>`` for every category of ``spec.CONTENT_CATEGORIES``; ``top_category`` and
  ``second_category``: most and second most events (ties to the earlier category in that list;
  ``second_category`` null when only one category was engaged);
- ``recent_<category>``: the category's events weighted by ``0.5^(age / half_life)``, age = days
  from the event to the window end, half_life = ``audience.affinity.recency_half_life_days``.
  Each weight is rounded to a multiple of 2^-30 and summed as an integer, so the value is exact
  and does not depend on partitioning (a float sum would, in its last bits);
- ``preferred_device``: most events (ties to the earlier of ctv, mobile, desktop, tablet);
  ``peak_hour``: hour 0-23 with most events (ties to the earliest);
- day-part shares of events: ``morning`` 06-11, ``daytime`` 12-17, ``evening`` 18-22,
  ``late_night`` 23-05 (hours inclusive); ``weekend_share``: Saturday and Sunday.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from generators.spec import CONTENT_CATEGORIES, DEVICE_TYPES, GenerationSpec
from generators.synth.sampling import element, round_half_up
from generators.synth.seasonality import SECONDS_PER_DAY, window_end_epoch

if TYPE_CHECKING:
    from generators.tables.node import BuildContext

TABLE = "viewership_patterns"
DESCRIPTION = (
    "Viewing behaviour per individual with engagement, aggregated from content_engagements."
)
DAYS_PER_MONTH = 30.4375
RECENCY_SCALE = 2**30
DAYS_PER_WORD = 64
DAY_PARTS = {
    "morning": range(6, 12),
    "daytime": range(12, 18),
    "evening": range(18, 23),
    "late_night": (23, 0, 1, 2, 3, 4, 5),
}
COLUMNS = {
    "individual_id": "The individual (individuals.individual_id).",
    "household_id": "The individual's household.",
    "total_events": "Engagement events in the window.",
    "total_views": "Events of type view.",
    "total_watch_seconds": "Sum of duration_seconds.",
    "active_days": "Distinct days with an event.",
    "events_per_day": "total_events / window days.",
    "events_per_week": "7 × total_events / window days.",
    "events_per_month": "30.4375 × total_events / window days.",
    "first_event_ts": "First event (UTC).",
    "last_event_ts": "Last event (UTC).",
    "recency_days": "Days from the last event's date to the window's end_date.",
    "top_category": "Category with most events (ties: spec category order).",
    "second_category": "Category with the second most events; null if only one.",
    **{f"events_{c}": f"Events on {c} content." for c in CONTENT_CATEGORIES},
    **{
        f"recent_{c}": f"Events on {c} content weighted by 0.5^(age days / "
        "audience.affinity.recency_half_life_days), age to the window end."
        for c in CONTENT_CATEGORIES
    },
    "preferred_device": "Device type with most events (ties: ctv, mobile, desktop, tablet).",
    "peak_hour": "UTC hour 0-23 with most events (ties: earliest).",
    **{
        f"{part}_share": f"Share of events in UTC hours {min(hours) if part != 'late_night' else 23}"
        f"-{max(hours) if part != 'late_night' else 5} ({part.replace('_', ' ')})."
        for part, hours in DAY_PARTS.items()
    },
    "weekend_share": "Share of events on Saturday or Sunday (UTC).",
}


def utc_hour(ts: Column) -> Column:
    """Hour 0-23 of a timestamp in UTC, whatever the session time zone."""
    return F.floor(F.pmod(F.unix_seconds(ts), F.lit(SECONDS_PER_DAY)) / F.lit(3600)).cast("int")


def is_weekend(day: Column) -> Column:
    """Saturday or Sunday, from the epoch day (1970-01-01 was a Thursday): integer arithmetic
    instead of ``dayofweek`` (7% of this table's CPU)."""
    return F.pmod(F.unix_date(day) + F.lit(3), F.lit(7)) >= F.lit(5)


def recency_weight(spec: GenerationSpec, ts: Column) -> Column:
    """An event's recency weight in units of 2^-30 (long; see the module docstring).

    0.5^(age / half-life) is the product of four constant tables indexed by the age's whole
    days, hours, minutes and seconds: Spark's ``pow`` is ``StrictMath.pow``, which took a
    quarter of this table's CPU when evaluated per event. The product differs from one
    ``pow`` by a few ulps, so a rounded weight moves by at most one unit."""
    half_life = spec.audience.affinity.recency_half_life_days * SECONDS_PER_DAY
    age = F.lit(window_end_epoch(spec) + 1) - F.unix_seconds(ts)
    weight = F.lit(float(RECENCY_SCALE))
    for unit, count in _age_digits(spec):
        digit = F.floor(F.pmod(age, F.lit(unit * count)) / F.lit(unit)).cast("int")
        table = [0.5 ** (d * unit / half_life) for d in range(count)]
        weight = weight * element(table, digit)
    return round_half_up(weight).cast("long")


def _age_digits(spec: GenerationSpec) -> list[tuple[int, int]]:
    """(unit seconds, digits) of an event's age: days up to the window's length (an event's
    age is at most ``window_days`` days), hours, minutes, seconds."""
    days = spec.engagement.window_days + 1
    return [(SECONDS_PER_DAY, days), (3600, 24), (60, 60), (1, 60)]


def active_day_bits(spec: GenerationSpec, event_date: Column) -> list[Column]:
    """Aggregates ``_days_<w>``: bit ``d mod 64`` of word ``w = d div 64`` is set when the
    person has an event on window day ``d``. Counting distinct days with ``collect_set`` would
    make the whole aggregate an object aggregate, which falls back to sorting every event;
    ``bit_or`` keeps it a fixed-width hash aggregate."""
    day = F.datediff(event_date, F.lit(spec.engagement.start_date))
    # shiftleft by a column: pyspark's F.shiftleft only takes a constant shift.
    bit = F.call_function(
        "shiftleft", F.lit(1).cast("long"), day.bitwiseAND(F.lit(DAYS_PER_WORD - 1))
    )
    word = F.floor(day / F.lit(DAYS_PER_WORD))
    return [
        F.bit_or(F.when(word == w, bit).otherwise(F.lit(0).cast("long"))).alias(f"_days_{w}")
        for w in range(_day_words(spec))
    ]


def _day_words(spec: GenerationSpec) -> int:
    return -(-spec.engagement.window_days // DAYS_PER_WORD)


def _sum(columns) -> Column:
    total = F.lit(0)
    for column in columns:
        total = total + column
    return total


def patterns(spec: GenerationSpec, events: DataFrame) -> DataFrame:
    """The viewership_patterns table from the content_engagements table."""
    window_days = spec.engagement.window_days
    # Computed once per event: each is read by many aggregates below.
    events = events.withColumns(
        {
            "_hour": utc_hour(F.col("event_ts")),
            "_weight": recency_weight(spec, F.col("event_ts")),
        }
    )
    hour, weight = F.col("_hour"), F.col("_weight")
    category = F.col("content_category")

    def count_if(condition: Column) -> Column:
        # count's buffer is never null, unlike a sum's: no null check per aggregate and event
        # (about a fifth of this table's build at 1M households).
        return F.count(F.when(condition, F.lit(True)))

    aggregated = events.groupBy("individual_id").agg(
        F.max("household_id").alias("household_id"),
        F.count(F.lit(1)).alias("total_events"),
        count_if(F.col("engagement_type") == "view").alias("total_views"),
        F.coalesce(F.sum("duration_seconds"), F.lit(0)).cast("long").alias("total_watch_seconds"),
        *active_day_bits(spec, F.col("event_date")),
        F.min("event_ts").alias("first_event_ts"),
        F.max("event_ts").alias("last_event_ts"),
        F.max("event_date").alias("_last_date"),
        *(count_if(category == c).alias(f"events_{c}") for c in CONTENT_CATEGORIES),
        *(
            F.sum(F.when(category == c, weight).otherwise(F.lit(0).cast("long"))).alias(
                f"_weight_{c}"
            )
            for c in CONTENT_CATEGORIES
        ),
        *(count_if(F.col("device_type") == d).alias(f"_device_{d}") for d in DEVICE_TYPES),
        *(count_if(hour == h).alias(f"_hour_{h}") for h in range(24)),
        count_if(is_weekend(F.col("event_date"))).alias("_weekend"),
    )
    total = F.col("total_events")
    top = _argmax([(c, F.col(f"events_{c}")) for c in CONTENT_CATEGORIES])
    second_counts = [
        (c, F.when(top == F.lit(c), F.lit(-1)).otherwise(F.col(f"events_{c}")))
        for c in CONTENT_CATEGORIES
    ]
    second = _argmax(second_counts)
    second_count = _max_value(second_counts)
    columns = {
        "individual_id": F.col("individual_id"),
        "household_id": F.col("household_id"),
        "total_events": total,
        "total_views": F.col("total_views"),
        "total_watch_seconds": F.col("total_watch_seconds"),
        "active_days": _sum(F.bit_count(F.col(f"_days_{w}")) for w in range(_day_words(spec))),
        "events_per_day": total / F.lit(float(window_days)),
        "events_per_week": total * F.lit(7.0) / F.lit(float(window_days)),
        "events_per_month": total * F.lit(DAYS_PER_MONTH) / F.lit(float(window_days)),
        "first_event_ts": F.col("first_event_ts"),
        "last_event_ts": F.col("last_event_ts"),
        "recency_days": F.datediff(F.lit(spec.engagement.end_date), F.col("_last_date")),
        "top_category": top,
        "second_category": F.when(second_count > 0, second),
        **{f"events_{c}": F.col(f"events_{c}") for c in CONTENT_CATEGORIES},
        **{
            f"recent_{c}": F.col(f"_weight_{c}") / F.lit(float(RECENCY_SCALE))
            for c in CONTENT_CATEGORIES
        },
        "preferred_device": _argmax([(d, F.col(f"_device_{d}")) for d in DEVICE_TYPES]),
        "peak_hour": _argmax([(h, F.col(f"_hour_{h}")) for h in range(24)]),
        **{
            f"{p}_share": _sum(F.col(f"_hour_{h}") for h in hours) / total
            for p, hours in DAY_PARTS.items()
        },
        "weekend_share": F.col("_weekend") / total,
    }
    return aggregated.select(*(expr.alias(name) for name, expr in columns.items()))


def build(ctx: BuildContext) -> DataFrame:
    """Pipeline entry point."""
    return patterns(ctx.spec, ctx.upstream("content_engagements"))


def expected_rows(spec: GenerationSpec) -> float:
    """Individuals expected to have at least one event (assumes everyone has a device)."""
    from generators.tables import individuals

    return individuals.expected_rows(spec) * (
        1 - spec.engagement.events_per_individual.inactive_share
    )


def _argmax(candidates: list[tuple[object, Column]]) -> Column:
    """The label with the largest value; ties go to the earlier candidate."""
    structs = [
        F.struct(value.alias("v"), F.lit(-i).alias("order"), F.lit(label).alias("label"))
        for i, (label, value) in enumerate(candidates)
    ]
    return F.greatest(*structs).getField("label")


def _max_value(candidates: list[tuple[object, Column]]) -> Column:
    return F.greatest(*(value for _, value in candidates))
