"""content_engagements: one row per engagement event, fanned out from individuals without joins.

Each person with ``n`` own events (``viewers.event_count``) explodes into ``k = 0 .. n-1``,
``event_id = ids.event_id(individual_id, k)``.

Engagement types (``engagement.engagement_types``, p = share of views): events come in blocks of
``B = ceil(1/p)``; the first event of a block (``k mod B = 0``) is a view, every other event is a
view with probability ``q = (p − 1/B) / (1 − 1/B)``, else a follow-up (click, like, share or
comment by the normalised non-view weights) of its block's first view. So the expected type mix
is exactly the spec's, and a follow-up always has the same person, content and device as the view
it follows (``follows_event_id``), at ``view_ts + lag`` (lag ~ exponential, mean
``FOLLOW_UP_MEAN_SECONDS``, clipped to the window end), never earlier.

A view's draws are keyed by ``(individual_id, k)`` and a follow-up reuses its view's key, so both
get the same:
- category: ∝ ``n_c · exp(logit_c)`` (``viewers.category_weights``), then the item of that
  category by its Zipf popularity (``content.CatalogLayout.zipf_rank``);
- device: ∝ ``engagement.devices`` over the person's devices; the identifier that produced the
  event comes from ``identity_mappings.event_identifier`` at the event's timestamp;
- timestamp (views): ``seasonality.seasonal_epoch_seconds`` (day, hour, second).

``duration_seconds`` of a view = ``max(1, round(length_seconds × completion))`` with completion ~
Beta(μκ, (1−μ)κ), μ = ``duration.completion_mean``, κ = ``duration.completion_concentration``,
drawn by inverse CDF from ``BETA_QUANTILES + 1`` quantiles (scipy) interpolated linearly.
Follow-ups have a null duration.

Co-viewing: an own CTV view in a household of 2+ is co-viewed with probability
``co_viewing_rate`` by another member drawn uniformly, when that member has CTV and is not
inactive (inactive people have no events at all). The co-viewer
gets a copy (same content, timestamp and duration; ``co_viewing`` true on both rows,
``co_viewer_of_event_id`` = the original's id) keyed in its own id space:
``ids.event_id(co_viewer, OWN_EVENT_SLOTS · (1 + (m − m' − 1) mod 16) + k)`` where m, m' are the
member numbers of the viewer and co-viewer: unique because own events use k < OWN_EVENT_SLOTS.

Window segments (``generators.spec.window``): events are generated per segment of the window, each
as above inside its own days (counts by ``viewers.event_count`` scaled to its length, follow-ups
clipped to its end). Segment 0 is generated exactly as a run of the first window alone; segment
s > 0 draws with keys ``k + s · ids.EVENT_SLOTS`` (so its draws are new) and its ids carry the
segment (``ids.event_id(..., segment=s)``). Extending the window therefore only adds events.

Invariants: every event_ts lies in [start_date 00:00:00, end_date 23:59:59] UTC; event_date is its
UTC date; every event's individual has the identifier it carries on that device.
"""

from __future__ import annotations

import functools
import math
from typing import TYPE_CHECKING

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from generators.spec import ENGAGEMENT_TYPES, GenerationSpec
from generators.spec.window import Segment, first_window, segments
from generators.synth import ids, rng
from generators.synth.sampling import pick, quantile_draw, round_half_up, running_sums
from generators.synth.seasonality import (
    SECONDS_PER_DAY,
    last_second,
    seasonal_epoch_seconds,
    window_start_epoch,
)
from generators.tables import content_catalog, identity_mappings, reference, viewers

if TYPE_CHECKING:
    from generators.tables.node import BuildContext

TABLE = "content_engagements"
DESCRIPTION = (
    "Engagement events (views and follow-up clicks, likes, shares, comments) of individuals "
    "with content, with the device and identifier that produced each."
)
COLUMNS = {
    "event_id": "Event key: individual_id * 2^20 + k (co-view copies use k >= 2^16), plus "
    "segment * 2^55 for events of a window extension.",
    "individual_id": "Who engaged.",
    "household_id": "The individual's household.",
    "content_id": "The content item (content_catalog).",
    "content_category": "Category of the content item.",
    "event_ts": "When (TIMESTAMP, UTC), inside the engagement window.",
    "event_date": "UTC date of event_ts.",
    "engagement_type": "view, click, like, share or comment; non-views follow a view.",
    "duration_seconds": "Seconds watched (views only; null for follow-ups).",
    "device_type": "ctv, mobile, desktop or tablet.",
    "mapping_id": "identity_mappings row of the identifier that produced the event.",
    "identifier_type": "Type of that identifier (cookie, mobile_ad_id, device_id, ctv_id, ...).",
    "identifier_value": "Value of that identifier.",
    "co_viewing": "A CTV view watched together by two household members (true on both rows).",
    "co_viewer_of_event_id": "On a co-viewer's copy: the event_id of the original view.",
    "follows_event_id": "On a follow-up: the event_id of the view it follows.",
}

