"""Write ``generators/run/data/throughput.yaml`` (what ``idgraph estimate`` times from) from
``bench/results.json``: ``python -m bench.throughput``.

Invariants: a table's rate comes from the largest scale at which that table was measured (a run
stopped at a deadline still measured the tables it finished); validation and start-up come from
the largest complete run. A rate is rows per CPU-second (CPU time of the JVM and the driver
while the table was built and staged): the speed of one fully available core, which a shared
machine's wall clock would understate. Rates include each table's fixed costs (planning, code
generation), so they are conservative for scales larger than the one measured.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import yaml

from bench.run import RESULTS_JSON

THROUGHPUT_YAML = (
    Path(__file__).resolve().parent.parent / "generators" / "run" / "data" / "throughput.yaml"
)
HEADER = """\
# Measured throughput behind `idgraph estimate`'s expected times (generators/run/estimate.py).
# Written by `python -m bench.throughput` from bench/results.json; do not edit by hand.
# rows_per_core_second: rows per CPU-second (JVM + driver) of each table, measured at the
# largest scale that table was measured at (measured_at_households);
# validation_rows_per_core_second: rows of all tables validated per CPU-second;
# validation and startup_seconds (wall time from the call to the first table: JVM start, lock,
# recovery) come from the largest complete run.
"""


def throughput_data(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The YAML content for benchmark ``runs`` (any order; at least one complete)."""
    ordered = sorted(runs, key=lambda run: run["scale"], reverse=True)
    complete = next(run for run in ordered if run.get("complete", True))
    rates: dict[str, float] = {}
    measured_at: dict[str, int] = {}
    for run in ordered:
        for t in run["tables"]:
            if t["table"] not in rates and t["rows_per_cpu_s"]:
                rates[t["table"]] = round(t["rows_per_cpu_s"], 1)
                measured_at[t["table"]] = run["scale"]
    m = complete["machine"]
    return {
        "machine": f"{m['cores']} cores {m['cpu_model']}, {m['ram_bytes'] / 2**30:.0f} GB",
        "date": max(run["date"] for run in runs)[:10],
        "households": max(measured_at.values()),
        "rows_per_core_second": rates,
        "measured_at_households": measured_at,
        "validation_rows_per_core_second": round(
            complete["total_rows"] / complete["validation_cpu_seconds"], 1
        ),
        "startup_seconds": round(complete["startup_seconds"], 1),
    }


def main(argv: list[str] | None = None) -> int:
    argparse.ArgumentParser(prog="python -m bench.throughput", description=__doc__).parse_args(argv)
    runs = list(json.loads(RESULTS_JSON.read_text())["runs"].values())
    text = HEADER + yaml.safe_dump(throughput_data(runs), sort_keys=False)
    THROUGHPUT_YAML.write_text(text, encoding="utf-8")
    print(f"wrote {THROUGHPUT_YAML}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
