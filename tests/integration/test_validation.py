"""The validation report on real generated tables: clean data passes; each deliberate corruption
is caught by the check meant for it; `idgraph validate` writes the report and exits 0, 1 or 2."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from worlds import CATALOG, HOUSEHOLDS, SCHEMA

from generators.cli.main import main
from generators.run.pipeline import run_properties
from generators.storage import LocalDeltaWarehouse
from generators.synth import rng
from generators.validation import contract, hard, measures
from generators.validation.model import Report
from generators.validation.rules import referenced
from generators.validation.runner import validate_tables

PAIR = ("individual_id", "campaign_id")
PLOTS = (
    "household_size.png",
    "age_mix.png",
    "events_per_individual_tail.png",
    "hour_of_day.png",
    "day_of_week.png",
    "reach_frequency.png",
    "lift.png",
)


@pytest.fixture(scope="module")
def spec(world):
    return world.spec


@pytest.fixture(scope="module")
def warehouse(world) -> LocalDeltaWarehouse:
    """The session's generated world (read only: corruptions work on copies)."""
    return world.writer


@pytest.fixture(scope="module")
def tables(world) -> dict[str, DataFrame]:
    return world.tables


@pytest.fixture(scope="module")
def clean(world) -> Report:
    return world.report


def check(report: Report, name: str):
    matches = [c for c in report.checks if c.name == name]
    assert matches, f"no check {name}; have {[c.name for c in report.checks]}"
    return matches[0]


def only(tables: dict[str, DataFrame], *names: str) -> dict[str, DataFrame]:
    return {n: tables[n] for n in names}


# ---------------------------------------------------------------- clean data


def test_clean_run_passes_every_hard_check(clean):
    failed = [(c.name, c.violations, c.samples) for c in clean.failed()]
    assert failed == []
    assert clean.passed
    hard = [c for c in clean.checks if c.kind == "hard"]
    assert len(hard) >= 60
    assert {
        "present:households",
        "pk:content_engagements",
        "sum:outcome_metrics.attribution_weight",
        "window:campaign_exposures.exposure_ts",
        "holdout:campaign_exposures",
        "truth:campaign_ground_truth",
    } <= {c.name for c in hard}
    assert clean.rows["households"] == HOUSEHOLDS


def test_clean_run_statistics_are_within_tolerance(clean):
    stats = {c.name: c for c in clean.checks if c.kind == "stat"}
    for name in (
        "dist:households.household_size",
        "mix:individuals.householder_age",
        "tail:content_engagements.events_per_individual",
        "season:content_engagements.hour",
        "season:content_engagements.day_of_week",
        "reach:campaign_exposures",
        "frequency:campaign_exposures",
        "lift:campaign_ground_truth",
    ):
        assert stats[name].verdict == "pass", (name, stats[name].statistic, stats[name].tolerance)
    assert all(c.verdict in ("pass", "warn") for c in stats.values())


def test_report_folder_has_json_markdown_and_plots(clean, spec):
    folder = Path(clean.path)
    document = json.loads((folder / "report.json").read_text())
    assert document["passed"] is True
    assert len(document["checks"]) == len(clean.checks)
    lift = next(c for c in document["checks"] if c["name"] == "lift:campaign_ground_truth")
    assert len(lift["data"]["campaigns"]) == spec.campaigns.count
    markdown = (folder / "report.md").read_text()
    assert markdown.splitlines()[2].startswith("**Verdict: PASSED**")
    assert "## Lift per campaign" in markdown
    attribution = document["attribution_vs_truth"]
    assert [m["model"] for m in attribution["models"]] == sorted(spec.responses.attribution.models)
    assert "## Attribution against truth" in markdown
    for plot in PLOTS:
        assert (folder / plot).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", plot
        assert f"]({plot})" in markdown


# ---------------------------------------------------------------- corruptions


def test_orphan_individual_is_caught(spark, tables, spec):
    orphan = (
        tables["individuals"]
        .where(F.col("individual_id") == 0)
        .withColumns(
            {
                "individual_id": F.lit(10**9 * 16).cast("long"),
                "household_id": F.lit(10**9).cast("long"),
            }
        )
    )
    corrupted = only(tables, "households") | {
        "individuals": tables["individuals"].unionByName(orphan)
    }
    report = validate_tables(spark, corrupted, spec)
    fk = check(report, "fk:individuals.household_id->households")
    assert (fk.verdict, fk.violations) == ("fail", 1)
    assert fk.samples == [{"individual_id": 16 * 10**9, "household_id": 10**9}]
    assert not report.passed