FOLLOW_UP_MEAN_SECONDS = 600.0
BETA_QUANTILES = 1024
HOUSEHOLD_MEMBER_SLOTS = ids.MEMBER_SLOTS
IDENTIFIER_FIELDS = ("mapping_id", "identifier_type", "identifier_value")


def type_blocks(spec: GenerationSpec) -> tuple[int, float]:
    """``(B, q)``: block length and the chance a non-first event of a block is a view."""
    weights = spec.engagement.engagement_types
    p = weights["view"] / sum(weights.values())
    if p >= 1.0:
        return 1, 1.0
    block = math.ceil(1.0 / p)
    return block, (p - 1.0 / block) / (1.0 - 1.0 / block)


def completion_quantiles(spec: GenerationSpec) -> list[float]:
    """Quantiles 0, 1/BETA_QUANTILES, .., 1 of the completion Beta distribution."""
    from scipy.stats import beta

    mean = spec.engagement.duration.completion_mean
    kappa = spec.engagement.duration.completion_concentration
    grid = [i / BETA_QUANTILES for i in range(BETA_QUANTILES + 1)]
    return [round(float(q), 12) for q in beta.ppf(grid, mean * kappa, (1 - mean) * kappa)]


def engagements(spec: GenerationSpec, individuals: DataFrame) -> DataFrame:
    """The content_engagements table from the individuals table."""
    lay = content_catalog.layout(spec)
    people = _active_people(spec, lay, individuals)
    parts = [
        _with_co_viewers(spec, segment, _own_events(spec, lay, people, segment))
        for segment in segments(spec)
    ]
    return functools.reduce(DataFrame.unionByName, parts)


def build(ctx: BuildContext) -> DataFrame:
    """Pipeline entry point."""
    return engagements(ctx.spec, ctx.fan_out_input("individuals"))


def expected_rows(spec: GenerationSpec) -> float:
    """Active people × mean own events × (1 + expected co-view copies per own event).

    Device availability and the share of people living with others are not known from the spec
    alone; the estimate assumes every person has a device and lives with someone."""
    from generators.tables import individuals

    target = spec.engagement.events_per_individual
    windows = spec.engagement.window_days / first_window(spec).days
    own = individuals.expected_rows(spec) * (1 - target.inactive_share) * target.mean * windows
    weights = spec.engagement.engagement_types
    views = weights["view"] / sum(weights.values())
    ctv = spec.engagement.devices.get("ctv", 0.0)
    return own * (1 + views * ctv * spec.engagement.co_viewing_rate)


def _active_people(
    spec: GenerationSpec, lay: content_catalog.CatalogLayout, individuals: DataFrame
) -> DataFrame:
    iid, hid, age = F.col("individual_id"), F.col("household_id"), F.col("age")
    band = viewers.age_band_index(age)
    mean = reference.reference_mean(
        individuals.sparkSession,
        spec,
        "viewers.mean_activity",
        "individuals",
        lambda people: viewers.mean_activity(spec, people),
    )
    activity = viewers.raw_activity(band, F.col("employment_status")) / F.lit(mean)
    flags = viewers.device_flags(spec, iid, hid, age)
    flagged = individuals.select(
        "*", *(flag.alias(f"_has_{d}") for d, flag in flags.items())
    ).where(~viewers.is_inactive(spec, iid) & viewers.any_of([F.col(f"_has_{d}") for d in flags]))
    category_weights = viewers.category_weights(spec, lay, iid, hid, band, F.col("gender"))
    device_weights = viewers.device_weights(spec, {d: F.col(f"_has_{d}") for d in flags})
    weighted = flagged.select(
        iid,
        hid,
        age,
        F.col("household_size"),
        activity.alias("_activity"),
        identity_mappings.identity_facts(
            spec, iid, hid, age, F.col("employment_status"), F.col("state")
        ).alias("_identity"),
        *(w.alias(f"_category_weight_{i}") for i, w in enumerate(category_weights)),
        *(w.alias(f"_device_weight_{i}") for i, w in enumerate(device_weights)),
    )
    # Running sums over materialised weights: nested sums of the weight expressions would grow
    # quadratically.
    categories = running_sums(
        [F.col(f"_category_weight_{i}") for i in range(len(category_weights))]
    )
    devices = running_sums([F.col(f"_device_weight_{i}") for i in range(len(device_weights))])
    return weighted.select(
        "individual_id",
        "household_id",
        "age",
        "household_size",
        "_activity",
        "_identity",
        *(w.alias(f"_category_{i}") for i, w in enumerate(categories)),
        *(w.alias(f"_device_{i}") for i, w in enumerate(devices)),
    )


