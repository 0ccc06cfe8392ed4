"""Which ``TableWriter`` a run writes through, chosen from where it runs.

On Databricks tables go to Unity Catalog (:class:`UnityCatalogWriter`): in a Databricks Jobs run
(the runtime sets ``DATABRICKS_RUNTIME_VERSION``) and through Databricks Connect
(``IDGRAPH_SPARK=databricks``). Everywhere else they go to the local Delta warehouse.

Invariants: the choice reads only the environment it is given (``os.environ`` by default) and
starts no Spark; a factory builds its writer on the run's own session, so the writer and the
run always share one session.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from generators.storage.local import LocalDeltaWarehouse
    from generators.storage.unity_catalog import UnityCatalogWriter
    from generators.storage.writer import TableWriter

WriterFactory = Callable[["SparkSession"], "TableWriter"]


@dataclass(frozen=True)
class UnityCatalogTarget:
    """A ``WriterFactory``: the tables of ``catalog.schema`` in Unity Catalog."""

    catalog: str
    schema: str

    def __call__(self, spark: SparkSession) -> UnityCatalogWriter:
        from generators.storage.unity_catalog import UnityCatalogWriter

        return UnityCatalogWriter(spark, self.catalog, self.schema)


@dataclass(frozen=True)
class LocalWarehouseTarget:
    """A ``WriterFactory``: the tables of ``catalog.schema`` in the local warehouse ``root``."""

    root: Path
    catalog: str
    schema: str

    def __call__(self, spark: SparkSession) -> LocalDeltaWarehouse:
        from generators.storage.local import LocalDeltaWarehouse

        return LocalDeltaWarehouse(self.root, self.catalog, self.schema, spark=spark)


def on_databricks(env: Mapping[str, str] | None = None) -> bool:
    """True in a Databricks runtime (a Jobs run) or with Databricks Connect."""
    env = os.environ if env is None else env
    connect = env.get("IDGRAPH_SPARK", "").strip().lower() == "databricks"
    return connect or bool(env.get("DATABRICKS_RUNTIME_VERSION"))


def writer_factory_for(
    root: Path, catalog: str, schema: str, env: Mapping[str, str] | None = None
) -> WriterFactory:
    """Unity Catalog on Databricks, else the local Delta warehouse under ``root``."""
    if on_databricks(env):
        return UnityCatalogTarget(catalog, schema)
    return LocalWarehouseTarget(root, catalog, schema)


def location_of(writer: TableWriter) -> str:
    """Where the writer's tables are: the schema folder, or ``catalog.schema`` in Unity Catalog."""
    path = getattr(writer, "schema_path", None)
    if path is not None:
        return str(path)
    return f"{writer.catalog}.{writer.schema}"  # type: ignore[attr-defined]
