"""The noisy identity graph (spec_version 2, ``demographics.identity.noise``) on small in-memory
populations: its truth resolves, shared networks cross households while residential addresses do
not, leases and cookies hand over with gaps and overlaps, devices change hands, wrong links have
a correct twin, events carry the identifier (IP addresses included) that produced them, the
validation recovers every rate and catches a corrupted truth, a plain resolver does worse the
harder the preset, and everything is deterministic."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pytest
from population import content_hash, population, small_spec, violations
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.window import Window

from generators.spark.session import SMALL_METHODS_CONF
from generators.spec import GenerationSpec
from generators.tables import content_engagements, identity_mappings, identity_noise
from generators.validation.hard import hard_checks
from generators.validation.noise import noise_checks
from generators.validation.resolution import reference_resolution
from generators.validation.runner import validate_tables

HOUSEHOLDS = 400
WINDOW_SECONDS = 90 * 86_400


def noisy_spec(preset: str = "realistic", count: int = HOUSEHOLDS, **noise) -> GenerationSpec:
    return small_spec(
        count, seed=5, demographics={"identity": {"noise": {"preset": preset, **noise}}}
    )


@dataclass(frozen=True)
class World:
    spec: GenerationSpec
    people: DataFrame
    identity: DataFrame
    events: DataFrame
    mappings: pd.DataFrame


@pytest.fixture(scope="module")
def world(spark: SparkSession) -> World:
    spec = noisy_spec()
    tables = population(spark, spec)
    events = content_engagements.engagements(spec, tables.individuals).cache()
    mappings = tables.identity.toPandas()
    return World(spec, tables.individuals, tables.identity, events, mappings)


def seconds(column: pd.Series) -> pd.Series:
    return column.astype("int64") // 10**9 if column.dtype.kind == "M" else column


def test_truth_resolves_and_times_stay_in_the_window(world: World) -> None:
    people = world.people.select(
        F.col("individual_id").alias("owner"), F.col("household_id").alias("owner_household")
    )
    joined = world.identity.join(
        people, F.col("true_owner_individual_id") == F.col("owner"), "left"
    )
    start, end = F.lit("2026-01-01 00:00:00"), F.lit("2026-03-31 23:59:59")
    times = ("first_seen", "last_seen", "true_valid_from", "true_valid_to")
    found = violations(
        joined,
        {
            "owner_missing": F.col("owner").isNull(),
            "true_household_wrong": F.col("owner_household") != F.col("true_household_id"),
            "correct_link_outside_true_household": ~F.col("is_wrong_link")
            & (F.col("household_id") != F.col("true_household_id")),
            "wrong_link_not_probabilistic": F.col("is_wrong_link")
            & (F.col("link_source") != "probabilistic_match"),
            "seen_out_of_order": F.col("first_seen") > F.col("last_seen"),
            "valid_out_of_order": F.col("true_valid_from") > F.col("true_valid_to"),
            "outside_window": F.greatest(*(F.col(c) > end for c in times))
            | F.greatest(*(F.col(c) < start for c in times)),
            "validity_on_wrong_link": F.col("is_wrong_link") & F.col("true_valid_from").isNotNull(),
            "no_validity": ~F.col("is_wrong_link") & F.col("true_valid_from").isNull(),
        },
    )
    assert found == dict.fromkeys(found, 0)
    stats = world.identity.agg(F.count(F.lit(1)), F.countDistinct("mapping_id")).first()
    assert stats[0] == stats[1]
    expected = identity_mappings.expected_rows(world.spec)
    assert abs(stats[0] / expected - 1) < 0.05


def test_networks_cross_households_and_residential_addresses_do_not(world: World) -> None:
    ips = world.mappings[world.mappings.identifier_type == "ip_address"]
    first_octet = ips.identifier_value.str.split(".").str[0].astype(int)
    families = {
        "residential": identity_noise.RESIDENTIAL_OCTETS,
        "lease": identity_noise.LEASE_OCTETS,
        "network": identity_noise.NETWORK_OCTETS,
    }
    residential = ips.true_network_type == "residential"
    later_lease = ips.true_change_reason.isin(["ip_lease_renewed", "household_moved"])
    assert first_octet[residential & ~later_lease].isin(families["residential"]).all()
    assert first_octet[later_lease].isin(families["lease"]).all()
    assert first_octet[~residential].isin(families["network"]).all()
    households = ips.groupby("identifier_value").household_id.nunique()
    kind = ips.groupby("identifier_value").true_network_type.first()
    assert (households[kind == "residential"] == 1).all()
    for network in identity_noise.NETWORK_KINDS:
        assert (households[kind == network] > 1).any(), network
    # every member has a row per lease: a lease's rows are its household's size
    sizes = world.people.groupBy("household_id").count().toPandas().set_index("household_id")
    per_lease = (
        ips[residential & ~ips.is_wrong_link]
        .groupby("identifier_value")
        .agg(rows=("individual_id", "size"), household=("household_id", "first"))
    )
    assert (per_lease.rows.to_numpy() == sizes.loc[per_lease.household, "count"].to_numpy()).all()


def test_leases_tile_the_window_and_overlap_at_renewals(world: World) -> None:
    leases = world.mappings[
        (world.mappings.true_network_type == "residential")
        & (world.mappings.individual_id == world.mappings.true_owner_individual_id)
    ].sort_values(["household_id", "true_valid_from"])
    valid_from, valid_to = seconds(leases.true_valid_from), seconds(leases.true_valid_to)
    same = leases.household_id.eq(leases.household_id.shift())
    # the true validity tiles the window: each lease starts a second after the previous ended
    assert (valid_from[same] == valid_to.shift()[same] + 1).all()
    assert (valid_from[~same] == valid_from.min()).all()
    # observed: the old address is still seen for up to handoff_hours after the new one starts
    overlap = seconds(leases.last_seen).shift()[same] - seconds(leases.first_seen)[same]
    assert overlap.between(-1, 24 * 3600).all() and (overlap > 0).mean() > 0.9
    renewals = leases.true_change_reason.eq("ip_lease_renewed").sum()
    assert renewals > leases.household_id.nunique() * 0.5  # 90 days, leases of 60 ± 30 days


def test_cookie_handoffs_leave_gaps_and_overlaps(world: World) -> None:
    cookies = world.identity.where(
        (F.col("identifier_type") == "cookie") & ~F.col("is_wrong_link")
    ).withColumn("browser", F.col("device_type"))
    browser = Window.partitionBy("individual_id", "browser").orderBy("true_valid_from")
    handoffs = (
        cookies.select(
            (
                F.unix_timestamp("first_seen")
                - F.unix_timestamp(F.lag("last_seen").over(browser))
                - 1
            ).alias("gap")
        )
        .where(F.col("gap").isNotNull())
        .toPandas()
        .gap
    )
    assert len(handoffs) > 500
    assert (handoffs > 0).mean() > 0.25 and (handoffs < 0).mean() > 0.25
    assert (handoffs == 0).mean() < 0.05  # not a one-second handoff
    assert handoffs.abs().max() <= 24 * 3600


def test_devices_change_hands_and_wrong_links_have_a_correct_twin(world: World) -> None:
    rows = world.mappings
    moved = rows[rows.true_change_reason.isin(["device_passed_on", "device_sold"])]
    assert len(moved) > 0
    before = rows[(rows.identifier_type == "device_id") & rows.true_change_reason.isna()]
    pairs = moved.merge(before, on="identifier_value", suffixes=("", "_before"))
    assert len(pairs) == len(moved)
    assert (seconds(pairs.first_seen) == seconds(pairs.last_seen_before) + 1).all()
    assert (pairs.true_owner_individual_id == pairs.individual_id).all()
    sold = pairs.true_change_reason == "device_sold"
    assert (sold == (pairs.household_id != pairs.household_id_before)).all()
    assert (pairs.household_id[sold] < pairs.household_id_before[sold]).all()

    wrong = rows[rows.is_wrong_link]
    assert len(wrong) > 0
    assert wrong.match_confidence.between(*identity_noise.WRONG_CONFIDENCE).all()
    correct = rows[~rows.is_wrong_link]
    twins = wrong.merge(
        correct[["identifier_type", "identifier_value", "individual_id"]],
        left_on=["identifier_type", "identifier_value", "true_owner_individual_id"],
        right_on=["identifier_type", "identifier_value", "individual_id"],
        suffixes=("", "_owner"),
    )
    assert twins[["identifier_type", "identifier_value", "individual_id"]].drop_duplicates().shape[
        0
    ] == len(wrong.drop_duplicates(["identifier_type", "identifier_value", "individual_id"]))
    assert (wrong.individual_id != wrong.true_owner_individual_id).all()
    probabilistic = correct[correct.link_source == "probabilistic_match"].match_confidence
    assert probabilistic.between(*identity_noise.CORRECT_CONFIDENCE).all()
    assert (correct[correct.link_source != "probabilistic_match"].match_confidence == 1).all()


def test_events_carry_live_identifiers_including_ip_addresses(world: World) -> None:
    mappings = world.identity.select(
        "mapping_id",
        F.col("individual_id").alias("m_individual"),
        F.col("identifier_type").alias("m_type"),
        F.col("identifier_value").alias("m_value"),
        "first_seen",
        "last_seen",
        "true_network_type",
    )
    joined = world.events.join(mappings, "mapping_id", "left")
    found = violations(
        joined,
        {
            "missing": F.col("m_individual").isNull(),
            "other_person": F.col("m_individual") != F.col("individual_id"),
            "other_value": (F.col("m_type") != F.col("identifier_type"))
            | (F.col("m_value") != F.col("identifier_value")),
            "not_alive": (F.col("event_ts") < F.col("first_seen"))
            | (F.col("event_ts") > F.col("last_seen")),
            "ip_off_the_browser": (F.col("identifier_type") == "ip_address")
            & ~F.col("device_type").isin("mobile", "desktop"),
            "work_out_of_hours": F.col("true_network_type").isin("workplace", "campus")
            & (
                ~F.dayofweek("event_ts").between(2, 6)
                | (F.hour("event_ts") < 9)
                | (F.hour("event_ts") >= 17)
            ),
        },
    )
    assert found == dict.fromkeys(found, 0)
    kinds = dict(
        joined.where(F.col("identifier_type") == "ip_address")
        .groupBy("true_network_type")
        .count()
        .collect()
    )
    assert {"residential", "workplace", "carrier_nat"} <= set(kinds)
    browser = joined.where(F.col("device_type").isin("mobile", "desktop")).where(
        F.col("identifier_type").isin("cookie", "ip_address")
    )
    share = browser.agg(F.avg((F.col("identifier_type") == "ip_address").cast("double"))).first()[0]
    assert 0.1 <= share <= 0.2  # ip_only_event_share 0.1, plus the events in cookie gaps


def test_validation_recovers_every_rate_and_catches_a_corrupted_truth(
    spark: SparkSession, world: World
) -> None:
    tables = {"individuals": world.people, "identity_mappings": world.identity}
    report = validate_tables(spark, tables, world.spec)
    noise = {c.name: c for c in report.checks if c.name.startswith("noise:")}
    assert len(noise) == 10
    assert [c.name for c in noise.values() if not c.ok] == []
    identity = [c for c in report.checks if c.kind == "hard" and c.table == "identity_mappings"]
    assert [c.name for c in identity if not c.ok] == []
    assert {"truth:identity_mappings.is_wrong_link", "window:identity_mappings"} <= {
        c.name for c in identity
    }
    observed = F.col("link_source") == "observed"
    corrupted = world.identity.withColumn(
        "is_wrong_link", F.col("is_wrong_link") | (observed & (F.col("mapping_id") % 97 == 0))
    ).withColumn(
        "true_owner_individual_id",
        F.when(F.col("mapping_id") % 89 == 0, F.lit(-1)).otherwise(
            F.col("true_owner_individual_id")
        ),
    )
    broken, _ = hard_checks(tables | {"identity_mappings": corrupted}, world.spec)
    failed = {c.name: c.violations for c in broken if not c.ok}
    assert (
        failed["truth:identity_mappings.is_wrong_link"]
        == world.identity.where(observed & (F.col("mapping_id") % 97 == 0)).count()
    )
    assert failed["fk:identity_mappings.true_owner_individual_id->individuals"] > 0
    skewed = noise_checks(
        tables, noisy_spec(networks={"workplace": 0.8}, links={"wrong_share": 0.3})
    )
    warned = {c.name for c in skewed if not c.ok}
    assert {"noise:identity_mappings.workplace", "noise:identity_mappings.wrong_links"} <= warned
    # small rates are held to their size: a graph with no moves or transfers would not pass
    churn = {"move_rate_per_year": 0.5, "device_transfer_rate_per_year": 0.5}
    flagged = {c.name for c in noise_checks(tables, noisy_spec(churn=churn)) if not c.ok}
    assert {"noise:identity_mappings.moves", "noise:identity_mappings.device_transfers"} <= flagged


def test_a_plain_resolver_does_worse_the_harder_the_preset(spark: SparkSession) -> None:
    # a block of households: a smaller world has smaller networks, under the resolver's cap
    count = identity_noise.BLOCK_HOUSEHOLDS["workplace"]
    scores = {}
    for preset in ("easy", "realistic", "hard"):
        tables = population(spark, noisy_spec(preset, count), with_identity=False)
        scores[preset] = reference_resolution({"identity_mappings": tables.identity})
    f1 = {p: {s.level: s.f1 for s in section.scores} for p, section in scores.items()}
    assert f1["easy"]["household"] > 0.98 and f1["easy"]["person"] == 1.0
    for level in ("household", "person"):
        assert f1["easy"][level] > f1["realistic"][level] + 0.1 > f1["hard"][level] + 0.2, level
    assert scores["realistic"].households == count


def test_deterministic_whatever_the_partitioning(spark: SparkSession, world: World) -> None:
    reference = content_hash(world.identity)
    again = identity_mappings.identity_mappings(world.spec, world.people.repartition(3, "state"))
    assert content_hash(again) == reference
    events = content_hash(world.events)
    assert (
        content_hash(
            content_engagements.engagements(world.spec, world.people.repartition(5, "age"))
        )
        == events
    )
    other = noisy_spec(churn={"ip_lease_days": 30})
    changed = identity_mappings.identity_mappings(other, world.people)
    assert content_hash(changed)[1] != reference[1]


def test_only_a_noisy_graph_is_written_with_small_methods() -> None:
    from generators.tables.registry import TABLES

    node = next(n for n in TABLES if n.name == "identity_mappings")
    assert node.spark_conf is not None
    assert node.spark_conf(noisy_spec()) == SMALL_METHODS_CONF
    assert node.spark_conf(noisy_spec("easy")) == {}
