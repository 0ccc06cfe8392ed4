"""Table stores behind the ``TableWriter`` protocol: the local Delta warehouse (and, on
Databricks, Unity Catalog)."""

from generators.storage.base import WRITE_MODES, StagedFile, StagedTable, TableWriter, WriteMode
from generators.storage.local import LocalDeltaWarehouse

__all__ = [
    "WRITE_MODES",
    "LocalDeltaWarehouse",
    "StagedFile",
    "StagedTable",
    "TableWriter",
    "WriteMode",
]