def test_carried_attributes_that_differ_from_the_parent_are_counted_per_row(spark, tables, spec):
    """Events carry their identifier's type and value: changing the value of one identifier on
    all its events, and blanking the type of one other event, are both caught, counted in rows
    (not in distinct values) and sampled by mapping_id."""
    events = tables["content_engagements"]
    busy = events.groupBy("mapping_id").count().where(F.col("count") >= 2).orderBy("mapping_id")
    renamed, blanked = [r["mapping_id"] for r in busy.limit(2).collect()]
    renamed_rows = events.where(F.col("mapping_id") == renamed).count()
    corrupted_events = events.withColumn(
        "identifier_value",
        F.when(F.col("mapping_id") == renamed, F.lit("not-the-mapping's")).otherwise(
            F.col("identifier_value")
        ),
    ).withColumn(
        "identifier_type",
        F.when(
            F.col("event_id")
            == events.where(F.col("mapping_id") == blanked).agg(F.min("event_id")).first()[0],
            F.lit(None).cast("string"),
        ).otherwise(F.col("identifier_type")),
    )
    corrupted = only(tables, "identity_mappings") | {"content_engagements": corrupted_events}
    report = validate_tables(spark, corrupted, spec)
    carried = check(report, "carried:content_engagements.mapping_id->identity_mappings")
    assert (carried.verdict, carried.violations) == ("fail", renamed_rows + 1)
    assert carried.samples and {s["mapping_id"] for s in carried.samples} <= {renamed, blanked}
    assert check(report, "fk:content_engagements.mapping_id->identity_mappings").verdict == "pass"


def test_a_duplicated_parent_key_does_not_inflate_its_children_counts(spark, tables, spec):
    """A parent whose key is not unique is grouped by key before the children are looked up
    in it: one changed event whose identifier row appears twice is one violation, not two."""
    events, mappings = tables["content_engagements"], tables["identity_mappings"]
    victim = events.orderBy("event_id").first()
    changed = events.withColumn(
        "identifier_value",
        F.when(F.col("event_id") == victim["event_id"], F.lit("changed")).otherwise(
            F.col("identifier_value")
        ),
    )
    doubled = mappings.unionByName(mappings.where(F.col("mapping_id") == victim["mapping_id"]))
    corrupted = {"identity_mappings": doubled, "content_engagements": changed}
    report = validate_tables(spark, corrupted, spec)
    assert check(report, "pk:identity_mappings").violations == 1
    carried = check(report, "carried:content_engagements.mapping_id->identity_mappings")
    assert (carried.violations, carried.samples) == (
        1,
        [{"event_id": victim["event_id"], "mapping_id": victim["mapping_id"]}],
    )
    assert check(report, "fk:content_engagements.mapping_id->identity_mappings").violations == 0


def test_keys_that_follow_from_others_pass_through_them_on_clean_data(clean):
    """An event's person follows from its identifier's row, an identifier's household from
    its person (``contract.CHAINS``): reported as passed, saying through which table."""
    person = check(clean, "fk:content_engagements.individual_id->individuals")
    household = check(clean, "carried:content_engagements.individual_id->individuals")
    mapping_household = check(clean, "fk:identity_mappings.household_id->households")
    for implied in (person, household):
        assert implied.verdict == "pass"
        assert implied.description.endswith("(through identity_mappings)")
    assert mapping_household.description.endswith("(through individuals)")


def _orphan_event(tables, spec, mapping_id):
    """content_engagements with its first event moved to a person who does not exist, its
    mapping_id set to ``mapping_id``; and that event's id."""
    events = tables["content_engagements"]
    victim = events.agg(F.min("event_id")).first()[0]
    hit = F.col("event_id") == victim
    moved = events.withColumns(
        {
            "individual_id": F.when(hit, F.lit(10**12)).otherwise(F.col("individual_id")),
            "mapping_id": F.when(hit, mapping_id).otherwise(F.col("mapping_id")),
        }
    )
    return moved, victim


