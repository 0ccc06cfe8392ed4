"""``output.mode: append`` adds households with their whole graph and extends the engagement
window of everyone already generated: rows already written never change (identifiers only see
their ``last_seen`` move), keys never repeat, foreign keys resolve across old and new rows, and
the result equals one overwrite run of the spec the appends recorded. Anything else is refused
before any work (real Spark, real Delta, real runs through ``run_generation`` and the CLI).

One warehouse goes through every kind of append in turn: written for 10 households to March 31,
then 15 households (households only), then to June 30 (window only, validated), then 20
households to August 31 (both)."""

from __future__ import annotations

import contextlib
import io
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import pytest
from deltalake import DeltaTable
from population import content_hash
from pyspark.sql import functions as F

from generators.cli.main import main
from generators.run.append import ON_EXTENSION, AppendRefused, scopes
from generators.run.service import run_generation
from generators.spec import GenerationSpec
from generators.spec.io import load_spec, parse_spec, parse_spec_text, spec_to_yaml
from generators.storage.local import LocalDeltaWarehouse
from generators.storage.manifest import RunManifest
from generators.tables.registry import TABLES

MARCH, JUNE, AUGUST = date(2026, 3, 31), date(2026, 6, 30), date(2026, 8, 31)
STAGES = (
    (10, MARCH, "overwrite"),
    (15, MARCH, "append"),
    (15, JUNE, "append"),
    (20, AUGUST, "append"),
)
FINAL = 20
# 12 campaigns in the first 90 days, then as many per day: 12 in 91 days, 8 in 62.
CAMPAIGNS = {MARCH: 12, JUNE: 24, AUGUST: 32}
SCOPES = scopes(TABLES)


def spec(count: int, end: date = AUGUST, mode: str = "append", **changes: object) -> GenerationSpec:
    data: dict[str, dict[str, object]] = {
        "households": {"count": count},
        "engagement": {"end_date": end.isoformat()},
        "output": {"catalog": "cat", "schema": "sch", "mode": mode},
    }
    for section, values in changes.items():
        data[section] = {**data.get(section, {}), **values} if isinstance(values, dict) else values
    return GenerationSpec.model_validate(data)


def tables(spark, warehouse: Path) -> dict[str, object]:
    store = LocalDeltaWarehouse(warehouse, "cat", "sch", spark=spark)
    return {node.name: store.read(node.name) for node in TABLES}


def hashes(spark, warehouse: Path) -> dict[str, tuple[int, int]]:
    return {name: content_hash(df) for name, df in tables(spark, warehouse).items()}


def versions(warehouse: Path) -> dict[str, int]:
    schema = warehouse / "cat" / "sch"
    return {node.name: DeltaTable(str(schema / node.name)).version() for node in TABLES}


def old_rows(name: str, df, households: int, end: date):
    """The rows of table ``name`` that a run of ``households`` households to ``end`` wrote."""
    if "household_id" in df.columns:
        df = df.where(F.col("household_id") < households)
    if ON_EXTENSION[name] == "new_events":
        df = df.where(F.col("event_date") <= F.lit(end))
    if ON_EXTENSION[name] == "new_campaigns":
        df = df.where(F.col("campaign_id") <= CAMPAIGNS[end])
    return df


