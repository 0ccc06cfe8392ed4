"""The pipeline on a toy graph: event order, upstream reads of staged tables, atomic runs."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from deltalake import DeltaTable
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from generators.run.events import (
    RunFailed,
    RunFinished,
    RunStarted,
    TableDone,
    TableProgress,
    TableStarted,
)
from generators.run.pipeline import run_pipeline
from generators.spec.io import parse_spec
from generators.storage import LocalDeltaWarehouse
from generators.tables.node import BuildContext, TableNode, check_graph


def parents(ctx: BuildContext) -> DataFrame:
    count = ctx.spec.households.count
    return ctx.spark.range(count).select(
        F.col("id").alias("parent_id"),
        F.timestamp_seconds(F.col("id") + F.lit(1_700_000_000)).alias("created_at"),
    )


def children(ctx: BuildContext) -> DataFrame:
    return ctx.upstream("parents").select(
        (F.col("parent_id") * F.lit(2)).alias("child_id"), "parent_id"
    )


def broken(ctx: BuildContext) -> DataFrame:
    # fails inside the Spark write job (ANSI: division by zero), after tasks have started
    return ctx.upstream("children").select(
        (F.col("child_id") / (F.col("child_id") - F.col("child_id"))).cast("long").alias("x")
    )


def sneaky(ctx: BuildContext) -> DataFrame:
    return ctx.upstream("parents")


PARENTS = TableNode(
    "parents",
    parents,
    (),
    "Parent rows.",
    {"parent_id": "Parent key.", "created_at": "Creation time (UTC)."},
    "parent_id",
    expected_rows=lambda spec: spec.households.count,
)
CHILDREN = TableNode(
    "children",
    children,
    ("parents",),
    "Child rows.",
    {"child_id": "Child key.", "parent_id": "Its parent."},
    "child_id",
)
BROKEN = TableNode("broken", broken, ("children",), "Fails.", {"x": "Never written."}, "x")


def spec(count: int, seed: int = 1):
    return parse_spec({"seed": seed, "households": {"count": count}})


def keys(warehouse: LocalDeltaWarehouse, table: str, column: str) -> list[int]:
    data = DeltaTable(str(warehouse.table_path(table))).to_pyarrow_table()
    return sorted(data.column(column).to_pylist())


@pytest.fixture
def warehouse(spark, tmp_warehouse) -> LocalDeltaWarehouse:
    return LocalDeltaWarehouse(tmp_warehouse, "cat", "sch", spark=spark)


def test_events_rows_and_commit(spark, warehouse):
    events = []
    result = run_pipeline(spark, spec(30), warehouse, events.append, "run1", [PARENTS, CHILDREN])

    assert result.rows == {"parents": 30, "children": 30}
    milestones = [e for e in events if not isinstance(e, TableProgress)]
    assert [type(e) for e in milestones] == [
        RunStarted,
        TableStarted,
        TableDone,
        TableStarted,
        TableDone,
        RunFinished,
    ]
    assert milestones[0] == RunStarted(
        "run1", ("parents", "children"), {"parents": 30, "children": None}
    )
    assert milestones[1] == TableStarted("parents", 30)
    assert (milestones[2].table, milestones[2].rows) == ("parents", 30)
    assert milestones[2].bytes > 0
    assert milestones[-1].rows == {"parents": 30, "children": 30}

    for table in ("parents", "children"):
        at = [i for i, e in enumerate(events) if isinstance(e, TableProgress) and e.table == table]
        assert at, f"no progress reported for {table}"
        started = next(
            i for i, e in enumerate(events) if isinstance(e, TableStarted) and e.table == table
        )
        done = next(
            i for i, e in enumerate(events) if isinstance(e, TableDone) and e.table == table
        )
        assert started < min(at) and max(at) < done
        fractions = [events[i].fraction for i in at]
        assert fractions == sorted(fractions)
        # below 1 even after the last job: only TableDone completes a table (a progress bar
        # at 100% would stop its clock while later jobs of the table still run)
        assert all(0.0 <= f < 1.0 for f in fractions)

    assert keys(warehouse, "children", "child_id") == [2 * i for i in range(30)]
    properties = DeltaTable(str(warehouse.table_path("parents"))).metadata().configuration
    assert properties["idgraph.run_id"] == "run1"
    assert properties["idgraph.seed"] == "1"
    assert properties["idgraph.spec_fingerprint"] == spec(30).fingerprint()
    assert not any(warehouse.schema_path.glob("*/_staging"))


def test_failure_mid_run_leaves_previous_versions(spark, warehouse):
    run_pipeline(spark, spec(10), warehouse, lambda e: None, "run1", [PARENTS, CHILDREN])
    events = []
    with pytest.raises(Exception, match="DIVIDE_BY_ZERO"):
        run_pipeline(
            spark, spec(20, seed=2), warehouse, events.append, "run2", [PARENTS, CHILDREN, BROKEN]
        )

    failed = events[-1]
    assert isinstance(failed, RunFailed)
    assert failed.table == "broken"
    assert "DIVIDE_BY_ZERO" in failed.error
    assert not any(isinstance(e, RunFinished) for e in events)
    assert keys(warehouse, "parents", "parent_id") == list(range(10))
    assert keys(warehouse, "children", "child_id") == [2 * i for i in range(10)]
    configuration = DeltaTable(str(warehouse.table_path("parents"))).metadata().configuration
    assert configuration["idgraph.run_id"] == "run1"
    assert not warehouse.table_path("broken").exists()
    assert not any(warehouse.schema_path.glob("*/_staging"))


def test_undeclared_upstream_is_refused(spark, warehouse):
    sneaky_node = TableNode("sneaky", sneaky, (), "Reads parents.", {"parent_id": "k"}, "parent_id")
    events = []
    with pytest.raises(KeyError, match="depends_on"):
        run_pipeline(spark, spec(5), warehouse, events.append, "run1", [PARENTS, sneaky_node])
    assert events[-1] == RunFailed("sneaky", events[-1].error)
    assert not warehouse.exists("parents")
    assert not warehouse.table_path("parents").exists()


def test_graph_order_is_checked():
    with pytest.raises(ValueError, match="not registered before"):
        check_graph([CHILDREN, PARENTS])
    with pytest.raises(ValueError, match="twice"):
        check_graph([PARENTS, PARENTS])
    with pytest.raises(ValueError, match="key"):
        check_graph([TableNode("t", parents, (), "", {"a": "b"}, "missing")])


def test_registry_is_a_valid_graph():
    from generators.tables.registry import TABLES

    check_graph(TABLES)
    for node in TABLES:
        assert node.description, node.name
        assert all(node.columns.values()), node.name


def test_same_tables_through_spark_connect(spark, warehouse, tmp_path):
    """The toy run in a subprocess on a local Spark Connect server: same rows, progress reported
    through the Connect progress handler."""
    tests = Path(__file__).resolve().parent
    remote_root = tmp_path / "remote"
    script = f"""
