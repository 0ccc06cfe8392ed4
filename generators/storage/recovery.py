"""Clean up after runs that died (kill -9, power loss) on a local target. Call it holding the
target's lock: then no run is alive there, so every run still marked ``running`` in the
manifest, and every ``_staging/<run_id>`` folder, belongs to a dead run.

Invariants after ``recover_target``: no staging folder is left; every table whose history holds
a commit of a dead run is back at the version before that run's first commit (via delta-rs
``restore``), or removed when that run created it; the manifest marks each dead run
``abandoned``. Tables no dead run touched are left alone.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from deltalake import DeltaTable

from generators.storage.local import STAGING, LocalDeltaWarehouse
from generators.storage.manifest import MANIFEST_TABLE, RunManifest

RUN_ID_PROPERTY = "idgraph.run_id"
ABANDONED = "abandoned: the run's process ended before it finished; its tables were rolled back"


def recover_target(writer: LocalDeltaWarehouse, manifest: RunManifest) -> list[str]:
    """Roll back and clean up every dead run of ``writer``'s schema; returns their run ids."""
    running = manifest.running()
    dead = {str(row["run_id"]) for row in running} | _staged_runs(writer.schema_path)
    if not dead:
        return []
    for table in _tables(writer.schema_path):
        _roll_back(table, dead)
    for run_id in sorted(dead):
        writer.discard(run_id)
    for row in running:
        manifest.finished(row, "abandoned", error=ABANDONED)
    return sorted(dead)


def _staged_runs(schema_path: Path) -> set[str]:
    return {run.name for run in schema_path.glob(f"*/{STAGING}/*") if run.is_dir()}


def _tables(schema_path: Path) -> list[Path]:
    if not schema_path.is_dir():
        return []
    return [
        path
        for path in sorted(schema_path.iterdir())
        if path.is_dir() and path.name != MANIFEST_TABLE and DeltaTable.is_deltatable(str(path))
    ]


def _roll_back(path: Path, dead: set[str]) -> None:
    """Return the table to the version before the first commit of any dead run."""
    table = DeltaTable(str(path))
    versions = [c["version"] for c in table.history() if c.get(RUN_ID_PROPERTY) in dead]
    if not versions:
        return
    first = min(versions)
    if first == 0:
        shutil.rmtree(path)
    else:
        table.restore(first - 1)
