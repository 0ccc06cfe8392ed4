"""content_engagements: integrity, identifiers, conditional structure, co-viewing, seasonality,
planted tastes and activity, determinism; at scale, the heavy tail of events per individual."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import pandas as pd
import pytest
from population import content_hash, population, small_spec
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from generators.spec import ENGAGEMENT_TYPES, GenerationSpec
from generators.synth import ids
from generators.synth.seasonality import day_weights
from generators.tables import content_catalog, content_engagements, viewers

SPEC = small_spec(400, seed=7)


@dataclass(frozen=True)
class Generated:
    individuals: pd.DataFrame
    identity: pd.DataFrame
    catalog: pd.DataFrame
    events: pd.DataFrame


def generate(spark: SparkSession, spec: GenerationSpec) -> tuple[DataFrame, DataFrame, DataFrame]:
    tables = population(spark, spec)
    return (
        tables.individuals,
        tables.identity,
        content_engagements.engagements(spec, tables.individuals),
    )


@pytest.fixture(scope="module")
def generated(spark: SparkSession) -> Generated:
    people, identity, events = generate(spark, SPEC)
    return Generated(
        people.toPandas(),
        identity.toPandas(),
        content_catalog.catalog(spark, SPEC).toPandas(),
        events.toPandas(),
    )


def own(events: pd.DataFrame) -> pd.DataFrame:
    return events[events["co_viewer_of_event_id"].isna()]


def test_columns_keys_and_window(generated: Generated) -> None:
    events = generated.events
    assert list(events.columns) == list(content_engagements.COLUMNS)
    assert len(events) > 10_000
    assert events["event_id"].is_unique
    assert (events["event_id"] // ids.EVENT_SLOTS == events["individual_id"]).all()
    start = datetime.combine(SPEC.engagement.start_date, datetime.min.time())
    end = datetime.combine(SPEC.engagement.end_date, datetime.min.time()) + timedelta(
        seconds=86_399
    )
    assert events["event_ts"].min() >= start and events["event_ts"].max() <= end
    assert (events["event_ts"].dt.date == events["event_date"]).all()
    assert set(events["engagement_type"]) == set(ENGAGEMENT_TYPES)
    assert events[["mapping_id", "identifier_type", "identifier_value"]].notna().all().all()


def test_references_resolve(generated: Generated) -> None:
    events, people, catalog = generated.events, generated.individuals, generated.catalog
    joined = events.merge(
        people[["individual_id", "household_id"]], on="individual_id", suffixes=("", "_p")
    )
    assert len(joined) == len(events)
    assert (joined["household_id"] == joined["household_id_p"]).all()
    items = events.merge(catalog, on="content_id", suffixes=("", "_c"))
    assert len(items) == len(events)
    assert (items["content_category"] == items["content_category_c"]).all()


def test_identifiers_belong_to_the_person_and_are_live(generated: Generated) -> None:
    events, identity = generated.events, generated.identity
    joined = events.merge(identity, on="mapping_id", suffixes=("", "_m"), how="left")
    assert joined["individual_id_m"].notna().all(), "identifier missing from identity_mappings"
    assert (joined["individual_id_m"] == joined["individual_id"]).all()
    assert (joined["identifier_type_m"] == joined["identifier_type"]).all()
    assert (joined["identifier_value_m"] == joined["identifier_value"]).all()
    assert (joined["first_seen"] <= joined["event_ts"]).all()
    assert (joined["event_ts"] <= joined["last_seen"]).all()
    typed = joined[joined["device_type_m"].notna()]
    assert (typed["device_type_m"] == typed["device_type"]).all()
    # Cross-device: many people use more than one device type.
    devices = events.groupby("individual_id")["device_type"].nunique()
    assert (devices >= 2).mean() > 0.5


def test_follow_ups_follow_a_view_of_the_same_content(generated: Generated) -> None:
    events = generated.events.set_index("event_id")
    views = events[events["engagement_type"] == "view"]
    follow_ups = events[events["engagement_type"] != "view"]
    assert views["follows_event_id"].isna().all()
    assert follow_ups["follows_event_id"].notna().all()
    anchors = views.loc[follow_ups["follows_event_id"].astype("int64")]
    for column in ("individual_id", "content_id", "device_type"):
        assert (anchors[column].to_numpy() == follow_ups[column].to_numpy()).all(), column
    assert (anchors["event_ts"].to_numpy() <= follow_ups["event_ts"].to_numpy()).all()


def test_engagement_type_mix_matches_the_spec(generated: Generated) -> None:
    mix = own(generated.events)["engagement_type"].value_counts(normalize=True)
    for kind, weight in SPEC.engagement.engagement_types.items():
        assert mix[kind] == pytest.approx(weight, abs=0.02), kind


def test_co_viewing_copies(generated: Generated) -> None:
    events = generated.events
    copies = events[events["co_viewer_of_event_id"].notna()]
    originals = events[events["co_viewing"] & events["co_viewer_of_event_id"].isna()]
    assert len(copies) == len(originals) > 0
    pairs = copies.merge(
        events, left_on="co_viewer_of_event_id", right_on="event_id", suffixes=("", "_o")
    )
    assert len(pairs) == len(copies)
    assert (pairs["engagement_type_o"] == "view").all() and pairs["co_viewing_o"].all()
    assert (pairs["device_type"] == "ctv").all() and (pairs["device_type_o"] == "ctv").all()
    assert (pairs["household_id"] == pairs["household_id_o"]).all()
    assert (pairs["individual_id"] != pairs["individual_id_o"]).all()
    for column in ("content_id", "event_ts", "duration_seconds", "identifier_value"):
        assert (pairs[column] == pairs[f"{column}_o"]).all(), column
    # The configured rate applies to CTV views in households of two or more.
    sizes = generated.individuals.set_index("individual_id")["household_size"]
    own_events = own(events)
    ctv_views = own_events[
        (own_events["engagement_type"] == "view") & (own_events["device_type"] == "ctv")
    ]
    shared = ctv_views[ctv_views["individual_id"].map(sizes) >= 2]
    rate = shared["co_viewing"].mean()
    assert rate == pytest.approx(SPEC.engagement.co_viewing_rate, abs=0.05)


def test_durations(generated: Generated) -> None:
    events = generated.events.merge(generated.catalog[["content_id", "length_seconds"]])
    views = events[events["engagement_type"] == "view"]
    assert events.loc[events["engagement_type"] != "view", "duration_seconds"].isna().all()
    assert (views["duration_seconds"] >= 1).all()
    assert (views["duration_seconds"] <= views["length_seconds"]).all()
    completion = views["duration_seconds"] / views["length_seconds"]
    duration = SPEC.engagement.duration
    assert completion.mean() == pytest.approx(duration.completion_mean, abs=0.02)
    kappa = duration.completion_concentration
    beta_sd = math.sqrt(duration.completion_mean * (1 - duration.completion_mean) / (kappa + 1))
    assert completion.std() == pytest.approx(beta_sd, rel=0.1)


def test_household_members_share_tastes(generated: Generated) -> None:
    """Category mixes of two members of a household are closer than of two strangers: the
    paired difference of L1 distances is negative beyond sampling noise (t < -3)."""
    events = own(generated.events)
    mix = pd.crosstab(events["individual_id"], events["content_category"])
    mix = mix[mix.sum(axis=1) >= 20]
    shares = mix.div(mix.sum(axis=1), axis=0)
    household = pd.Series(shares.index // ids.MEMBER_SLOTS, index=shares.index)
    members = household.groupby(household).filter(lambda g: len(g) >= 2)
    firsts = members.groupby(members).head(1).index
    seconds = members.groupby(members).nth(1).index
    strangers = np.roll(seconds.to_numpy(), 1)

    def distances(a: pd.Index, b: np.ndarray) -> np.ndarray:
        return np.abs(shares.loc[a].to_numpy() - shares.loc[b].to_numpy()).sum(axis=1)

    difference = distances(firsts, seconds.to_numpy()) - distances(firsts, strangers)
    assert len(difference) >= 50
    t = difference.mean() / (difference.std(ddof=1) / math.sqrt(len(difference)))
    assert t < -3


def test_activity_depends_on_demographics(generated: Generated) -> None:
    counts = own(generated.events).groupby("individual_id").size()
    people = generated.individuals.set_index("individual_id")
    active = people.loc[counts.index]
    young = counts[(active["age"] >= 18) & (active["age"] < 35)]
    old = counts[active["age"] >= 65]
    assert young.mean() > 1.2 * old.mean()
    mean = SPEC.engagement.events_per_individual.mean
    assert counts.mean() == pytest.approx(mean, rel=0.15)


def test_inactive_share(spark: SparkSession, generated: Generated) -> None:
    """Among people with a device, the share without events is the configured inactive share."""
    people = spark.createDataFrame(generated.individuals[["individual_id", "household_id", "age"]])
    flags = viewers.device_flags(SPEC, F.col("individual_id"), F.col("household_id"), F.col("age"))
    with_device = set(
        people.where(viewers.any_of(list(flags.values()))).toPandas()["individual_id"].tolist()
    )
    active = set(generated.events["individual_id"])
    own_active = set(own(generated.events)["individual_id"])
    assert own_active <= with_device
    share = 1 - len(own_active) / len(with_device)
    target = SPEC.engagement.events_per_individual.inactive_share
    assert share == pytest.approx(
        target, abs=3 * math.sqrt(target * (1 - target) / len(with_device))
    )
    # Co-viewers are active people too: nobody has events only as a co-viewer.
    assert active == own_active


def correlation(observed: list[float], expected: list[float]) -> float:
    return float(np.corrcoef(observed, expected)[0, 1])


def test_seasonality_follows_the_profiles(spark: SparkSession) -> None:
    spec = small_spec(
        250,
        seed=3,
        engagement={
            "start_date": "2025-01-01",
            "end_date": "2025-12-31",
            "seasonality": {
                "day_of_week": [1.0, 0.8, 0.8, 1.0, 1.4, 2.2, 1.8],
                "month_of_year": [1.4, 1.3, 1.1, 1.0, 0.9, 0.7, 0.7, 0.8, 0.9, 1.0, 1.2, 1.5],
                "yearly_growth": 0.0,
            },
        },
    )
    _, _, events = generate(spark, spec)
    days = events.groupBy("event_date", F.hour("event_ts").alias("hour")).count().toPandas()
    season = spec.engagement.seasonality
    by_hour = days.groupby("hour")["count"].sum().reindex(range(24), fill_value=0)
    assert correlation(by_hour.tolist(), season.hour_of_day) >= 0.9
    # Expected weekday and month histograms sum the configured day weights over the window,
    # so uneven weekday and month lengths are accounted for.
    calendar = pd.DataFrame(
        {
            "day": [spec.engagement.start_date + timedelta(days=i) for i in range(365)],
            "weight": day_weights(spec),
        }
    )
    per_day = days.groupby("event_date")["count"].sum()
    calendar["count"] = calendar["day"].map(per_day).fillna(0)
    for key in (lambda d: d.weekday(), lambda d: d.month):
        grouped = calendar.groupby(calendar["day"].map(key))[["weight", "count"]].sum()
        assert correlation(grouped["count"].tolist(), grouped["weight"].tolist()) >= 0.9


def test_deterministic_across_partitioning_and_seed_dependent(spark: SparkSession) -> None:
    spec = small_spec(60, seed=21)
    tables = population(spark, spec, with_identity=False)
    first = content_hash(content_engagements.engagements(spec, tables.individuals))
    previous = spark.conf.get("spark.sql.shuffle.partitions")
    spark.conf.set("spark.sql.shuffle.partitions", "9")
    try:
        again = content_hash(
            content_engagements.engagements(spec, tables.individuals.repartition(7))
        )
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", previous)
    other_spec = small_spec(60, seed=22)
    other = content_hash(
        content_engagements.engagements(
            other_spec, population(spark, other_spec, with_identity=False).individuals
        )
    )
    assert first == again
    assert first != other


def test_expected_rows_close_to_actual(generated: Generated) -> None:
    assert content_engagements.expected_rows(SPEC) == pytest.approx(len(generated.events), rel=0.25)


def test_event_count_cap_and_type_blocks() -> None:
    largest = small_spec(10, engagement={"events_per_individual": {"max": viewers.OWN_EVENT_SLOTS}})
    assert largest.engagement.events_per_individual.max == viewers.OWN_EVENT_SLOTS
    with pytest.raises(ValueError, match="max"):
        small_spec(10, engagement={"events_per_individual": {"max": viewers.OWN_EVENT_SLOTS + 1}})
    assert content_engagements.type_blocks(SPEC) == (2, pytest.approx(0.44))
    views_only = small_spec(10, engagement={"engagement_types": {"view": 1.0}})
    assert content_engagements.type_blocks(views_only) == (1, 1.0)


# ---------------------------------------------------------------- at scale

SCALE_HOUSEHOLDS = 100_000


def own_counts(spark: SparkSession, spec: GenerationSpec) -> pd.DataFrame:
    """Own events per active individual with the individual's activity group."""
    tables = population(spark, spec, with_identity=False)
    events = content_engagements.engagements(spec, tables.individuals)
    counts = (
        events.where(F.col("co_viewer_of_event_id").isNull())
        .groupBy("individual_id")
        .count()
        .join(
            tables.individuals.select("individual_id", "age", "employment_status"), "individual_id"
        )
        .select(
            "count",
            viewers.age_band_index(F.col("age")).alias("band"),
            F.coalesce(F.col("employment_status"), F.lit("none")).alias("status"),
        )
    )
    return counts.toPandas()