import json, sys
sys.path.insert(0, {str(tests)!r})
from test_pipeline import CHILDREN, PARENTS, spec
from generators.run.pipeline import run_pipeline
from generators.run.spark_progress import is_connect
from generators.spark.session import get_spark
from generators.storage import LocalDeltaWarehouse
spark = get_spark(remote="local[2]")
assert is_connect(spark)
assert spark.conf.get("spark.sql.codegen.hugeMethodLimit") == "65535"  # whole stages stay fused
events = []
writer = LocalDeltaWarehouse({str(remote_root)!r}, "cat", "sch", spark=spark)
run_pipeline(spark, spec(30), writer, events.append, "run1", [PARENTS, CHILDREN])
print(json.dumps([type(e).__name__ for e in events]))
spark.stop()
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tests.parents[1],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    kinds = json.loads(done.stdout.strip().splitlines()[-1])
    assert kinds[0] == "RunStarted" and kinds[-1] == "RunFinished"
    assert "TableProgress" in kinds

    run_pipeline(spark, spec(30), warehouse, lambda e: None, "run1", [PARENTS, CHILDREN])
    remote = LocalDeltaWarehouse(remote_root, "cat", "sch", spark=spark)
    for table in ("parents", "children"):
        assert sorted(remote.read(table).collect()) == sorted(warehouse.read(table).collect())
