"""The local Delta warehouse: staged files are invisible until commit; commits are readable by
delta-rs and Spark with types, comments and properties intact."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from deltalake import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from generators.storage import LocalDeltaWarehouse

COMMENTS = {"key": "Row key.", "event_ts": "When it happened (UTC).", "day": "Calendar day."}
PROPS = {"idgraph.spec_fingerprint": "f" * 64, "idgraph.seed": "7", "idgraph.run_id": "r1"}


def frame(spark: SparkSession, rows: int, offset: int = 0) -> DataFrame:
    key = F.col("id") + F.lit(offset)
    return spark.range(rows).select(
        key.alias("key"),
        F.timestamp_seconds(key * F.lit(3600) + F.lit(1_700_000_000)).alias("event_ts"),
        F.date_add(F.lit(dt.date(2024, 1, 1)), key.cast("int")).alias("day"),
        F.when(key % 3 == 0, F.lit(None)).otherwise(F.concat(F.lit("v"), key)).alias("label"),
        (key / F.lit(4)).alias("ratio"),
    )


def keys(table: pa.Table) -> list[int]:
    return sorted(table.column("key").to_pylist())


@pytest.fixture
def warehouse(spark: SparkSession, tmp_warehouse: Path) -> LocalDeltaWarehouse:
    return LocalDeltaWarehouse(tmp_warehouse, "cat", "sch", spark=spark)


def test_commit_is_readable_by_deltalake_and_spark(spark, warehouse):
    df = frame(spark, 50)
    staged = warehouse.stage("things", df, COMMENTS, "Test things.", run_id="r1")
    assert staged.rows == 50
    warehouse.commit([staged], "overwrite", PROPS)

    path = warehouse.table_path("things")
    assert path == warehouse.root / "cat" / "sch" / "things"
    assert not (path / "_staging").exists()
    delta = DeltaTable(str(path))
    table = delta.to_pyarrow_table()
    assert keys(table) == list(range(50))
    assert table.schema.field("event_ts").type == pa.timestamp("us", tz="UTC")
    assert table.schema.field("day").type == pa.date32()
    first = table.filter(pc.equal(table.column("key"), 1)).to_pylist()[0]
    assert first["event_ts"] == dt.datetime(2023, 11, 14, 23, 13, 20, tzinfo=dt.UTC)
    assert first["day"] == dt.date(2024, 1, 2)

    fields = json.loads(delta.schema().to_json())["fields"]
    assert {f["name"]: f["metadata"].get("comment") for f in fields} == {
        **COMMENTS,
        "label": None,
        "ratio": None,
    }
    assert delta.metadata().description == "Test things."
    assert delta.metadata().name == "things"
    assert PROPS.items() <= delta.metadata().configuration.items()

    spark_rows = sorted(warehouse.read("things").collect())
    assert spark_rows == sorted(df.collect())


def test_file_statistics_are_true_bounds(spark, warehouse):
    staged = warehouse.stage("things", frame(spark, 40), COMMENTS, "", run_id="r1")
    warehouse.commit([staged], "overwrite", PROPS)
    delta = DeltaTable(str(warehouse.table_path("things")))
    for action in pa.table(delta.get_add_actions(flatten=True)).to_pylist():
        rows = pq.read_table(warehouse.table_path("things") / action["path"])
        assert action["num_records"] == rows.num_rows
        assert action["min.key"] == min(rows.column("key").to_pylist())
        assert action["max.key"] == max(rows.column("key").to_pylist())
        assert action["null_count.label"] == rows.column("label").null_count
    # pruning on the timestamp statistics keeps exactly the files holding later rows
    late = delta.file_uris(file_pruning_predicate="event_ts >= '2023-11-16T00:00:00Z'")
    assert late
    assert all(max(pq.read_table(f).column("key").to_pylist()) >= 36 for f in late)


def test_staged_files_are_invisible_until_commit(spark, warehouse):
    first = warehouse.stage("things", frame(spark, 10), COMMENTS, "", run_id="r1")
    assert not warehouse.exists("things")
    assert not DeltaTable.is_deltatable(str(warehouse.table_path("things")))
    assert warehouse.read_staged(first).count() == 10
    warehouse.commit([first], "overwrite", PROPS)

    second = warehouse.stage("things", frame(spark, 25, offset=100), COMMENTS, "", run_id="r2")
    assert warehouse.read_staged(second).count() == 25
    assert keys(DeltaTable(str(warehouse.table_path("things"))).to_pyarrow_table()) == list(
        range(10)
    )
    assert warehouse.read("things").count() == 10


def test_overwrite_replaces_and_keeps_history(spark, warehouse):
    warehouse.commit(
        [warehouse.stage("things", frame(spark, 10), COMMENTS, "v1", run_id="r1")],
        "overwrite",
        PROPS,
    )
    first_version = DeltaTable(str(warehouse.table_path("things"))).version()
    warehouse.commit(
        [warehouse.stage("things", frame(spark, 5, offset=100), COMMENTS, "v2", run_id="r2")],
        "overwrite",
        {**PROPS, "idgraph.run_id": "r2"},
    )
    delta = DeltaTable(str(warehouse.table_path("things")))
    assert keys(delta.to_pyarrow_table()) == list(range(100, 105))
    assert delta.metadata().description == "v2"
    assert delta.metadata().configuration["idgraph.run_id"] == "r2"
    old = DeltaTable(str(warehouse.table_path("things")), version=first_version)
    assert keys(old.to_pyarrow_table()) == list(range(10))


def test_append_adds_rows(spark, warehouse):
    for run, offset in (("r1", 0), ("r2", 10)):
        staged = warehouse.stage("things", frame(spark, 10, offset), COMMENTS, "", run_id=run)
        warehouse.commit([staged], "append", {**PROPS, "idgraph.run_id": run})
    delta = DeltaTable(str(warehouse.table_path("things")))
    assert keys(delta.to_pyarrow_table()) == list(range(20))
    assert delta.metadata().configuration["idgraph.run_id"] == "r2"
    assert warehouse.read("things").count() == 20


def test_empty_table_commits(spark, warehouse):
    staged = warehouse.stage("things", frame(spark, 0), COMMENTS, "", run_id="r1")
    assert staged.rows == 0
    warehouse.commit([staged], "overwrite", PROPS)
    assert DeltaTable(str(warehouse.table_path("things"))).to_pyarrow_table().num_rows == 0
    assert warehouse.read("things").count() == 0


def test_discard_removes_only_the_runs_staging(spark, warehouse):
    warehouse.commit(
        [warehouse.stage("kept", frame(spark, 5), COMMENTS, "", run_id="r1")], "overwrite", PROPS
    )
    warehouse.stage("kept", frame(spark, 7), COMMENTS, "", run_id="r2")
    warehouse.stage("fresh", frame(spark, 7), COMMENTS, "", run_id="r2")
    warehouse.discard("r2")
    assert not warehouse.table_path("fresh").exists()
    assert not (warehouse.table_path("kept") / "_staging").exists()
    assert keys(DeltaTable(str(warehouse.table_path("kept"))).to_pyarrow_table()) == list(range(5))


def test_failed_commit_rolls_back_every_table(spark, warehouse):
    before = [warehouse.stage(t, frame(spark, 4), COMMENTS, "", run_id="r1") for t in "ab"]
    warehouse.commit(before, "overwrite", PROPS)
    versions = {t: DeltaTable(str(warehouse.table_path(t))).version() for t in "ab"}

    after = [
        warehouse.stage(t, frame(spark, 9, offset=50), COMMENTS, "", run_id="r2")
        for t in ("a", "b", "c")
    ]
    for file in after[1].files:  # table b cannot be committed: its files are gone
        (Path(after[1].location) / file.name).unlink()
    with pytest.raises(FileNotFoundError):
        warehouse.commit(after, "overwrite", {**PROPS, "idgraph.run_id": "r2"})

    for t in "ab":
        delta = DeltaTable(str(warehouse.table_path(t)))
        assert keys(delta.to_pyarrow_table()) == list(range(4))
        assert delta.metadata().configuration["idgraph.run_id"] == "r1"
        assert delta.version() >= versions[t]
    assert not warehouse.exists("c")


def test_new_table_rolled_back_is_absent(spark, warehouse):
    good = warehouse.stage("new", frame(spark, 3), COMMENTS, "", run_id="r1")
    bad = warehouse.stage("broken", frame(spark, 3), COMMENTS, "", run_id="r1")
    for file in bad.files:
        (Path(bad.location) / file.name).unlink()
    with pytest.raises(FileNotFoundError):
        warehouse.commit([good, bad], "overwrite", PROPS)
    assert not warehouse.exists("new")
    warehouse.discard("r1")
    assert not warehouse.table_path("new").exists()
    assert not warehouse.table_path("broken").exists()


def test_rejects_bad_input(spark, warehouse):
    with pytest.raises(ValueError, match="unknown columns"):
        warehouse.stage("things", frame(spark, 1), {"nope": "x"}, "", run_id="r1")
    ntz = frame(spark, 1).select(F.col("event_ts").cast("timestamp_ntz").alias("event_ts"))
    with pytest.raises(ValueError, match="timestamp_ntz"):
        warehouse.stage("things", ntz, {}, "", run_id="r1")
    with pytest.raises(ValueError, match="letters, digits"):
        warehouse.table_path("../escape")
    with pytest.raises(ValueError, match="mode"):
        warehouse.commit([], "upsert", PROPS)
