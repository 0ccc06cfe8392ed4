"""identity_mappings without noise (spec_version 1, the graph ``easy`` also generates): integrity,
uniqueness, time rules, cookie churn, the join-free event lookup (``has_device`` /
``identity_facts`` / ``event_identifier``) against the table, determinism and row estimates.
The noisy graph of spec_version 2 is tested in test_identity_noise.py."""

from __future__ import annotations

from datetime import datetime

import pytest
from population import Population, content_hash, population, small_spec, violations
from pyspark.sql import Column, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.window import Window

from generators.spec import DEVICE_TYPES, IDENTIFIER_TYPES, GenerationSpec
from generators.synth import rng
from generators.tables import households, identity_mappings, individuals

HOUSEHOLDS = 1000
VERSION = 1
WINDOW_START = datetime(2026, 1, 1)
WINDOW_END = datetime(2026, 3, 31, 23, 59, 59)
SHARED_TYPES = ("ctv_id", "ip_address", "device_id")
FORMATS = {
    "email_hash": "^[0-9a-f]{64}$",
    "mobile_ad_id": "^[0-9A-F]{8}-[0-9A-F]{4}-4[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}$",
    "device_id": "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$",
    "ctv_id": "^[0-9A-F]{32}$",
    "cookie": "^[0-9a-f]{32}$",
    "ip_address": r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$",
}


@pytest.fixture(scope="module")
def tables(spark: SparkSession) -> Population:
    return population(spark, small_spec(HOUSEHOLDS, spec_version=VERSION))


def test_keys_and_foreign_keys_resolve(tables: Population) -> None:
    people = tables.individuals.select(
        "individual_id", F.col("household_id").alias("person_household"), "age"
    )
    owners = tables.individuals.select(
        F.col("individual_id").alias("true_owner_individual_id"),
        F.col("household_id").alias("owner_household"),
    )
    joined = tables.identity.join(people, "individual_id", "left").join(
        owners, "true_owner_individual_id", "left"
    )
    shared = F.col("is_household_shared")
    found = violations(
        joined,
        {
            "orphan_individual": F.col("person_household").isNull(),
            "household_differs": F.col("household_id") != F.col("person_household"),
            "orphan_owner": F.col("owner_household").isNull(),
            "owner_outside_household": F.col("owner_household") != F.col("household_id"),
            "personal_owner_differs": ~shared
            & (F.col("true_owner_individual_id") != F.col("individual_id")),
            "slot_not_of_individual": F.floor(F.col("mapping_id") / 256) != F.col("individual_id"),
            "unknown_type": ~F.col("identifier_type").isin(*IDENTIFIER_TYPES),
            "unknown_device": F.col("device_type").isNotNull()
            & ~F.col("device_type").isin(*DEVICE_TYPES),
            "device_type_on_email_or_ip": F.col("identifier_type").isin("email_hash", "ip_address")
            & F.col("device_type").isNotNull(),
            "personal_id_under_13": ~shared
            & (F.col("age") < identity_mappings.MIN_PERSONAL_ID_AGE),
            "shared_flag_wrong": shared
            != (
                F.col("identifier_type").isin("ctv_id", "ip_address")
                | (F.col("mapping_id") % 256 == 2)
            ),
        },
    )
    assert found == dict.fromkeys(found, 0)
    stats = tables.identity.agg(F.count(F.lit(1)), F.countDistinct("mapping_id")).first()
    assert stats[0] == stats[1] > 10 * HOUSEHOLDS


def test_values_unique_per_type_except_household_shared(tables: Population) -> None:
    personal = tables.identity.where(~F.col("is_household_shared"))
    duplicated = (
        personal.groupBy("identifier_type", "identifier_value").count().where(F.col("count") > 1)
    )
    assert duplicated.count() == 0
    shared = tables.identity.where(F.col("is_household_shared"))
    per_value = shared.groupBy("identifier_type", "identifier_value").agg(
        F.countDistinct("household_id").alias("households"),
        F.count(F.lit(1)).alias("rows"),
        F.first("household_id").alias("household_id"),
    )
    sizes = tables.households.select("household_id", "household_size")
    found = violations(
        per_value.join(sizes, "household_id"),
        {
            "shared_across_households": F.col("households") != 1,
            "not_every_member": F.col("rows") != F.col("household_size"),
        },
    )
    assert found == dict.fromkeys(found, 0)
    clash = personal.join(shared, ["identifier_type", "identifier_value"]).count()
    assert clash == 0
    types = {r[0] for r in shared.select("identifier_type").distinct().collect()}
    assert types == set(SHARED_TYPES)


