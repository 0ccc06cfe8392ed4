"""Integration fixtures: one real local Spark session per test session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pyspark.sql import SparkSession

from generators.spark.session import get_spark


@pytest.fixture(scope="session")
def spark() -> Iterator[SparkSession]:
    """A classic ``local[2]`` session configured by ``get_spark`` (starting one takes seconds);
    the tests' worlds are small (at most 100K households), so it is a short-run JVM."""
    session = get_spark(master="local[2]", short_run=True)
    yield session
    session.stop()
