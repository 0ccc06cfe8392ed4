"""Read an idgraph world's tables as pandas DataFrames, locally or on Databricks.

The example notebooks import only this module from the project. ``World.open`` picks the source:
with a Spark session (Databricks, where ``spark`` is predefined) the tables are the Unity Catalog
tables ``<catalog>.<schema>.<table>``; without one they are the Delta folders
``<warehouse>/<catalog>/<schema>/<table>`` that ``idgraph generate`` writes, read with deltalake.
Pass only the columns you need: the event tables have millions of rows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd


@dataclass(frozen=True)
class World:
    """Where one generated world's 13 tables live."""

    catalog: str
    schema: str
    warehouse: Path | None = None
    spark: Any = None

    @classmethod
    def open(cls, catalog: str, schema: str, warehouse: str | None, spark: Any = None) -> World:
        """Unity Catalog through ``spark`` when given, else the local warehouse folder."""
        if spark is not None:
            return cls(catalog, schema, spark=spark)
        folder = Path(warehouse or "warehouse").expanduser().resolve()
        if not (folder / catalog / schema / "households" / "_delta_log").is_dir():
            raise FileNotFoundError(
                f"no idgraph world at {folder / catalog / schema}: generate one with "
                "`uv run idgraph generate` (see docs/notebooks.md) or set IDGRAPH_WAREHOUSE, "
                "IDGRAPH_CATALOG and IDGRAPH_SCHEMA"
            )
        return cls(catalog, schema, warehouse=folder)

    @property
    def where(self) -> str:
        if self.spark is not None:
            return f"Unity Catalog {self.catalog}.{self.schema}"
        return f"local Delta warehouse {self.warehouse / self.catalog / self.schema}"

    def load(
        self,
        table: str,
        columns: Sequence[str] | None = None,
        equals: Mapping[str, Any] | None = None,
    ) -> pd.DataFrame:
        """``table``'s rows (only ``columns`` when given, only rows whose columns equal the
        values in ``equals`` when given) as a pandas DataFrame."""
        if self.spark is not None:
            frame = self.spark.table(f"{self.catalog}.{self.schema}.{table}")
            for column, value in (equals or {}).items():
                frame = frame.where(frame[column] == value)
            return (frame.select(*columns) if columns else frame).toPandas()
        from deltalake import DeltaTable

        filters = [(column, "=", value) for column, value in (equals or {}).items()] or None
        delta = DeltaTable(str(self.warehouse / self.catalog / self.schema / table))
        arrow = delta.to_pyarrow_table(columns=list(columns) if columns else None, filters=filters)
        return arrow.to_pandas()

    def columns(self, table: str) -> list[str]:
        """``table``'s column names (some columns exist only in some worlds, e.g. the identity
        graph's truth columns when it has noise)."""
        if self.spark is not None:
            return self.spark.table(f"{self.catalog}.{self.schema}.{table}").columns
        from deltalake import DeltaTable

        path = self.warehouse / self.catalog / self.schema / table
        return [field.name for field in DeltaTable(str(path)).schema().fields]

    def count(self, table: str) -> int:
        """Rows of ``table``."""
        if self.spark is not None:
            return self.spark.table(f"{self.catalog}.{self.schema}.{table}").count()
        from deltalake import DeltaTable

        path = self.warehouse / self.catalog / self.schema / table
        return DeltaTable(str(path)).to_pyarrow_dataset().count_rows()

    def describe(self) -> str:
        """Where the world is, its size, seed, spec fingerprint and run id."""
        stored = self.properties()
        return (
            f"{self.where}: {self.count('households'):,} households, "
            f"seed {stored.get('idgraph.seed')}, "
            f"spec {stored.get('idgraph.spec_fingerprint', '')[:12]}, "
            f"run {stored.get('idgraph.run_id')}"
        )

    def properties(self, table: str = "households") -> dict[str, str]:
        """The table's properties: the run id, seed and spec fingerprint idgraph stores."""
        if self.spark is not None:
            rows = self.spark.sql(
                f"SHOW TBLPROPERTIES {self.catalog}.{self.schema}.{table}"
            ).collect()
            return {row["key"]: row["value"] for row in rows}
        from deltalake import DeltaTable

        path = self.warehouse / self.catalog / self.schema / table
        return dict(DeltaTable(str(path)).metadata().configuration)
