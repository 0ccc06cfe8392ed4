"""A ``TableWriter`` for Unity Catalog: Delta tables ``catalog.schema.table`` through Spark SQL.

Stage: each table is written with ``saveAsTable`` to its own staging table
``<table>__staging_<run_id>`` in the same schema; readers of the real tables never see it.
Commit: one statement per table, each a single Delta transaction, so a reader sees a table
either wholly before or wholly after: a new table is ``CREATE TABLE ... AS SELECT``; an existing
one is ``CREATE OR REPLACE TABLE ... AS SELECT`` (overwrite, Delta: keeps history, replaces the
schema) or ``INSERT INTO`` (append); then the table comment, the ``idgraph.*`` properties and
the column comments are set. Across tables, a failed commit returns every table of the call to
the Delta version it had before (``RESTORE TABLE``), and drops tables the call created. Staging
tables are dropped after the commit, or by ``discard``.

Identifiers are checked (letters, digits, ``_``; not starting with a digit) and always quoted
with backticks; string literals are escaped. The statement builders are pure functions.
``table_format`` exists only so the SQL can be exercised on a Spark without Delta (tests); on
Databricks it is ``delta``, where restore applies.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence

from pyspark.sql import DataFrame, SparkSession

from generators.storage.writer import (
    CommitMode,
    StagedFile,
    StagedTable,
    WriteMode,
    commit_modes,
)

STAGING_SUFFIX = "__staging_"
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,254}")


def identifier(name: str) -> str:
    """``name`` checked and quoted with backticks."""
    if not _IDENTIFIER.fullmatch(name):
        raise ValueError(
            f"{name!r} is not a valid identifier: use letters, digits and '_' "
            "(not starting with a digit, at most 255 characters)"
        )
    return f"`{name}`"


def literal(text: str) -> str:
    """A Spark SQL string literal (backslash escapes)."""
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def qualified(catalog: str, schema: str, table: str | None = None) -> str:
    parts = [catalog, schema] if table is None else [catalog, schema, table]
    return ".".join(identifier(p) for p in parts)


def properties_sql(properties: Mapping[str, str]) -> str:
    return ", ".join(f"{literal(k)} = {literal(v)}" for k, v in sorted(properties.items()))


def create_schema_sql(catalog: str, schema: str) -> str:
    return f"CREATE SCHEMA IF NOT EXISTS {qualified(catalog, schema)}"


def publish_sql(
    target: str,
    source: str,
    *,
    exists: bool,
    mode: WriteMode,
    table_format: str,
    description: str,
    properties: Mapping[str, str],
) -> list[str]:
    """The statements committing staging table ``source`` into ``target`` (both qualified)."""
    select = f"SELECT * FROM {source}"
    if exists and mode == "append":
        return [
            f"INSERT INTO {target} {select}",
            f"COMMENT ON TABLE {target} IS {literal(description)}",
            f"ALTER TABLE {target} SET TBLPROPERTIES ({properties_sql(properties)})",
        ]
    verb = "CREATE OR REPLACE TABLE" if exists else "CREATE TABLE"
    return [
        f"{verb} {target} USING {identifier(table_format)} COMMENT {literal(description)} "
        f"TBLPROPERTIES ({properties_sql(properties)}) AS {select}"
    ]


def column_comment_sql(target: str, column: str, comment: str) -> str:
    return f"ALTER TABLE {target} ALTER COLUMN {identifier(column)} COMMENT {literal(comment)}"


class UnityCatalogWriter:
    """Tables of one ``catalog.schema``; the schema is created when ``create_schema``."""

    def __init__(
        self,
        spark: SparkSession,
        catalog: str,
        schema: str,
        *,
        create_schema: bool = True,
        table_format: str = "delta",
    ) -> None:
        self.spark, self.catalog, self.schema = spark, catalog, schema
        self.table_format = table_format
        self.create_schema = create_schema
        qualified(catalog, schema)  # validates both names now

    def name(self, table: str) -> str:
        return qualified(self.catalog, self.schema, table)

    def exists(self, table: str) -> bool:
        return self.spark.catalog.tableExists(f"{self.catalog}.{self.schema}.{table}")

    def stage(
        self,
        table: str,
        df: DataFrame,
        comments: Mapping[str, str],
        description: str,
        *,
        run_id: str,
    ) -> StagedTable:
        """Write ``df`` to the run's staging table; returns it with its row count."""
        if self.create_schema:
            self.spark.sql(create_schema_sql(self.catalog, self.schema))
        staging = self.name(staging_table(table, run_id))
        df.write.format(self.table_format).mode("overwrite").saveAsTable(staging)
        rows = self.spark.table(staging).count()
        schema = df.schema.jsonValue()
        for field in schema["fields"]:
            if field["name"] in comments:
                field["metadata"] = {**field["metadata"], "comment": comments[field["name"]]}
        return StagedTable(
            table,
            run_id,
            staging,
            (StagedFile(staging, 0, rows, ""),),
            json.dumps(schema),
            description,
        )

    def read_staged(self, staged: StagedTable) -> DataFrame:
        return self.spark.table(staged.location)

    def commit(
        self, staged: Sequence[StagedTable], mode: CommitMode, properties: Mapping[str, str]
    ) -> None:
        """Publish every staged table, or return them all to their previous versions. ``mode``
        is one mode for every table or a mode per table."""
        modes = commit_modes(mode, [table.table for table in staged])
        started: list[tuple[str, bool, int | None]] = []
        try:
            for table in staged:
                exists = self.exists(table.table)
                started.append(
                    (table.table, exists, self._version(table.table) if exists else None)
                )
                self._publish(table, modes[table.table], properties, exists=exists)
        except BaseException:
            for table, existed, previous in reversed(started):
                self._roll_back(table, existed, previous)
            raise
        for table in staged:
            self.spark.sql(f"DROP TABLE IF EXISTS {table.location}")

    def discard(self, run_id: str) -> None:
        """Drop every staging table of ``run_id``."""
        suffix = STAGING_SUFFIX + run_id
        for table in self.spark.catalog.listTables(f"{self.catalog}.{self.schema}"):
            if table.name.endswith(suffix):
                self.spark.sql(f"DROP TABLE IF EXISTS {self.name(table.name)}")

    def read(self, table: str) -> DataFrame:
        return self.spark.table(self.name(table))

    def _publish(
        self, staged: StagedTable, mode: WriteMode, properties: Mapping[str, str], *, exists: bool
    ) -> None:
        target = self.name(staged.table)
        statements = publish_sql(
            target,
            staged.location,
            exists=exists,
            mode=mode,
            table_format=self.table_format,
            description=staged.description,
            properties=properties,
        )
        for field in json.loads(staged.schema_json)["fields"]:
            comment = field["metadata"].get("comment")
            if comment:
                statements.append(column_comment_sql(target, field["name"], comment))
        for statement in statements:
            self.spark.sql(statement)

    def _version(self, table: str) -> int | None:
        """The Delta version of an existing table (None when not Delta: no restore possible)."""
        if self.table_format != "delta":
            return None
        history = self.spark.sql(f"DESCRIBE HISTORY {self.name(table)} LIMIT 1")
        return int(history.select("version").first()[0])

    def _roll_back(self, table: str, existed: bool, previous: int | None) -> None:
        if not existed:
            self.spark.sql(f"DROP TABLE IF EXISTS {self.name(table)}")
        elif previous is not None:
            self.spark.sql(f"RESTORE TABLE {self.name(table)} TO VERSION AS OF {previous}")


def staging_table(table: str, run_id: str) -> str:
    """The staging table name of ``table`` in run ``run_id``."""
    return f"{table}{STAGING_SUFFIX}{run_id}"