def test_values_look_real(tables: Population) -> None:
    rules = {
        f"{kind}_format": (F.col("identifier_type") == kind) & ~F.col("identifier_value").rlike(rx)
        for kind, rx in FORMATS.items()
    }
    octets = F.split(F.col("identifier_value"), r"\.")
    is_ip = F.col("identifier_type") == "ip_address"
    rules["ip_octet_over_255"] = is_ip & (
        F.greatest(*(octets.getItem(i).try_cast("int") for i in range(4))) > 255
    )
    rules["ip_not_public"] = is_ip & ~octets.getItem(0).try_cast("int").isin(
        *identity_mappings.PUBLIC_FIRST_OCTETS
    )
    found = violations(tables.identity, rules)
    assert found == dict.fromkeys(found, 0)


def test_first_and_last_seen_inside_window(tables: Population) -> None:
    first, last = F.col("first_seen"), F.col("last_seen")
    whole_window = F.col("identifier_type").isin("mobile_ad_id", "device_id", "ctv_id")
    found = violations(
        tables.identity,
        {
            "first_after_last": first > last,
            "before_window": first < F.lit(WINDOW_START),
            "after_window": last > F.lit(WINDOW_END),
            "device_not_whole_window": whole_window
            & ((first != F.lit(WINDOW_START)) | (last != F.lit(WINDOW_END))),
            "null_time": first.isNull() | last.isNull(),
        },
    )
    assert found == dict.fromkeys(found, 0)


def test_cookies_churn_contiguously_over_the_window(tables: Population) -> None:
    cookies = tables.identity.where(F.col("identifier_type") == "cookie").withColumn(
        "browser", F.floor((F.col("mapping_id") % 256 - identity_mappings.COOKIE_SLOT0) / 72)
    )
    browser = Window.partitionBy("individual_id", "browser").orderBy("mapping_id")
    ordered = cookies.select(
        "*",
        F.lag("last_seen").over(browser).alias("previous_last"),
        F.lead("first_seen").over(browser).alias("next_first"),
    )
    found = violations(
        ordered,
        {
            "first_cookie_after_start": F.col("previous_last").isNull()
            & (F.col("first_seen") != F.lit(WINDOW_START)),
            "last_cookie_before_end": F.col("next_first").isNull()
            & (F.col("last_seen") != F.lit(WINDOW_END)),
            "gap_or_overlap": F.col("previous_last").isNotNull()
            & (F.unix_seconds("first_seen") != F.unix_seconds("previous_last") + F.lit(1)),
        },
    )
    assert found == dict.fromkeys(found, 0)
    per_browser = cookies.groupBy("individual_id", "browser").count()
    assert per_browser.agg(F.avg("count")).first()[0] > 2.5


def _device_flag(spec: GenerationSpec, device: Column, age: Column | None) -> Column:
    iid, hid = F.col("individual_id"), F.col("household_id")
    flag = F.lit(False)
    for name in DEVICE_TYPES:
        has = identity_mappings.has_device(spec, iid, hid, name, age)
        flag = F.when(device == name, has).otherwise(flag)
    return flag


def test_has_device_agrees_with_the_table(spark: SparkSession, tables: Population) -> None:
    spec = small_spec(HOUSEHOLDS, spec_version=VERSION)
    kind, device = F.col("identifier_type"), F.col("device_type")
    capability = (
        F.when(kind == "ctv_id", "ctv")
        .when(kind == "mobile_ad_id", "mobile")
        .when((kind == "cookie") & device.isin("mobile", "desktop"), device)
        .when((kind == "device_id") & (device == "tablet"), "tablet")
    )
    usable = (
        tables.identity.select("individual_id", capability.alias("device_type"))
        .where(F.col("device_type").isNotNull())
        .distinct()
    )
    devices = spark.createDataFrame([(d,) for d in DEVICE_TYPES], "device_type string")
    candidates = tables.individuals.select("individual_id", "household_id").crossJoin(devices)
    # age recomputed from the id: the signature without the optional age column
    flagged = candidates.select("*", _device_flag(spec, F.col("device_type"), None).alias("has"))
    compared = flagged.join(
        usable.withColumn("in_table", F.lit(True)), ["individual_id", "device_type"], "left"
    )
    found = violations(
        compared,
        {
            "has_device_without_row": F.col("has") & F.col("in_table").isNull(),
            "row_without_has_device": ~F.col("has") & F.col("in_table").isNotNull(),
        },
    )
    assert found == dict.fromkeys(found, 0)