def _own_events(
    spec: GenerationSpec, lay: content_catalog.CatalogLayout, people: DataFrame, segment: Segment
) -> DataFrame:
    """The segment's own events; ``k`` is the draw key (``_key_offset`` + the event's number)."""
    seed = spec.seed
    iid, k = F.col("individual_id"), F.col("k")
    block, q = type_blocks(spec)
    offset = F.lit(_key_offset(segment))
    in_block = F.pmod(k - offset, F.lit(block))
    first_of_block = k - in_block
    is_view = (in_block == 0) | rng.bernoulli(seed, "engagement.view", iid, k, p=q)
    extension = None if segment.index == 0 else segment.days / first_window(spec).days
    count = viewers.event_count(spec, iid, F.col("_activity"), extension)
    exploded = people.select(
        "*", F.explode(F.sequence(offset, offset + count - 1)).alias("k")
    ).withColumn("_is_view", is_view)
    view_k = F.when(F.col("_is_view"), k).otherwise(first_of_block)
    keyed = exploded.withColumn("_view_k", view_k).withColumn(
        "_category",
        pick(
            rng.uniform(seed, "engagement.category", iid, F.col("_view_k")),
            range(len(lay.categories)),
            [F.col(f"_category_{i}") for i in range(len(lay.categories))],
        ),
    )
    devices = viewers.usable_devices(spec)
    category = F.col("_category")
    item_rank = lay.zipf_rank(rng.uniform(seed, "engagement.item", iid, F.col("_view_k")), category)
    view_seconds = seasonal_epoch_seconds(
        spec, "engagement.time", iid, F.col("_view_k"), segment=segment
    )
    lag = F.floor(
        rng.exponential(seed, "engagement.follow_up_lag", iid, k, mean=FOLLOW_UP_MEAN_SECONDS)
    ).cast("long")
    drawn = keyed.select(
        iid,
        "household_id",
        "age",
        "household_size",
        "_identity",
        "k",
        "_is_view",
        "_view_k",
        lay.content_id(category, item_rank).alias("content_id"),
        lay.category(category).alias("content_category"),
        category.alias("_category"),
        pick(
            rng.uniform(seed, "engagement.device", iid, F.col("_view_k")),
            devices,
            [F.col(f"_device_{i}") for i in range(len(devices))],
        ).alias("device_type"),
        F.when(F.col("_is_view"), view_seconds)
        .otherwise(F.least(view_seconds + lag, F.lit(last_second(segment.end_date))))
        .alias("_epoch"),
    )
    return drawn.select(
        "*",
        _engagement_type(spec, iid, k).alias("engagement_type"),
        _view_duration(spec, lay, iid, k).alias("duration_seconds"),
        _co_viewer_member(spec).alias("_co_member"),
    ).withColumn("co_viewing", _is_co_viewed(spec))


def _engagement_type(spec: GenerationSpec, iid: Column, k: Column) -> Column:
    follow_ups = [
        (t, spec.engagement.engagement_types.get(t, 0.0))
        for t in ENGAGEMENT_TYPES
        if t != "view" and spec.engagement.engagement_types.get(t, 0.0) > 0
    ]
    if not follow_ups:
        return F.lit("view")
    u = rng.uniform(spec.seed, "engagement.type", iid, k)
    return F.when(F.col("_is_view"), F.lit("view")).otherwise(rng.choose(u, follow_ups))


