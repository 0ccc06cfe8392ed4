"""Atomic runs under kill -9 and Ctrl-C: real `idgraph generate` subprocesses are killed while
staging and while committing; every table must read back at its previous version (same content
through delta-rs and Spark), no staged file may be visible, and recovery (what the next run does
first) must roll back and clean up."""

from __future__ import annotations

import shutil
import signal
from pathlib import Path

import pyarrow as pa
import pytest
from cli_runs import CliRun, delta_version, staging_exists, wait_until
from deltalake import DeltaTable
from population import content_hash
from worlds import CATALOG, HOUSEHOLDS, SCHEMA

from generators.spark.session import QUICK_JIT
from generators.spec.io import spec_to_yaml
from generators.storage.local import LocalDeltaWarehouse
from generators.storage.manifest import RunManifest
from generators.storage.recovery import recover_target
from generators.tables.registry import TABLES


def snapshot(spark, warehouse: Path) -> dict[str, tuple]:
    """Per table: Delta version, rows sorted by key (delta-rs), content hash (Spark)."""
    store = LocalDeltaWarehouse(warehouse, CATALOG, SCHEMA, spark=spark)
    result = {}
    for node in TABLES:
        delta = DeltaTable(str(store.table_path(node.name)))
        assert not any("/_staging/" in uri for uri in delta.file_uris())
        rows = delta.to_pyarrow_table().sort_by([(k, "ascending") for k in node.key_columns])
        result[node.name] = (delta.version(), rows, content_hash(store.read(node.name)))
    return result


def assert_same(before: dict[str, tuple], after: dict[str, tuple]) -> None:
    assert before.keys() == after.keys()
    for table, (version, rows, digest) in before.items():
        assert after[table][0] == version, table
        assert isinstance(rows, pa.Table) and after[table][1].equals(rows), table
        assert after[table][2] == digest, table


@pytest.fixture(scope="module")
def committed(spark, world) -> tuple[Path, dict[str, tuple]]:
    """The session's world (a warehouse holding one committed run), and its snapshot."""
    return world.root, snapshot(spark, world.root)


@pytest.fixture
def warehouse(committed, tmp_path) -> Path:
    copy = tmp_path / "warehouse"
    shutil.copytree(committed[0], copy)
    return copy


@pytest.fixture
def next_spec(world, tmp_path) -> Path:
    """A spec whose data differs from the committed run's (more households), overwriting it."""
    households = world.spec.households.model_copy(update={"count": HOUSEHOLDS + 20})
    path = tmp_path / "spec.yaml"
    path.write_text(spec_to_yaml(world.spec.model_copy(update={"households": households})), "utf-8")
    return path


def schema_of(warehouse: Path) -> Path:
    return warehouse / CATALOG / SCHEMA


def recover(warehouse: Path) -> list[str]:
    schema = schema_of(warehouse)
    return recover_target(LocalDeltaWarehouse(warehouse, CATALOG, SCHEMA), RunManifest(schema))


def test_kill_9_while_staging_leaves_every_table_as_it_was(spark, committed, warehouse, next_spec):
    run = CliRun(warehouse.with_name("log"), next_spec, warehouse)
    wait_until(lambda: staging_exists(schema_of(warehouse)), run)
    assert QUICK_JIT in run.java_options()  # a small one-run process: the quick JIT only
    assert run.kill() == -signal.SIGKILL

    assert_same(committed[1], snapshot(spark, warehouse))
    dead = recover(warehouse)
    assert len(dead) == 1
    assert list(schema_of(warehouse).glob("*/_staging")) == []
    assert RunManifest(schema_of(warehouse)).runs()[dead[0]]["status"] == "abandoned"
    assert_same(committed[1], snapshot(spark, warehouse))


def test_ctrl_c_cancels_cleanly_with_nothing_written(spark, committed, warehouse, next_spec):
    run = CliRun(warehouse.with_name("log"), next_spec, warehouse)
    wait_until(lambda: staging_exists(schema_of(warehouse)), run)
    run.interrupt()
    assert run.wait() == 130, run.err
    assert run.err.strip().splitlines()[-1] == "cancelled; nothing was written"
    assert "Traceback" not in run.err and "py4j" not in run.err.lower(), run.err
    assert "Exception" not in run.err, run.err
    assert run.out == ""

    assert list(schema_of(warehouse).glob("*/_staging")) == []
    assert_same(committed[1], snapshot(spark, warehouse))
    statuses = {r["status"] for r in RunManifest(schema_of(warehouse)).runs().values()}
    assert statuses == {"succeeded", "cancelled"}
    assert recover(warehouse) == []  # nothing left for the next run to clean up


def test_second_ctrl_c_aborts_mid_commit_and_the_next_run_recovers(
    spark, committed, warehouse, next_spec
):
    first = TABLES[0].name
    before = committed[1][first][0]
    run = CliRun(warehouse.with_name("log"), next_spec, warehouse, IDGRAPH_TEST_PAUSE_COMMIT="600")
    wait_until(lambda: delta_version(schema_of(warehouse) / first) != before, run)
    run.interrupt()  # the commit has started: the run finishes it unless aborted
    wait_until(lambda: "press Ctrl-C again" in run.err, run)
    run.interrupt()
    assert run.wait() == 130, run.err
    assert "Traceback" not in run.err, run.err
    assert "aborted; the next idgraph run on this target rolls back" in run.err

    assert len(recover(warehouse)) == 1
    assert list(schema_of(warehouse).glob("*/_staging")) == []
    after = snapshot(spark, warehouse)
    for table, (_, rows, digest) in committed[1].items():
        assert after[table][1].equals(rows), table
        assert after[table][2] == digest, table


def test_kill_9_during_commit_is_rolled_back_by_the_next_run(
    spark, committed, warehouse, next_spec
):
    first = TABLES[0].name
    before = committed[1][first][0]
    run = CliRun(warehouse.with_name("log"), next_spec, warehouse, IDGRAPH_TEST_PAUSE_COMMIT="600")
    wait_until(lambda: delta_version(schema_of(warehouse) / first) != before, run)
    assert run.kill() == -signal.SIGKILL
    assert (
        content_hash(LocalDeltaWarehouse(warehouse, CATALOG, SCHEMA, spark=spark).read(first))
        != (committed[1][first][2])
    )  # the first table was committed: readers see the half-done run until recovery

    dead = recover(warehouse)
    assert len(dead) == 1
    assert RunManifest(schema_of(warehouse)).runs()[dead[0]]["status"] == "abandoned"
    assert list(schema_of(warehouse).glob("*/_staging")) == []
    after = snapshot(spark, warehouse)
    for table, (_, rows, digest) in committed[1].items():
        assert after[table][1].equals(rows), table
        assert after[table][2] == digest, table
    assert DeltaTable(str(schema_of(warehouse) / first)).history()[0]["operation"] == "RESTORE"