@pytest.mark.parametrize("mapping", ["kept", "null"])
def test_a_key_whose_chain_breaks_is_looked_up_itself(spark, tables, spec, mapping):
    """An event moved to a person who does not exist breaks its identifier's carried columns
    (mapping kept) or escapes its identifier's key (mapping null): either way the event's own
    key to individuals is looked up and fails on exactly that event."""
    mapping_id = F.col("mapping_id") if mapping == "kept" else F.lit(None).cast("long")
    moved, victim = _orphan_event(tables, spec, mapping_id)
    corrupted = only(tables, "households", "individuals", "identity_mappings") | {
        "content_engagements": moved
    }
    report = validate_tables(spark, corrupted, spec)
    fk = check(report, "fk:content_engagements.individual_id->individuals")
    assert (fk.verdict, fk.violations) == ("fail", 1)
    assert fk.samples == [{"event_id": victim, "individual_id": 10**12}]
    assert "through" not in fk.description
    carried = check(report, "carried:content_engagements.mapping_id->identity_mappings")
    assert carried.violations == (1 if mapping == "kept" else 0)


def test_an_identifier_in_a_household_that_does_not_exist_is_caught(spark, tables, spec):
    """Changing one identifier row's household breaks the carried household of its person,
    so the identifier's own key to households is looked up, and fails on that row."""
    mappings = tables["identity_mappings"]
    victim = mappings.agg(F.min("mapping_id")).first()[0]
    moved = mappings.withColumn(
        "household_id",
        F.when(F.col("mapping_id") == victim, F.lit(10**12)).otherwise(F.col("household_id")),
    )
    corrupted = only(tables, "households", "individuals") | {"identity_mappings": moved}
    report = validate_tables(spark, corrupted, spec)
    assert check(report, "carried:identity_mappings.individual_id->individuals").violations == 1
    fk = check(report, "fk:identity_mappings.household_id->households")
    assert (fk.violations, fk.samples) == (1, [{"mapping_id": victim, "household_id": 10**12}])


def test_response_before_its_exposure_is_caught(spark, tables, spec):
    responses = tables["response_events"]
    victim = responses.where(F.col("exposure_id").isNotNull()).agg(F.min("response_id")).first()[0]
    moved = responses.withColumn(
        "response_ts",
        F.when(
            F.col("response_id") == victim, F.col("response_ts") - F.expr("INTERVAL 30 DAYS")
        ).otherwise(F.col("response_ts")),
    )
    corrupted = only(tables, "campaign_exposures") | {"response_events": moved}
    report = validate_tables(spark, corrupted, spec)
    order = check(report, "order:response_events.response_ts>=exposure_ts")
    assert (order.verdict, order.violations, order.samples) == ("fail", 1, [victim])
    assert check(report, "consistent:response_events.exposure_id").verdict == "pass"


def test_exposure_references_are_checked_against_the_referenced_exposures(spark, tables, spec):
    """Responses and outcomes are joined only to the exposures they reference (a broadcast
    filter: they are far fewer): a dangling exposure_id and a touch of someone else's exposure
    are still caught, once each."""
    exposures, responses = tables["campaign_exposures"], tables["response_events"]
    outcomes = tables["outcome_metrics"]
    cut = referenced(
        exposures,
        "exposure_id",
        responses,
        "exposure_id",
        spec,
        ("response_events", "campaign_exposures"),
    )
    wanted = responses.where(F.col("exposure_id").isNotNull()).select("exposure_id").distinct()
    assert 0 < cut.count() == wanted.count() < exposures.count()
    as_big = referenced(
        responses, "response_id", exposures, "exposure_id", spec, ("campaign_exposures", "x")
    )
    assert as_big is responses  # a child as large as its parent: nothing cut

    victim = responses.where(F.col("exposure_id").isNotNull()).agg(F.min("response_id")).first()[0]
    dangling = exposures.agg(F.max("exposure_id")).first()[0] + 1_000
    broken_responses = responses.withColumn(
        "exposure_id",
        F.when(F.col("response_id") == victim, F.lit(dangling)).otherwise(F.col("exposure_id")),
    )
    touch = outcomes.where(F.col("exposure_id").isNotNull()).orderBy("outcome_id").first()
    other = (
        exposures.where(F.col("individual_id") != touch["individual_id"])
        .agg(F.min("exposure_id"))
        .first()[0]
    )
    broken_outcomes = outcomes.withColumn(
        "exposure_id",
        F.when(F.col("outcome_id") == touch["outcome_id"], F.lit(other)).otherwise(
            F.col("exposure_id")
        ),
    )
    corrupted = only(tables, "campaign_exposures") | {
        "response_events": broken_responses,
        "outcome_metrics": broken_outcomes,
    }
    report = validate_tables(spark, corrupted, spec)
    fk = check(report, "fk:response_events.exposure_id->campaign_exposures")
    assert (fk.verdict, fk.violations) == ("fail", 1)
    assert fk.samples == [{"response_id": victim, "exposure_id": dangling}]
    consistent = check(report, "consistent:outcome_metrics.exposure_id")
    assert (consistent.verdict, consistent.violations) == ("fail", 1)
    assert consistent.samples == [touch["outcome_id"]]
    assert check(report, "fk:outcome_metrics.exposure_id->campaign_exposures").violations == 0