@pytest.mark.slow
def test_lognormal_sigma_recovered_at_scale(spark: SparkSession) -> None:
    """Pooled within-group (age band × employment) sd of log(events) recovers sigma: the
    demographic multiplier only shifts log(events) per group."""
    sigma = 0.9
    spec = small_spec(
        SCALE_HOUSEHOLDS, engagement={"events_per_individual": {"mean": 30, "sigma": sigma}}
    )
    counts = own_counts(spark, spec)
    logs = np.log(counts["count"])
    residual = logs - logs.groupby([counts["band"], counts["status"]]).transform("mean")
    assert len(counts) > 150_000
    assert residual.std() == pytest.approx(sigma, abs=0.05)


@pytest.mark.slow
def test_power_law_alpha_recovered_at_scale(spark: SparkSession) -> None:
    """Discrete Hill estimate over the tail n >= 100 (above every group's xmin) recovers alpha."""
    alpha = 2.5
    spec = small_spec(
        SCALE_HOUSEHOLDS,
        engagement={
            "events_per_individual": {
                "distribution": "power_law",
                "alpha": alpha,
                "mean": 30,
                "max": 65_536,
            }
        },
    )
    counts = own_counts(spark, spec)["count"]
    xmin = 100
    tail = counts[counts >= xmin]
    estimate = 1 + len(tail) / np.log(tail / (xmin - 0.5)).sum()
    assert len(tail) > 3000
    assert estimate == pytest.approx(alpha, abs=0.1)
