"""A spec written by `idgraph spec from-text` generates: every table, the brief's states."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from deltalake import DeltaTable

from generators.run.service import run_generation
from generators.spec.io import load_spec

IDGRAPH = str(Path(sys.executable).with_name("idgraph"))
BRIEF = "300 affluent families in Texs and Florida, parents 35 to 54, heavy CTV, Q1 2026, seed 9"


def test_the_written_spec_generates(spark, tmp_path: Path):
    spec_file = tmp_path / "spec.yaml"
    written = subprocess.run(
        [IDGRAPH, "spec", "from-text", BRIEF, "-o", str(spec_file)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert written.returncode == 0, written.stderr
    warehouse = tmp_path / "warehouse"
    result = run_generation(load_spec(spec_file), warehouse=warehouse, spark=spark, validate=False)
    assert all(rows > 0 for rows in result.rows.values()), result.rows
    households = DeltaTable(str(warehouse / "bryan_li" / "synthetic_identity" / "households"))
    table = households.to_pyarrow_table(columns=["state"])
    assert table.num_rows == 300
    assert set(table.column("state").to_pylist()) == {"TX", "FL"}
