"""Table stores behind the ``TableWriter`` protocol (``writer.py``): the local Delta warehouse
(``local.py``) and Unity Catalog (``unity_catalog.py``), with the run manifest, the target lock
and recovery of a dead run.

May import: ``generators.spec`` and ``generators.spark``.
"""

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