def test_wrong_household_size_is_caught(spark, tables, spec):
    households = tables["households"].withColumn(
        "household_size",
        F.when(F.col("household_id") == 7, F.col("household_size") + 1).otherwise(
            F.col("household_size")
        ),
    )
    corrupted = {"households": households, "individuals": tables["individuals"]}
    report = validate_tables(spark, corrupted, spec)
    size = check(report, "size:households.household_size")
    assert (size.verdict, size.violations, size.samples) == ("fail", 1, [7])
    assert check(report, "members:households").verdict == "pass"


def test_duplicated_key_is_caught(spark, tables, spec):
    exposures = tables["campaign_exposures"]
    first = exposures.orderBy("exposure_id").limit(1)
    report = validate_tables(spark, {"campaign_exposures": exposures.unionByName(first)}, spec)
    pk = check(report, "pk:campaign_exposures")
    assert (pk.verdict, pk.violations) == ("fail", 1)
    assert pk.samples == [first.first()["exposure_id"]]


@pytest.mark.parametrize(
    ("schema", "keys"),
    [
        ("k long", [0, 1, 1, 63, 64, 64, 64, -1, -1, -64, -65, 2**62, 2**62, -(2**63), 2**63 - 1]),
        ("k int", [5, 5, 6, 127, 128, -128, -128, 2**31 - 1, -(2**31)]),
        ("k long", [*range(1_000, 1_200), *range(1_100, 1_300, 3)]),
        ("a long, b string", [(1, "x"), (1, "x"), (1, "y"), (2, "x")]),
    ],
)
def test_distinct_count_is_exact(spark, spec, schema, keys):
    """Integral keys are counted by 64-key bitmaps, others by deduplication: both equal the
    number of distinct keys, whatever the blocks, signs and partitions of the duplicates."""
    rows = [k if isinstance(k, tuple) else (k,) for k in keys]
    frame = spark.createDataFrame(rows, schema).repartition(3)
    counted = hard._distinct_count("campaign_exposures", frame, spec).first()["distinct"]
    assert counted == len(set(rows))


def test_exposure_rules_count_each_offence_once(spark, tables, spec):
    """Copies of one delivered exposure beyond both caps (one day group, one pair), one exposure
    moved a day before its flight, one exposure of a holdout pair: one violation each."""
    exposures, campaigns = tables["campaign_exposures"], tables["campaigns"]
    delivered = exposures.where(~F.col("is_co_exposure")).orderBy("exposure_id")
    victim, moved = delivered.limit(2).collect()
    caps = campaigns.where(F.col("campaign_id") == victim["campaign_id"]).first()
    top = exposures.agg(F.max("exposure_id")).first()[0]
    copies = (
        delivered.limit(1)
        .crossJoin(
            spark.range(1, caps["frequency_cap_per_flight"] + 1).withColumnRenamed("id", "n")
        )
        .withColumn("exposure_id", F.lit(top) + F.col("n"))
        .drop("n")
    )
    holdout = tables["campaign_audience"].where(F.col("is_holdout")).orderBy(*PAIR).first()
    start = campaigns.where(F.col("campaign_id") == holdout["campaign_id"]).first()["start_date"]
    intruder = delivered.limit(1).select(
        F.lit(top + 1_000).alias("exposure_id"),
        F.lit(holdout["individual_id"]).alias("individual_id"),
        F.lit(holdout["campaign_id"]).alias("campaign_id"),
        F.to_timestamp(F.lit(f"{start} 12:00:00")).alias("exposure_ts"),
        *(c for c in exposures.columns if c not in (*PAIR, "exposure_id", "exposure_ts")),
    )
    flight_start = campaigns.where(F.col("campaign_id") == moved["campaign_id"]).first()
    shifted = exposures.withColumn(
        "exposure_ts",
        F.when(
            F.col("exposure_id") == moved["exposure_id"],
            F.to_timestamp(F.lit(f"{flight_start['start_date']} 00:00:00"))
            - F.expr("INTERVAL 1 SECOND"),
        ).otherwise(F.col("exposure_ts")),
    )
    corrupted = shifted.unionByName(copies).unionByName(intruder.select(*exposures.columns))
    report = validate_tables(
        spark,
        only(tables, "campaigns", "campaign_audience") | {"campaign_exposures": corrupted},
        spec,
    )
    pair = {"individual_id": victim["individual_id"], "campaign_id": victim["campaign_id"]}
    expected = {
        "window:campaign_exposures.exposure_ts": [moved["exposure_id"]],
        "cap:campaign_exposures.frequency_cap_per_day": [
            pair | {"day": victim["exposure_ts"].date()}
        ],
        "cap:campaign_exposures.frequency_cap_per_flight": [pair],
        "holdout:campaign_exposures": [top + 1_000],
    }
    for name, keys in expected.items():
        found = check(report, name)
        assert (found.verdict, found.violations, found.samples) == ("fail", 1, keys), name