@pytest.fixture(scope="module")
def appended(spark, tmp_path_factory) -> dict[str, object]:
    """The warehouse through every STAGE, with each stage's table hashes, versions and results;
    and a warehouse written once from the spec the last append recorded (exported to YAML)."""
    grown = tmp_path_factory.mktemp("grown") / "warehouse"
    stages = []
    for count, end, mode in STAGES[:-1]:
        validate = end == JUNE
        result = run_generation(
            spec(count, end, mode), warehouse=grown, master="local[2]", validate=validate
        )
        snapshot = {"result": result, "hashes": hashes(spark, grown), "versions": versions(grown)}
        if count == 15:  # before and after the window alone is extended
            for table in ("identity_mappings", "campaign_ground_truth"):
                snapshot[table] = tables(spark, grown)[table].localCheckpoint()
        stages.append(snapshot)
    # The last append goes through the CLI, from a spec file that does not record the window's
    # earlier ends: the run records them and says so.
    count, end, mode = STAGES[-1]
    spec_file = tmp_path_factory.mktemp("cli") / "spec.yaml"
    spec_file.write_text(spec_to_yaml(spec(count, end, mode)), "utf-8")
    with contextlib.redirect_stderr(io.StringIO()) as err:
        code = main(
            [
                "generate",
                str(spec_file),
                "--warehouse",
                str(grown),
                "--master",
                "local[2]",
                "--no-validate",
            ]
        )
    assert code == 0, err.getvalue()
    last = max(RunManifest(grown / "cat" / "sch").runs().values(), key=lambda r: r["recorded_at"])
    recorded = parse_spec(parse_spec_text(str(last["spec_yaml"])))
    stages.append({"result": SimpleNamespace(spec=recorded), "cli_err": err.getvalue()})
    exported = tmp_path_factory.mktemp("exported") / "spec.yaml"
    overwrite = recorded.model_copy(update={"output": spec(1, mode="overwrite").output})
    exported.write_text(spec_to_yaml(overwrite), "utf-8")
    once = tmp_path_factory.mktemp("once") / "warehouse"
    run_generation(load_spec(exported), warehouse=once, master="local[2]", validate=False)
    return {"grown": grown, "once": once, "stages": stages}


def test_appends_equal_one_overwrite_run_of_the_recorded_spec(spark, appended):
    results = [stage["result"] for stage in appended["stages"]]
    assert [r.spec.engagement.extended_from for r in results] == [[], [], [MARCH], [MARCH, JUNE]]
    assert hashes(spark, appended["grown"]) == hashes(spark, appended["once"])
    said = appended["stages"][-1]["cli_err"]
    assert (
        "window extended: the run recorded engagement.extended_from: [2026-03-31, 2026-06-30]"
        in said
    )
    assert "Traceback" not in said


def test_rows_already_written_never_change(spark, appended):
    now = tables(spark, appended["grown"])
    stages = appended["stages"]
    for (count, end, _), stage in zip(STAGES[:-1], stages[:-1], strict=True):
        for name, df in now.items():
            if ON_EXTENSION[name] == "recomputed" or SCOPES[name] == "aggregate":
                continue
            assert content_hash(old_rows(name, df, count, end)) == stage["hashes"][name], (
                name,
                count,
                end,
            )
    # Adding households alone rewrote no identifier and built no dimension table.
    first, second, window_only = stages[0], stages[1], stages[2]
    kept = second["identity_mappings"].where(F.col("household_id") < 10)
    assert content_hash(kept) == first["hashes"]["identity_mappings"]
    for table, scope in SCOPES.items():
        moved = second["versions"][table] > first["versions"][table]
        assert moved == (scope != "dimension"), table
    assert versions(appended["grown"])["content_catalog"] == first["versions"]["content_catalog"]
    # The ground truth is rewritten, but a longer window alone keeps the old campaigns' truth.
    old_truth = window_only["campaign_ground_truth"].where(F.col("campaign_id") <= 12)
    assert content_hash(old_truth) == content_hash(second["campaign_ground_truth"])
    assert window_only["hashes"]["campaign_ground_truth"][0] == CAMPAIGNS[JUNE]


