"""The expected wall time of a run, from its expected rows (``generators.tables.expected``) and
measured throughput.

Times come from ``data/throughput.yaml``: rows per CPU-second of each table, measured by the
benchmark (``python -m bench.run``, then ``python -m bench.throughput``). The model is linear:
a table takes ``rows / (rate × cores)`` seconds, validation ``total rows / (rate × cores)``,
plus a fixed Spark start-up. It assumes every core works on the table all the time and nothing
else loads the machine, so real runs are slower with few rows per core (fixed Spark costs
dominate) or on a shared machine.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from generators.tables.expected import Estimate

THROUGHPUT_FILE = Path(__file__).parent / "data" / "throughput.yaml"


@dataclass(frozen=True)
class Throughput:
    """Measured speed: rows per second for one core of the measuring machine, per table and for
    validation (rows of all tables), plus the fixed Spark start-up in seconds."""

    rows_per_core_second: dict[str, float]
    validation_rows_per_core_second: float
    startup_seconds: float
    measured_on: str


@dataclass(frozen=True)
class TimeEstimate:
    """Expected seconds per table (only tables with a measured rate) on ``cores`` cores."""

    cores: int
    table_seconds: dict[str, float]
    validation_seconds: float
    startup_seconds: float
    measured_on: str

    @property
    def total(self) -> float:
        return sum(self.table_seconds.values()) + self.validation_seconds + self.startup_seconds


def load_throughput(path: Path | None = None) -> Throughput | None:
    """The measured throughput (default ``THROUGHPUT_FILE``), or None when there is no file."""
    path = path or THROUGHPUT_FILE
    if not path.exists():
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return Throughput(
        rows_per_core_second={t: float(r) for t, r in data["rows_per_core_second"].items()},
        validation_rows_per_core_second=float(data["validation_rows_per_core_second"]),
        startup_seconds=float(data["startup_seconds"]),
        measured_on=f"{data['machine']}, {data['date']}, up to {data['households']:,} households",
    )


def expected_seconds(result: Estimate, throughput: Throughput, cores: int) -> TimeEstimate:
    """Linear in rows and in cores (see the module docstring); ``cores`` must be >= 1."""
    if cores < 1:
        raise ValueError("cores must be at least 1")
    rates = throughput.rows_per_core_second
    return TimeEstimate(
        cores=cores,
        table_seconds={
            table: rows / (rates[table] * cores)
            for table, rows in result.rows.items()
            if rates.get(table)
        },
        validation_seconds=result.total / (throughput.validation_rows_per_core_second * cores),
        startup_seconds=throughput.startup_seconds,
        measured_on=throughput.measured_on,
    )


def render_estimate(result: Estimate, timing: TimeEstimate | None = None) -> str:
    """A plain table: table, expected rows (and expected time when ``timing`` is given), then
    the total; with ``timing`` also Spark start-up, validation and the assumption behind it."""
    width = max(len(t) for t in result.rows) + 2
    header = f"{'table':<{width}}{'expected rows':>15}"
    if timing is None:
        lines = [header]
        lines += [f"{table:<{width}}{rows:>15,}" for table, rows in result.rows.items()]
        lines.append(f"{'total':<{width}}{result.total:>15,}")
        return "\n".join(lines)
    lines = [f"{header}{'expected time':>15}"]
    for table, rows in result.rows.items():
        seconds = timing.table_seconds.get(table)
        lines.append(f"{table:<{width}}{rows:>15,}{_duration(seconds):>15}")
    lines.append(f"{'spark start-up':<{width}}{'':>15}{_duration(timing.startup_seconds):>15}")
    lines.append(f"{'validation':<{width}}{'':>15}{_duration(timing.validation_seconds):>15}")
    lines.append(f"{'total':<{width}}{result.total:>15,}{_duration(timing.total):>15}")
    lines.append(f"times for {timing.cores} cores, scaled linearly from throughput per core")
    lines.append(f"measured on {timing.measured_on}; assumes every core busy and no other load")
    return "\n".join(lines)


def _duration(seconds: float | None) -> str:
    """``-`` when unknown, else ``< 1 s``, ``42 s``, ``3 min 05 s`` or ``2 h 07 min``."""
    if seconds is None:
        return "-"
    whole = round(seconds)
    if whole < 1:
        return "< 1 s"
    if whole < 60:
        return f"{whole} s"
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    return f"{whole // 3600} h {whole % 3600 // 60:02d} min"