def _view_duration(
    spec: GenerationSpec, lay: content_catalog.CatalogLayout, iid: Column, k: Column
) -> Column:
    completion = quantile_draw(
        rng.uniform(spec.seed, "engagement.completion", iid, k), completion_quantiles(spec)
    )
    length = lay.length_seconds(spec.seed, F.col("content_id"), F.col("_category"))
    watched = F.greatest(round_half_up(length * completion), F.lit(1.0)).cast("int")
    return F.when(F.col("_is_view"), watched)


def _member(individual_id: Column, household_id: Column) -> Column:
    return individual_id - household_id * F.lit(HOUSEHOLD_MEMBER_SLOTS)


def _co_viewer_member(spec: GenerationSpec) -> Column:
    """A uniformly drawn other member of the household (meaningful when household_size >= 2)."""
    iid, size = F.col("individual_id"), F.col("household_size").cast("long")
    step = rng.between(
        spec.seed,
        "engagement.co_viewer",
        iid,
        F.col("k"),
        low=0,
        high=F.greatest(size - 2, F.lit(0)),
    )
    return F.pmod(_member(iid, F.col("household_id")) + F.lit(1) + step, F.greatest(size, F.lit(1)))


def _is_co_viewed(spec: GenerationSpec) -> Column:
    iid, hid = F.col("individual_id"), F.col("household_id")
    co_viewer = ids.individual_id(hid, F.col("_co_member"))
    return (
        F.col("_is_view")
        & (F.col("device_type") == F.lit("ctv"))
        & (F.col("household_size") >= 2)
        & rng.bernoulli(
            spec.seed, "engagement.co_view", iid, F.col("k"), p=spec.engagement.co_viewing_rate
        )
        & identity_mappings.has_device(spec, co_viewer, hid, "ctv")
        & ~viewers.is_inactive(spec, co_viewer)
    )


def _key_offset(segment: Segment) -> int:
    """What the segment adds to an event's number to make its draw key."""
    return segment.index * ids.EVENT_SLOTS


def _with_co_viewers(spec: GenerationSpec, segment: Segment, events: DataFrame) -> DataFrame:
    """Own events plus one copy per co-viewed event, with ids, timestamps and identifiers."""
    iid, hid = F.col("individual_id"), F.col("household_id")
    offset = F.lit(_key_offset(segment))
    k = F.col("k") - offset
    copies = events.select(
        "*", F.explode(F.sequence(F.lit(0), F.col("co_viewing").cast("int"))).alias("_copy")
    )
    is_copy = F.col("_copy") == 1
    own_id = ids.event_id(iid, k, segment.index)
    co_viewer = ids.individual_id(hid, F.col("_co_member"))
    relative = F.pmod(
        _member(iid, hid) - F.col("_co_member") - F.lit(1), F.lit(HOUSEHOLD_MEMBER_SLOTS)
    )
    copy_id = ids.event_id(
        co_viewer, F.lit(viewers.OWN_EVENT_SLOTS) * (relative + 1) + k, segment.index
    )
    ts = F.timestamp_seconds(F.col("_epoch"))
    own_identifier = identity_mappings.event_identifier(
        spec, iid, F.col("device_type"), ts, F.col("_identity")
    )
    # A copy is a CTV view: the household's ctv_id, mapped to the co-viewer.
    copy_identifier = F.col("_identity.ctv_identifier").withField(
        "mapping_id", ids.mapping_id(co_viewer.cast("long"), identity_mappings.SLOT_CTV)
    )
    days = F.floor((F.col("_epoch") - F.lit(window_start_epoch(spec))) / F.lit(SECONDS_PER_DAY))
    rows = copies.select(
        F.when(is_copy, copy_id).otherwise(own_id).alias("event_id"),
        F.when(is_copy, co_viewer).otherwise(iid).alias("individual_id"),
        hid,
        "content_id",
        "content_category",
        ts.alias("event_ts"),
        F.date_add(F.lit(spec.engagement.start_date), days.cast("int")).alias("event_date"),
        "engagement_type",
        "duration_seconds",
        "device_type",
        F.when(is_copy, copy_identifier).otherwise(own_identifier).alias("_identifier"),
        "co_viewing",
        F.when(is_copy, own_id).alias("co_viewer_of_event_id"),
        F.when(
            ~F.col("_is_view"), ids.event_id(iid, F.col("_view_k") - offset, segment.index)
        ).alias("follows_event_id"),
    )
    fields = {f: F.col(f"_identifier.{f}") for f in IDENTIFIER_FIELDS}
    return rows.select(*(fields.get(c, F.col(c)).alias(c) for c in COLUMNS))
