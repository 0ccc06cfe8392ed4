"""The local Delta warehouse: ``<root>/<catalog>/<schema>/<table>``, no Delta jars needed.

Spark writes a run's Parquet files into ``<table>/_staging/<run_id>/``; delta-rs commits them.
Readers of a Delta table only see files its log references, and Spark, delta-rs and vacuum all
skip ``_``-prefixed folders, so staged files stay invisible. ``commit`` moves each table's files
next to the log (where vacuum can later reclaim them), then commits them in one Delta
transaction per table: ``overwrite`` replaces the table's files (old ones stay for time travel),
``append`` adds (one mode for every table of a commit, or one per table). Table properties
carry the run's ``idgraph.*`` properties (set in a second commit: delta-rs accepts custom keys
only through ``alter``); the data commit's commitInfo carries them too. If any table fails to
commit, every table of that ``commit`` call is returned to its previous version (or removed when
it was new). A process killed during the commit loop cannot roll back:
``generators.storage.recovery`` does it at the next run. Test hook:
``IDGRAPH_TEST_PAUSE_COMMIT=S`` sleeps S seconds after each table's commit, so a test can kill
a run mid-commit; it is unset in normal use.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from deltalake import DeltaTable, Schema
from deltalake.transaction import AddAction, CommitProperties, create_table_with_add_actions
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import NullType, StructType, TimestampNTZType

from generators.spark.session import PARQUET_CONF
from generators.storage.parquet_stats import footer_stats
from generators.storage.writer import (
    CommitMode,
    StagedFile,
    StagedTable,
    WriteMode,
    commit_modes,
)

STAGING = "_staging"
DELTA_LOG = "_delta_log"
PAUSE_ENV = "IDGRAPH_TEST_PAUSE_COMMIT"
_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]*")


class LocalDeltaWarehouse:
    """A ``TableWriter`` over local Delta tables. ``spark`` defaults to the active session."""

    def __init__(
        self, root: str | Path, catalog: str, schema: str, spark: SparkSession | None = None
    ) -> None:
        self.root = Path(root).resolve()
        self.catalog = _checked(catalog)
        self.schema = _checked(schema)
        self._spark = spark

    @property
    def schema_path(self) -> Path:
        return self.root / self.catalog / self.schema

    def table_path(self, table: str) -> Path:
        return self.schema_path / _checked(table)

    def exists(self, table: str) -> bool:
        return DeltaTable.is_deltatable(str(self.table_path(table)))

    def stage(
        self,
        table: str,
        df: DataFrame,
        comments: Mapping[str, str],
        description: str,
        *,
        run_id: str,
    ) -> StagedTable:
        """Write ``df`` as Parquet into the run's staging folder; nothing becomes visible."""
        _check_columns(table, df.schema, comments)
        staging = self._staging(table, run_id)
        if staging.exists():
            shutil.rmtree(staging)
        for key, value in PARQUET_CONF.items():
            df.sparkSession.conf.set(key, value)
        df.write.parquet(staging.as_uri())
        files = tuple(
            StagedFile(path.name, path.stat().st_size, *footer_stats(path))
            for path in sorted(staging.glob("*.parquet"))
        )
        schema = df.schema.jsonValue()
        for field in schema["fields"]:
            if field["name"] in comments:
                field["metadata"] = {**field["metadata"], "comment": comments[field["name"]]}
        return StagedTable(table, run_id, str(staging), files, json.dumps(schema), description)

    def read_staged(self, staged: StagedTable) -> DataFrame:
        """The staged rows of a table of this run, before they are committed."""
        paths = [str(Path(staged.location) / f.name) for f in staged.files]
        return self._read(StructType.fromJson(json.loads(staged.schema_json)), paths)

    def commit(
        self, staged: Sequence[StagedTable], mode: CommitMode, properties: Mapping[str, str]
    ) -> None:
        """Make every staged table visible, or none: see the module docstring. ``mode`` is one
        mode for every table or a mode per table."""
        modes = commit_modes(mode, [table.table for table in staged])
        started: list[tuple[StagedTable, int | None]] = []
        try:
            for table in staged:
                started.append((table, self._version(table.table)))
                self._commit_one(table, modes[table.table], properties)
                time.sleep(float(os.environ.get(PAUSE_ENV) or 0))
        except BaseException:
            for table, previous in reversed(started):
                self._roll_back(table, previous)
            raise
        for table in staged:
            self._remove_staging(table.table, table.run_id)

    def discard(self, run_id: str) -> None:
        """Delete everything ``run_id`` staged; tables never committed disappear entirely."""
        if not self.schema_path.is_dir():
            return
        for table_dir in self.schema_path.iterdir():
            if table_dir.is_dir() and not table_dir.name.startswith("_"):
                self._remove_staging(table_dir.name, run_id)

    def read(self, table: str) -> DataFrame:
        """The current committed version of a table."""
        delta = DeltaTable(str(self.table_path(table)))
        schema = StructType.fromJson(json.loads(delta.schema().to_json()))
        return self._read(schema, delta.file_uris())

    def _read(self, schema: StructType, paths: list[str]) -> DataFrame:
        spark = self._spark or SparkSession.active()
        if not paths:
            return spark.createDataFrame([], schema)
        return spark.read.schema(schema).parquet(*paths)

    def _staging(self, table: str, run_id: str) -> Path:
        return self.table_path(table) / STAGING / _checked(run_id)

    def _version(self, table: str) -> int | None:
        return DeltaTable(str(self.table_path(table))).version() if self.exists(table) else None

    def _commit_one(
        self, staged: StagedTable, mode: WriteMode, properties: Mapping[str, str]
    ) -> None:
        path = self.table_path(staged.table)
        adds = [_publish(Path(staged.location), path, f) for f in staged.files]
        schema = Schema.from_json(staged.schema_json)
        commit = CommitProperties(custom_metadata=dict(properties))
        if not self.exists(staged.table):
            create_table_with_add_actions(
                str(path),
                schema,
                adds,
                mode="error",
                name=staged.table,
                description=staged.description,
                commit_properties=commit,
            )
        else:
            DeltaTable(str(path)).create_write_transaction(
                adds, mode=mode, schema=schema, commit_properties=commit
            )
            delta = DeltaTable(str(path))
            if delta.metadata().description != staged.description:
                delta.alter.set_table_description(staged.description)
        DeltaTable(str(path)).alter.set_table_properties(
            dict(properties), raise_if_not_exists=False
        )

    def _roll_back(self, staged: StagedTable, previous: int | None) -> None:
        """Return a table to ``previous`` (None: absent). Published files no version references
        are left for vacuum; they are invisible to readers."""
        path = self.table_path(staged.table)
        if previous is None:
            shutil.rmtree(path / DELTA_LOG, ignore_errors=True)
            for file in staged.files:
                (path / file.name).unlink(missing_ok=True)
        elif self._version(staged.table) != previous:
            DeltaTable(str(path)).restore(previous)

    def _remove_staging(self, table: str, run_id: str) -> None:
        staging = self._staging(table, run_id)
        shutil.rmtree(staging, ignore_errors=True)
        for folder in (staging.parent, staging.parent.parent):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()


def _publish(staging: Path, table_path: Path, file: StagedFile) -> AddAction:
    """Move a staged file next to the Delta log and describe it for the commit."""
    target = table_path / file.name
    os.replace(staging / file.name, target)
    modified_ms = target.stat().st_mtime_ns // 1_000_000
    return AddAction(file.name, file.size, {}, modified_ms, True, file.stats)


def _check_columns(table: str, schema: StructType, comments: Mapping[str, str]) -> None:
    unknown = sorted(set(comments) - set(schema.fieldNames()))
    if unknown:
        raise ValueError(f"{table}: descriptions for unknown columns {unknown}")
    for field in schema.fields:
        if isinstance(field.dataType, TimestampNTZType | NullType):
            raise ValueError(
                f"{table}.{field.name}: type {field.dataType.simpleString()} is not written; "
                "cast timestamps to TIMESTAMP (UTC) and untyped nulls to a concrete type"
            )


def _checked(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise ValueError(f"{name!r}: use letters, digits, '_' and '-' only")
    return name
