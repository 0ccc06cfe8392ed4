"""Integration fixtures: one real local Spark session per test session, and one generated world
that every test reading tables shares (tests that write or corrupt tables copy it first)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession
from worlds import WORLD_SPEC

from generators.run.service import GenerationResult, run_generation
from generators.spark.session import get_spark
from generators.spec import GenerationSpec
from generators.storage import LocalDeltaWarehouse
from generators.validation.model import Report
from generators.validation.runner import read_tables, validate_run


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """A classic ``local[2]`` session configured by ``get_spark`` (starting one takes seconds);
    the tests' worlds are small (at most 100K households), so it is a short-run JVM."""
    session = get_spark(master="local[2]", short_run=True)
    yield session
    session.stop()


@dataclass(frozen=True)
class World:
    """A committed run of ``spec`` in the local warehouse at ``root`` and its validation report."""

    spec: GenerationSpec
    root: Path
    result: GenerationResult
    writer: LocalDeltaWarehouse
    tables: dict[str, DataFrame]
    report: Report

    @property
    def schema_path(self) -> Path:
        return self.writer.schema_path

    def copy_to(self, root: Path) -> Path:
        """A copy of the whole warehouse at ``root`` (for tests that change it)."""
        shutil.copytree(self.root, root)
        return root


@pytest.fixture(scope="session")
def world(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> World:
    """WORLD_SPEC generated once per test session through ``run_generation`` and validated."""
    spec = GenerationSpec.model_validate(WORLD_SPEC)
    root = tmp_path_factory.mktemp("world") / "warehouse"
    result = run_generation(spec, warehouse=root, spark=spark, validate=False)
    writer = LocalDeltaWarehouse(root, spec.output.catalog, spec.output.schema_name, spark)
    report = validate_run(spark, writer, spec, run_id=result.run_id)
    return World(spec, root, result, writer, read_tables(writer), report)