def test_a_longer_window_keeps_identifiers_and_only_moves_their_ends(spark, appended):
    before = appended["stages"][1]["identity_mappings"]
    after = tables(spark, appended["grown"])["identity_mappings"]
    joined = before.alias("b").join(after.alias("a"), "mapping_id")
    assert joined.count() == before.count()  # no identifier disappears
    # the window's end moves; with noise so does the end of the truth of rows valid until then
    moving = ("last_seen", "true_valid_to")
    kept = [c for c in before.columns if c != "mapping_id" and c not in moving]
    later = [f"a.{c} < b.{c}" for c in moving if c in before.columns]
    changed = " OR ".join([*(f"NOT (b.{c} <=> a.{c})" for c in kept), *later])
    assert joined.where(changed).count() == 0
    assert after.where(F.col("household_id") < 15).count() > before.count()  # later cookies
    assert before.agg(F.max("last_seen")).first()[0].date() == MARCH
    assert after.agg(F.max("last_seen")).first()[0].date() == AUGUST


def test_a_longer_window_adds_events_campaigns_and_exposures_after_the_previous_end(
    spark, appended
):
    now = tables(spark, appended["grown"])
    first_people = now["content_engagements"].where(F.col("household_id") < 10)
    for first, last in ((date(2026, 4, 1), JUNE), (date(2026, 7, 1), AUGUST)):
        assert first_people.where(F.col("event_date").between(first, last)).count() > 100
    flights = now["campaigns"].orderBy("campaign_id").collect()
    assert [row.campaign_id for row in flights] == list(range(1, CAMPAIGNS[AUGUST] + 1))
    for row in flights:
        segment_start = date(2026, 1, 1)
        for end in (MARCH, JUNE, AUGUST):
            if row.campaign_id <= CAMPAIGNS[end]:
                assert segment_start <= row.start_date <= row.end_date <= end, row
                break
            segment_start = date.fromordinal(end.toordinal() + 1)
    exposures = now["campaign_exposures"].where(F.col("household_id") < 10)
    assert exposures.where(F.col("campaign_id") > CAMPAIGNS[JUNE]).count() > 0
    window_only = appended["stages"][2]["result"]
    assert window_only.validation_passed is True
    assert window_only.rows["households"] == 0
    assert window_only.rows["campaigns"] == CAMPAIGNS[JUNE] - CAMPAIGNS[MARCH]


def test_keys_are_unique_and_foreign_keys_resolve_across_old_and_new_rows(spark, appended):
    tables_now = tables(spark, appended["grown"])
    for node in TABLES:
        keys = [F.col(k) for k in node.key_columns]
        duplicates = tables_now[node.name].groupBy(*keys).count().where("count > 1").count()
        assert duplicates == 0, node.name
    assert tables_now["households"].count() == FINAL

    def missing(child: str, parent: str, *columns: str, on: str | None = None) -> int:
        keys = tables_now[parent].select(*columns).distinct()
        rows = tables_now[child] if on is None else tables_now[child].where(on)
        orphans = rows.select(*columns).dropna().join(keys, list(columns), "left_anti")
        return orphans.count()

    references = [
        ("individuals", "households", ("household_id",)),
        ("identity_mappings", "individuals", ("individual_id",)),
        ("content_engagements", "individuals", ("individual_id",)),
        ("content_engagements", "content_catalog", ("content_id",)),
        ("content_engagements", "identity_mappings", ("mapping_id",)),
        ("audience_attributes", "individuals", ("individual_id",)),
        ("campaign_audience", "campaigns", ("campaign_id",)),
        (
            "campaign_exposures",
            "campaign_audience",
            ("individual_id", "campaign_id"),
            "NOT is_co_exposure",
        ),
        ("response_events", "campaign_audience", ("individual_id", "campaign_id")),
        ("response_events", "campaign_exposures", ("exposure_id",)),
        ("outcome_metrics", "response_events", ("response_id",)),
        ("campaign_ground_truth", "campaigns", ("campaign_id",)),
    ]
    for child, parent, columns, *on in references:
        assert missing(child, parent, *columns, on=on[0] if on else None) == 0, (child, parent)
    co_viewed = tables_now["campaign_exposures"].where("is_co_exposure").select("co_exposure_of")
    primary = tables_now["campaign_exposures"].select(F.col("exposure_id").alias("co_exposure_of"))
    assert co_viewed.join(primary, "co_exposure_of", "left_anti").count() == 0
    truth = tables_now["campaign_ground_truth"].agg(F.sum("eligible")).first()[0]
    assert truth == tables_now["campaign_audience"].count()  # the aggregate covers everyone


