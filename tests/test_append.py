"""``output.mode: append`` adds households with their whole graph: rows already written never
change, keys never repeat, foreign keys resolve across old and new rows, and the result equals
one overwrite run at the final count. Anything else is refused before any work (real Spark, real
Delta, real runs through ``run_generation`` and the CLI)."""

from __future__ import annotations

from pathlib import Path

import pytest
from deltalake import DeltaTable
from population import content_hash
from pyspark.sql import functions as F

from generators.append import AppendRefused, scopes
from generators.cli import main
from generators.service import run_generation
from generators.spec import GenerationSpec
from generators.spec_io import spec_to_yaml
from generators.storage.local import LocalDeltaWarehouse
from generators.storage.manifest import RunManifest
from generators.tables import TABLES

FIRST, SECOND, FINAL = 10, 15, 20
SCOPES = scopes(TABLES)


def spec(count: int, mode: str = "append", **changes: object) -> GenerationSpec:
    base = {"households": {"count": count}, "output": {"catalog": "cat", "schema": "sch"}}
    data = base | changes
    data["output"] = {**base["output"], "mode": mode}
    return GenerationSpec.model_validate(data)


def generate(warehouse: Path, count: int, mode: str = "append", **changes: object) -> None:
    run_generation(
        spec(count, mode, **changes), warehouse=warehouse, master="local[2]", validate=False
    )


def store(spark, warehouse: Path) -> LocalDeltaWarehouse:
    return LocalDeltaWarehouse(warehouse, "cat", "sch", spark=spark)


def hashes(spark, warehouse: Path, below: int | None = None) -> dict[str, tuple[int, int]]:
    """Per table, the content hash of its rows (only households < ``below`` when given)."""
    result = {}
    for node in TABLES:
        df = store(spark, warehouse).read(node.name)
        if below is not None and SCOPES[node.name] == "household":
            df = df.where(F.col("household_id") < below)
        result[node.name] = content_hash(df)
    return result


def versions(warehouse: Path) -> dict[str, int]:
    schema = warehouse / "cat" / "sch"
    return {node.name: DeltaTable(str(schema / node.name)).version() for node in TABLES}


@pytest.fixture(scope="module")
def appended(spark, tmp_path_factory) -> dict[str, object]:
    """A warehouse grown FIRST → SECOND → FINAL households, with what it held before each
    append; and a warehouse written once at FINAL."""
    grown = tmp_path_factory.mktemp("grown") / "warehouse"
    generate(grown, FIRST, "overwrite")
    first = (hashes(spark, grown), versions(grown))
    generate(grown, SECOND)
    second = (hashes(spark, grown), versions(grown))
    generate(grown, FINAL)
    once = tmp_path_factory.mktemp("once") / "warehouse"
    generate(once, FINAL, "overwrite")
    return {"grown": grown, "once": once, "first": first, "second": second}


def test_append_equals_one_overwrite_run_at_the_final_count(spark, appended):
    assert hashes(spark, appended["grown"]) == hashes(spark, appended["once"])


def test_rows_already_written_never_change(spark, appended):
    grown = appended["grown"]
    for count, (before, _) in (
        (FIRST, appended["first"]),
        (SECOND, appended["second"]),
    ):
        after = hashes(spark, grown, below=count)
        for table, scope in SCOPES.items():
            if scope == "household":
                assert after[table] == before[table], (table, count)
    first_versions, final_versions = appended["first"][1], versions(grown)
    for table, scope in SCOPES.items():
        if scope == "dimension":  # neither rebuilt nor rewritten
            assert final_versions[table] == first_versions[table], table
        else:  # one commit per append (data, then properties)
            assert final_versions[table] > first_versions[table], table


def test_keys_are_unique_and_foreign_keys_resolve_across_old_and_new_rows(spark, appended):
    tables = {node.name: store(spark, appended["grown"]).read(node.name) for node in TABLES}
    for node in TABLES:
        keys = [F.col(k) for k in node.key_columns]
        duplicates = tables[node.name].groupBy(*keys).count().where("count > 1").count()
        assert duplicates == 0, node.name
    assert tables["households"].count() == FINAL

    def missing(child: str, parent: str, *columns: str, on: str | None = None) -> int:
        keys = tables[parent].select(*columns).distinct()
        rows = tables[child] if on is None else tables[child].where(on)
        orphans = rows.select(*columns).dropna().join(keys, list(columns), "left_anti")
        return orphans.count()

    references = [
        ("individuals", "households", ("household_id",)),
        ("identity_mappings", "individuals", ("individual_id",)),
        ("content_engagements", "individuals", ("individual_id",)),
        ("content_engagements", "content_catalog", ("content_id",)),
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
    co_viewed = tables["campaign_exposures"].where("is_co_exposure").select("co_exposure_of")
    primary = tables["campaign_exposures"].select(F.col("exposure_id").alias("co_exposure_of"))
    assert co_viewed.join(primary, "co_exposure_of", "left_anti").count() == 0
    truth = tables["campaign_ground_truth"].agg(F.sum("eligible")).first()[0]
    assert truth == tables["campaign_audience"].count()  # the aggregate covers everyone


def test_the_manifest_logs_each_append_with_its_full_spec(appended):
    runs = sorted(
        RunManifest(appended["grown"] / "cat" / "sch").runs().values(),
        key=lambda run: run["recorded_at"],
    )
    assert [(run["status"], run["mode"]) for run in runs] == [
        ("succeeded", "overwrite"),
        ("succeeded", "append"),
        ("succeeded", "append"),
    ]
    assert f"count: {FINAL}" in str(runs[-1]["spec_yaml"])


@pytest.mark.parametrize(
    ("count", "changes", "field", "words"),
    [
        (FINAL, {}, "households.count", "20 is not more than 20"),
        (FINAL + 5, {"seed": 7}, "seed", "differs (7 in this spec, 42 in that run)"),
        (
            FINAL + 5,
            {"engagement": {"end_date": "2026-04-30"}},
            "engagement.end_date",
            "extending the engagement window of existing people is not supported yet",
        ),
        (
            FINAL + 5,
            {"campaigns": {"count": 3}},
            "campaigns.count",
            "differs (3 in this spec, 12 in that run)",
        ),
    ],
)
def test_an_append_that_cannot_extend_the_run_is_refused_before_any_work(
    appended, count, changes, field, words
):
    grown = appended["grown"]
    before, runs = versions(grown), RunManifest(grown / "cat" / "sch").runs()
    last = max(runs.values(), key=lambda run: run["recorded_at"])["run_id"]
    with pytest.raises(AppendRefused) as refused:
        generate(grown, count, **changes)
    problems = {p.path: p.message for p in refused.value.problems}
    assert field in problems, problems
    assert words in problems[field]
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
