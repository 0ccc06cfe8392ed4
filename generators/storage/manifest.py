"""The run manifest: a Delta table ``idgraph_runs`` beside the generated tables of a schema.

An append-only log written from the driver with delta-rs, one commit per row: a ``running`` row
when a run starts, one final row when it ends (``succeeded``, ``failed``, ``cancelled``, or
``abandoned`` when a later run found it dead and cleaned up after it). A run's status is its
final row if it has one, else ``running``; ``recorded_at`` orders rows. Wall-clock times here
describe runs, never generated data. Writers hold the target lock, so rows never interleave.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
from deltalake import DeltaTable, write_deltalake

from generators.spec import GenerationSpec
from generators.spec.io import spec_to_yaml

MANIFEST_TABLE = "idgraph_runs"
RUNNING = "running"
FINAL_STATUSES = ("succeeded", "failed", "cancelled", "abandoned")

COLUMNS: dict[str, tuple[pa.DataType, str]] = {
    "run_id": (pa.string(), "Run id (also the idgraph.run_id property of the tables it wrote)."),
    "status": (pa.string(), "running, succeeded, failed, cancelled or abandoned."),
    "mode": (pa.string(), "Write mode of the run: overwrite or append."),
    "seed": (pa.int64(), "The spec's seed."),
    "spec_fingerprint": (pa.string(), "sha256 of the spec's canonical JSON."),
    "table_rows": (pa.string(), "JSON object: rows committed per table (final rows only)."),
    "started_at": (pa.timestamp("us", tz="UTC"), "When the run started (UTC wall clock)."),
    "ended_at": (pa.timestamp("us", tz="UTC"), "When the run ended (null while running)."),
    "recorded_at": (pa.timestamp("us", tz="UTC"), "When this row was written."),
    "user": (pa.string(), "Who started the run, when known."),
    "error": (pa.string(), "Why the run did not succeed (null otherwise)."),
    "spec_yaml": (pa.string(), "The full spec as YAML: rerunning it regenerates the data."),
}
SCHEMA = pa.schema(
    [pa.field(name, kind, metadata={"comment": text}) for name, (kind, text) in COLUMNS.items()]
)


def now() -> datetime:
    return datetime.now(UTC)


class RunManifest:
    """The manifest of the target stored at ``schema_path``."""

    def __init__(self, schema_path: Path) -> None:
        self.path = schema_path / MANIFEST_TABLE

    def started(
        self, run_id: str, spec: GenerationSpec, user: str | None, started_at: datetime
    ) -> dict[str, object]:
        """Append the ``running`` row of a run; returns it (the base of its final row)."""
        row: dict[str, object] = {
            "run_id": run_id,
            "status": RUNNING,
            "mode": spec.output.mode,
            "seed": spec.seed,
            "spec_fingerprint": spec.fingerprint(),
            "table_rows": None,
            "started_at": started_at,
            "ended_at": None,
            "user": user,
            "error": None,
            "spec_yaml": spec_to_yaml(spec),
        }
        self._append(row)
        return row

    def finished(
        self,
        running: Mapping[str, object],
        status: str,
        rows: Mapping[str, int] | None = None,
        error: str | None = None,
    ) -> None:
        """Append the final row of the run whose ``running`` row is given."""
        if status not in FINAL_STATUSES:
            raise ValueError(f"status {status!r}: expected one of {', '.join(FINAL_STATUSES)}")
        table_rows = None if rows is None else json.dumps(dict(rows), sort_keys=True)
        final = {**running, "status": status, "table_rows": table_rows, "error": error}
        self._append(final | {"ended_at": now()})

    def runs(self) -> dict[str, dict[str, object]]:
        """Every run's latest row (its final row if any, else its ``running`` row)."""
        if not DeltaTable.is_deltatable(str(self.path)):
            return {}
        rows = DeltaTable(str(self.path)).to_pyarrow_table().to_pylist()
        latest: dict[str, dict[str, object]] = {}
        for row in sorted(rows, key=lambda r: (r["status"] != RUNNING, r["recorded_at"])):
            latest[str(row["run_id"])] = row
        return latest

    def running(self) -> list[dict[str, object]]:
        """Runs with no final row: alive only if someone holds the target's lock."""
        return [row for row in self.runs().values() if row["status"] == RUNNING]

    def _append(self, row: Mapping[str, object]) -> None:
        batch = pa.Table.from_pylist([{**row, "recorded_at": now()}], schema=SCHEMA)
        new = not DeltaTable.is_deltatable(str(self.path))
        write_deltalake(
            str(self.path),
            batch,
            mode="append",
            name=MANIFEST_TABLE if new else None,
            description="idgraph run manifest: one row when a run starts, one when it ends."
            if new
            else None,
        )