def test_the_manifest_logs_each_append_with_its_full_spec(appended):
    runs = sorted(
        RunManifest(appended["grown"] / "cat" / "sch").runs().values(),
        key=lambda run: run["recorded_at"],
    )
    assert [(run["status"], run["mode"]) for run in runs] == [
        ("succeeded", mode) for _, _, mode in STAGES
    ]
    last = str(runs[-1]["spec_yaml"])
    assert f"count: {FINAL}" in last
    assert "extended_from:\n  - '2026-03-31'\n  - '2026-06-30'" in last


@pytest.mark.parametrize(
    ("count", "changes", "field", "words"),
    [
        (FINAL, {}, "households.count", "20 is not more than 20"),
        (FINAL + 5, {"seed": 7}, "seed", "differs (7 in this spec, 42 in that run)"),
        (
            FINAL + 5,
            {"engagement": {"co_viewing_rate": 0.5}},
            "engagement.co_viewing_rate",
            "differs (0.5 in this spec, 0.25 in that run)",
        ),
        (
            FINAL + 5,
            {"campaigns": {"count": 3}},
            "campaigns.count",
            "differs (3 in this spec, 12 in that run)",
        ),
        (
            FINAL,
            {"engagement": {"end_date": "2026-08-01"}},
            "engagement.end_date",
            "2026-08-01 is before 2026-08-31: an append cannot shorten the window",
        ),
        (
            FINAL,
            {"engagement": {"start_date": "2026-01-02", "end_date": "2026-12-31"}},
            "engagement.start_date",
            "differs ('2026-01-02' in this spec, '2026-01-01' in that run)",
        ),
        (
            FINAL,
            {"engagement": {"end_date": "2026-12-31", "extended_from": ["2026-03-31"]}},
            "engagement.extended_from",
            "must list the window's earlier ends (2026-03-31, 2026-06-30, 2026-08-31)",
        ),
        (
            FINAL,
            {"engagement": {"end_date": "2026-09-20"}},
            "engagement.end_date",
            "the extension 2026-09-01..2026-09-20 is 20 days, but its generated campaigns need "
            "up to 42 days",
        ),
    ],
)
def test_an_append_that_cannot_extend_the_run_is_refused_before_any_work(
    appended, count, changes, field, words
):
    grown = appended["grown"]
    before, runs = versions(grown), RunManifest(grown / "cat" / "sch").runs()
    last = max(runs.values(), key=lambda run: run["recorded_at"])["run_id"]
    end = date.fromisoformat(str(changes.get("engagement", {}).get("end_date", AUGUST)))
    with pytest.raises(AppendRefused) as refused:
        run_generation(
            spec(count, end, **changes), warehouse=grown, master="local[2]", validate=False
        )
    problems = {p.path: p.message for p in refused.value.problems}
    assert field in problems, problems
    assert words in problems[field]
    if "differs" in words:
        assert f"run {last} in cat.sch" in problems[field]
        assert "use --mode overwrite" in problems[field]
    assert versions(grown) == before
    assert RunManifest(grown / "cat" / "sch").runs() == runs  # nothing logged


def test_the_cli_refuses_with_exit_2_and_one_line_per_field(appended, tmp_path, capsys):
    grown = appended["grown"]
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(spec_to_yaml(spec(FINAL + 5, seed=7)), "utf-8")
    before = versions(grown)
    code = main(["generate", str(spec_file), "--warehouse", str(grown), "--master", "local[2]"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "seed: differs (7 in this spec, 42 in that run)" in err
    assert "Traceback" not in err
    assert versions(grown) == before
