"""The Unity Catalog writer: its SQL (identifiers, literals, properties) and, against the local
session's ``spark_catalog`` with Parquet standing in for Delta (no Delta jars here), stage,
commit, append, discard and the rollback of a failed commit. RESTORE needs Delta: untested."""

from __future__ import annotations

import uuid

import pytest
from pyspark.sql import functions as F

from generators.storage.unity_catalog import (
    UnityCatalogWriter,
    create_schema_sql,
    identifier,
    literal,
    publish_sql,
    staging_table,
)

PROPS = {"idgraph.spec_fingerprint": "ab" * 32, "idgraph.run_id": "r1"}
COMMENTS = {"key": "Row key.", "label": "It's a label."}


def test_identifiers_are_checked_and_quoted():
    assert identifier("synthetic_identity") == "`synthetic_identity`"
    assert identifier("_x9") == "`_x9`"
    for bad in ("a-b", "9lives", "x`; DROP TABLE y", "", "a b", "x" * 256):
        with pytest.raises(ValueError, match="not a valid identifier"):
            identifier(bad)


def test_literals_escape_quotes_and_backslashes():
    assert literal("it's") == "'it\\'s'"
    assert literal("a\\b") == "'a\\\\b'"


def test_statements():
    assert create_schema_sql("main", "s") == "CREATE SCHEMA IF NOT EXISTS `main`.`s`"
    common = {"table_format": "delta", "description": "T's", "properties": PROPS}
    (create,) = publish_sql(
        "`c`.`s`.`t`", "`c`.`s`.`t__staging_r1`", exists=False, mode="overwrite", **common
    )
    assert create == (
        "CREATE TABLE `c`.`s`.`t` USING `delta` COMMENT 'T\\'s' TBLPROPERTIES "
        f"('idgraph.run_id' = 'r1', 'idgraph.spec_fingerprint' = '{'ab' * 32}') "
        "AS SELECT * FROM `c`.`s`.`t__staging_r1`"
    )
    (replace,) = publish_sql("`c`.`s`.`t`", "src", exists=True, mode="overwrite", **common)
    assert replace.startswith("CREATE OR REPLACE TABLE `c`.`s`.`t` USING `delta`")
    append = publish_sql("`c`.`s`.`t`", "src", exists=True, mode="append", **common)
    assert append[0] == "INSERT INTO `c`.`s`.`t` SELECT * FROM src"
    assert append[2].startswith("ALTER TABLE `c`.`s`.`t` SET TBLPROPERTIES ('idgraph.run_id'")


@pytest.fixture
def writer(spark, tmp_path):
    schema = f"idgraph_test_{uuid.uuid4().hex[:8]}"
    spark.sql(f"CREATE SCHEMA spark_catalog.{schema} LOCATION '{tmp_path / schema}'")
    yield UnityCatalogWriter(spark, "spark_catalog", schema, table_format="parquet")
    spark.sql(f"DROP SCHEMA spark_catalog.{schema} CASCADE")


def frame(spark, rows: int):
    return spark.range(rows).select(
        F.col("id").alias("key"), F.concat(F.lit("v"), F.col("id")).alias("label")
    )


def test_stage_commit_append_and_discard(spark, writer):
    staged = writer.stage("things", frame(spark, 5), COMMENTS, "Test things.", run_id="r1")
    assert staged.rows == 5
    assert not writer.exists("things")
    assert writer.read_staged(staged).count() == 5
    writer.commit([staged], "overwrite", PROPS)

    assert writer.read("things").count() == 5
    assert not writer.exists(staging_table("things", "r1"))
    table = f"spark_catalog.{writer.schema}.things"
    assert spark.catalog.getTable(table).description == "Test things."
    props = {r.key: r.value for r in spark.sql(f"SHOW TBLPROPERTIES {table}").collect()}
    assert PROPS.items() <= props.items()
    columns = {c.name: c.description for c in spark.catalog.listColumns(table)}
    assert columns == COMMENTS

    again = writer.stage("things", frame(spark, 3), COMMENTS, "Test things.", run_id="r2")
    writer.commit([again], "append", {**PROPS, "idgraph.run_id": "r2"})
    assert writer.read("things").count() == 8
    props = {r.key: r.value for r in spark.sql(f"SHOW TBLPROPERTIES {table}").collect()}
    assert props["idgraph.run_id"] == "r2"

    writer.stage("other", frame(spark, 2), {}, "", run_id="r3")
    writer.discard("r3")
    assert not writer.exists(staging_table("other", "r3"))


def test_failed_commit_drops_the_tables_it_created(spark, writer):
    first = writer.stage("first", frame(spark, 4), {}, "First.", run_id="r1")
    second = writer.stage("second", frame(spark, 4), {}, "Second.", run_id="r1")
    spark.sql(f"DROP TABLE {second.location}")  # the second commit fails
    with pytest.raises(Exception, match="TABLE_OR_VIEW_NOT_FOUND"):
        writer.commit([first, second], "overwrite", PROPS)
    assert not writer.exists("first")
    assert not writer.exists("second")
