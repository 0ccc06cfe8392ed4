"""Table stores behind the ``TableWriter`` protocol: the local Delta warehouse (and, on
Databricks, Unity Catalog)."""

from generators.storage.local import LocalDeltaWarehouse
from generators.storage.writer import WRITE_MODES, StagedFile, StagedTable, TableWriter, WriteMode

__all__ = [
    "WRITE_MODES",
    "LocalDeltaWarehouse",
    "StagedFile",
    "StagedTable",
    "TableWriter",
    "WriteMode",
]
