"""The run manifest, and recovery after dead runs: every table back at its previous version,
no staged file left, the dead run marked abandoned (delta-rs only, no Spark)."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from deltalake import CommitProperties, DeltaTable, write_deltalake

from generators.spec import GenerationSpec
from generators.spec.io import parse_spec, parse_spec_text
from generators.storage.local import LocalDeltaWarehouse
from generators.storage.manifest import RunManifest, now
from generators.storage.recovery import recover_target


@pytest.fixture
def target(tmp_path) -> LocalDeltaWarehouse:
    return LocalDeltaWarehouse(tmp_path, "cat", "sch")


def commit(target: LocalDeltaWarehouse, table: str, values: list[int], run_id: str, mode: str):
    data = pa.table({"v": pa.array(values, pa.int64())})
    props = CommitProperties(custom_metadata={"idgraph.run_id": run_id})
    write_deltalake(str(target.table_path(table)), data, mode=mode, commit_properties=props)


def values(target: LocalDeltaWarehouse, table: str) -> list[int]:
    return sorted(DeltaTable(str(target.table_path(table))).to_pyarrow_table()["v"].to_pylist())


def test_manifest_logs_a_run_start_and_end(target):
    manifest = RunManifest(target.schema_path)
    spec = GenerationSpec.model_validate({"seed": 7, "output": {"mode": "append"}})
    running = manifest.started("r1", spec, "ada", now())
    assert manifest.runs()["r1"]["status"] == "running"
    manifest.finished(running, "succeeded", {"households": 5, "individuals": 9})

    run = manifest.runs()["r1"]
    assert run["status"] == "succeeded"
    assert (run["seed"], run["mode"], run["user"]) == (7, "append", "ada")
    assert run["spec_fingerprint"] == spec.fingerprint()
    assert parse_spec(parse_spec_text(run["spec_yaml"])) == spec
    assert json.loads(run["table_rows"]) == {"households": 5, "individuals": 9}
    assert run["started_at"] <= run["ended_at"]
    assert manifest.running() == []
    log = DeltaTable(str(manifest.path))
    assert log.version() == 1  # append-only: one commit per row
    assert log.to_pyarrow_table().num_rows == 2
    with pytest.raises(ValueError, match="status 'done'"):
        manifest.finished(running, "done")


def test_recovery_rolls_back_what_a_dead_run_committed(target):
    manifest = RunManifest(target.schema_path)
    old = manifest.started("old", GenerationSpec(), None, now())
    commit(target, "kept", [1, 2], "old", "append")
    commit(target, "changed", [3, 4], "old", "append")
    manifest.finished(old, "succeeded", {"kept": 2, "changed": 2})

    manifest.started("dead", GenerationSpec(), None, now())
    commit(target, "changed", [5], "dead", "overwrite")
    DeltaTable(str(target.table_path("changed"))).alter.set_table_properties(
        {"idgraph.run_id": "dead"}, raise_if_not_exists=False
    )
    commit(target, "new", [6], "dead", "append")
    for table, run_id in (("changed", "dead"), ("kept", "ghost")):
        staging = target.table_path(table) / "_staging" / run_id
        staging.mkdir(parents=True)
        (staging / "part-0.parquet").write_bytes(b"staged")

    (target.schema_path / "_idgraph.lock").touch()  # a file beside the tables is skipped
    assert recover_target(target, manifest) == ["dead", "ghost"]

    assert values(target, "kept") == [1, 2]
    assert values(target, "changed") == [3, 4]
    assert DeltaTable(str(target.table_path("kept"))).version() == 0  # untouched
    assert not target.table_path("new").exists()
    assert list(target.schema_path.glob("*/_staging")) == []
    runs = manifest.runs()
    assert runs["dead"]["status"] == "abandoned"
    assert "abandoned" in runs["dead"]["error"]
    assert runs["old"]["status"] == "succeeded"
    assert recover_target(target, manifest) == []  # nothing left to do