def test_frequency_caps_are_checked_at_their_exact_bound(spark, tables, spec):
    """Caps lowered to one below the busiest day and the busiest pair of a campaign: exactly the
    groups at that maximum violate (delivered exposures, co-exposures excluded, UTC days)."""
    delivered = tables["campaign_exposures"].where(~F.col("is_co_exposure"))
    per_day = delivered.groupBy(*PAIR, F.to_date("exposure_ts").alias("day")).count()
    per_pair = delivered.groupBy(*PAIR).count()
    campaign = per_pair.orderBy(F.desc("count"), "campaign_id").first()["campaign_id"]
    busiest_day = per_day.where(F.col("campaign_id") == campaign).agg(F.max("count")).first()[0]
    busiest_pair = per_pair.where(F.col("campaign_id") == campaign).agg(F.max("count")).first()[0]
    lowered = tables["campaigns"].withColumns(
        {
            cap: F.when(F.col("campaign_id") == campaign, F.lit(value - 1)).otherwise(F.col(cap))
            for cap, value in (
                ("frequency_cap_per_day", busiest_day),
                ("frequency_cap_per_flight", busiest_pair),
            )
        }
    )
    report = validate_tables(
        spark,
        only(tables, "campaign_exposures", "campaign_audience") | {"campaigns": lowered},
        spec,
    )
    for name, counts, busiest in (
        ("cap:campaign_exposures.frequency_cap_per_day", per_day, busiest_day),
        ("cap:campaign_exposures.frequency_cap_per_flight", per_pair, busiest_pair),
    ):
        at_max = counts.where((F.col("campaign_id") == campaign) & (F.col("count") == busiest))
        found = check(report, name)
        assert (found.verdict, found.violations) == ("fail", at_max.count()), name
        assert all(s["campaign_id"] == campaign for s in found.samples)


def test_attribution_weights_off_by_a_tenth_are_caught(spark, tables, spec):
    outcomes = tables["outcome_metrics"]
    victim = outcomes.agg(F.min("outcome_id")).first()[0]
    shifted = outcomes.withColumn(
        "attribution_weight",
        F.when(F.col("outcome_id") == victim, F.col("attribution_weight") + 0.1).otherwise(
            F.col("attribution_weight")
        ),
    )
    row = outcomes.where(F.col("outcome_id") == victim).first()
    corrupted = only(tables, "response_events") | {"outcome_metrics": shifted}
    report = validate_tables(spark, corrupted, spec)
    total = check(report, "sum:outcome_metrics.attribution_weight")
    assert (total.verdict, total.violations) == ("fail", 1)
    assert total.samples == [
        {"response_id": row["response_id"], "attribution_model": row["attribution_model"]}
    ]


def test_flattened_seasonality_warns_on_the_hour_profile(spark, tables, spec):
    events = tables["content_engagements"]
    hour = rng.between(0, "flat.hour", F.col("event_id"), low=0, high=23)
    flat = events.withColumn(
        "event_ts",
        F.timestamp_seconds(
            F.unix_seconds(F.date_trunc("day", "event_ts")) + hour * 3600 + F.lit(1800)
        ),
    )
    before = validate_tables(spark, {"content_engagements": events}, spec)
    after = validate_tables(spark, {"content_engagements": flat}, spec)
    assert check(before, "season:content_engagements.hour").verdict == "pass"
    flattened = check(after, "season:content_engagements.hour")
    assert flattened.verdict == "warn"
    assert float(flattened.statistic.split()[2]) < 0.5
    assert check(after, "season:content_engagements.day_of_week").verdict == "pass"


# ---------------------------------------------------------------- the command