def test_event_identifier_points_at_a_live_row(spark: SparkSession, tables: Population) -> None:
    spec = small_spec(HOUSEHOLDS, spec_version=VERSION)
    window = identity_mappings.Window.of(spec)
    devices = spark.createDataFrame([(d,) for d in DEVICE_TYPES], "device_type string")
    iid, hid, device = F.col("individual_id"), F.col("household_id"), F.col("device_type")
    offset = F.floor(rng.uniform(99, "test.event_ts", iid, device) * window.seconds)
    events = (
        tables.individuals.select("individual_id", "household_id", "age")
        .crossJoin(devices)
        .withColumn("event_ts", F.timestamp_seconds(F.lit(window.start) + offset))
        .withColumn("has", _device_flag(spec, device, F.col("age")))
        .withColumn(
            "e",
            identity_mappings.event_identifier(
                spec,
                iid,
                device,
                F.col("event_ts"),
                identity_mappings.identity_facts(spec, iid, hid, F.col("age")),
            ),
        )
    )
    mappings = tables.identity.select(
        "mapping_id",
        F.col("individual_id").alias("m_individual"),
        F.col("identifier_type").alias("m_type"),
        F.col("identifier_value").alias("m_value"),
        F.col("device_type").alias("m_device"),
        "first_seen",
        "last_seen",
    )
    joined = events.join(mappings, F.col("e.mapping_id") == F.col("mapping_id"), "left")
    live = F.col("has")
    found = violations(
        joined,
        {
            "null_identifier": live & F.col("e").isNull(),
            "identifier_without_device": ~live & F.col("e").isNotNull(),
            "mapping_missing": live & F.col("m_individual").isNull(),
            "other_individual": live & (F.col("m_individual") != iid),
            "type_differs": live & (F.col("m_type") != F.col("e.identifier_type")),
            "value_differs": live & (F.col("m_value") != F.col("e.identifier_value")),
            "device_differs": live & (F.col("m_device") != device),
            "not_alive": live
            & (
                (F.col("event_ts") < F.col("first_seen")) | (F.col("event_ts") > F.col("last_seen"))
            ),
        },
    )
    assert found == dict.fromkeys(found, 0)
    per_type = dict(joined.where(live).groupBy("e.identifier_type").count().collect())
    assert sum(per_type.values()) > 2000
    assert set(per_type) == {"cookie", "mobile_ad_id", "device_id", "ctv_id"}


def test_presence_rates_follow_spec(tables: Population) -> None:
    spec = small_spec(HOUSEHOLDS, spec_version=VERSION)
    rates = spec.demographics.identity.identifier_types
    eligible = tables.individuals.where(F.col("age") >= identity_mappings.MIN_PERSONAL_ID_AGE)
    people = eligible.count()
    have = dict(
        tables.identity.where(F.col("identifier_type").isin("email_hash", "mobile_ad_id"))
        .groupBy("identifier_type")
        .agg(F.countDistinct("individual_id"))
        .collect()
    )
    for kind in ("email_hash", "mobile_ad_id"):
        assert abs(have[kind] / people - rates[kind]) < 0.05
    ctv = (
        tables.identity.where(F.col("identifier_type") == "ctv_id")
        .select("household_id")
        .distinct()
        .count()
    )
    assert abs(ctv / HOUSEHOLDS - rates["ctv_id"]) < 0.06


def test_deterministic_whatever_the_partitioning(spark: SparkSession, tables: Population) -> None:
    spec = small_spec(HOUSEHOLDS, spec_version=VERSION)
    reference = content_hash(tables.identity)
    repartitioned = identity_mappings.identity_mappings(
        spec, tables.individuals.repartition(3, "state")
    )
    assert content_hash(repartitioned) == reference
    other = small_spec(HOUSEHOLDS, seed=7, spec_version=VERSION)
    people = individuals.individuals(other, households.households(spark, other))
    assert content_hash(identity_mappings.identity_mappings(other, people))[1] != reference[1]


def test_expected_rows_within_a_few_percent_at_10k(spark: SparkSession) -> None:
    spec = small_spec(10_000, spec_version=VERSION)
    tables = population(spark, spec, with_identity=False)
    actual = {
        "households": tables.households.count(),
        "individuals": tables.individuals.count(),
        "identity_mappings": tables.identity.count(),
    }
    expected = {
        "households": households.expected_rows(spec),
        "individuals": individuals.expected_rows(spec),
        "identity_mappings": identity_mappings.expected_rows(spec),
    }
    for table, rows in actual.items():
        assert abs(rows / expected[table] - 1) < 0.03, (table, rows, expected[table])


def test_device_pmf_and_cookie_slots() -> None:
    spec = small_spec(
        demographics={"identity": {"devices_per_person": {"average": 2.4, "min": 1, "max": 6}}}
    )
    pmf = identity_mappings.device_pmf(spec)
    assert set(pmf) == set(range(1, 7))
    assert sum(k * p for k, p in pmf.items()) == pytest.approx(2.4)
    assert identity_mappings.COOKIE_SLOT0 + 3 * identity_mappings.COOKIES_PER_BROWSER <= 256
    short = small_spec(demographics={"identity": {"cookie_lifetime_days": 0.01}})
    window = identity_mappings.Window.of(short)
    assert (
        window.seconds - 1 + identity_mappings.min_lifetime(window) - 1
    ) // identity_mappings.min_lifetime(window) + 1 <= identity_mappings.COOKIES_PER_BROWSER