def test_cli_validate_exit_codes_and_outputs(spark, world, warehouse, spec, tmp_path, capsys):
    root = str(warehouse.root)
    json_file = tmp_path / "out.json"
    code = main(
        [
            "validate",
            "--warehouse",
            root,
            "--catalog",
            CATALOG,
            "--schema",
            SCHEMA,
            "--json",
            str(json_file),
        ]
    )
    out = capsys.readouterr()
    assert code == 0, out.err
    assert out.out.startswith("validation PASSED")
    report_dir = warehouse.schema_path / "_reports" / world.result.run_id
    assert (report_dir / "report.md").is_file() and (report_dir / "hour_of_day.png").is_file()
    assert json.loads(json_file.read_text())["passed"] is True

    copy_root = tmp_path / "copy"
    shutil.copytree(root, copy_root)
    copy = LocalDeltaWarehouse(copy_root, CATALOG, SCHEMA, spark)
    households = copy.read("households")
    wrong = households.withColumn(
        "household_size",
        F.when(F.col("household_id") == 3, F.lit(15)).otherwise(F.col("household_size")),
    )
    staged = copy.stage("households", wrong, {}, "corrupted", run_id="bad")
    copy.commit([staged], "overwrite", run_properties(spec, "bad"))
    code = main(
        [
            "validate",
            "--warehouse",
            str(copy_root),
            "--catalog",
            CATALOG,
            "--schema",
            SCHEMA,
            "--report-dir",
            str(tmp_path / "bad"),
        ]
    )
    out = capsys.readouterr()
    assert code == 1
    assert "FAIL size:households.household_size: 1 violations e.g. 3" in out.out
    assert (tmp_path / "bad" / "report.json").is_file()


@pytest.mark.parametrize(
    ("catalog", "schema", "message"),
    [
        (CATALOG, "nope", "no idgraph tables in cat.nope"),
        ("bad-name", SCHEMA, "--catalog 'bad-name' is not a valid identifier"),
    ],
)
def test_cli_bad_target_exits_2_without_traceback(warehouse, capsys, catalog, schema, message):
    code = main(
        ["validate", "--warehouse", str(warehouse.root), "--catalog", catalog, "--schema", schema]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert message in err and "Traceback" not in err
    assert f"{CATALOG}.{SCHEMA}" in err or "identifier" in err


def test_cli_missing_warehouse_exits_2(tmp_path, capsys):
    code = main(
        ["validate", "--warehouse", str(tmp_path / "none"), "--catalog", "a", "--schema", "b"]
    )
    assert code == 2
    assert "does not exist" in capsys.readouterr().err


# ---------------------------------------------------------------- statistics


def test_pooled_chi_square_pools_small_bins_and_detects_a_shift():
    probabilities = [0.5, 0.3, 0.15, 0.04, 0.01]
    fair = measures.pooled_chi_square([500, 300, 150, 40, 10], probabilities)
    shifted = measures.pooled_chi_square([300, 300, 250, 100, 50], probabilities)
    assert fair[0] == pytest.approx(0.0) and fair[2] == pytest.approx(1.0)
    assert fair[1] == 4
    assert shifted[2] < 1e-6
    assert measures.pooled_chi_square([3, 1], [0.75, 0.25])[1] == 0  # too few to test


def test_tolerances_shrink_with_sample_size():
    target = {"a": 0.5, "b": 0.3, "c": 0.2}
    assert measures.tvd_tolerance(target, 100, 0.02) > measures.tvd_tolerance(target, 10_000, 0.02)
    assert measures.tvd_tolerance(target, 10**8, 0.02) == 0.02
    assert measures.allowed_misses(12) >= 2
    diff, low, high = measures.rate_difference_ci(30, 1000, 10, 1000)
    assert diff == pytest.approx(0.02) and low < 0.02 < high and low > 0


def test_a_chain_that_does_not_carry_the_implied_key_is_refused():
    """``Chain`` checks its shape: the first key must carry the implied key and the second key
    must be that key, into the implied parent."""
    for chain in contract.CHAINS:
        assert contract.Chain(chain.implied, chain.first, chain.second) == chain
    uncarried = contract.ForeignKey(
        "content_engagements", "mapping_id", "identity_mappings", "mapping_id", ("identifier_type",)
    )
    with pytest.raises(ValueError, match="does not follow from"):
        contract.Chain(contract.EVENT_PERSON, uncarried, contract.MAPPING_PERSON)
    with pytest.raises(ValueError, match="does not follow from"):
        contract.Chain(contract.EVENT_PERSON, contract.EVENT_MAPPING, contract.INDIVIDUAL_HOUSEHOLD)
