"""Benchmark: the default spec at several household counts, through ``run_generation``.

    .venv/bin/python -m bench.run --scales 10000,100000,1000000

Each scale runs in a fresh child process (a fresh JVM, its own peak-memory counters): the
default spec (``idgraph spec init``) with only ``households.count`` changed, generated on local
Spark with every core into a scratch warehouse (``bench/out``, gitignored), then validated.
Recorded per table: rows, seconds, rows/s and bytes from the pipeline's ``TableDone`` events, and
the CPU seconds of the JVM and driver meanwhile; per run: wall time (JVM start to validation end),
validation time, peak RSS of the JVM and of Python, the load average and the share of the
machine's CPU used by other processes (the machine may be shared: CPU seconds are the fair
measure then).

After the run, each table's machine limit is measured without Spark: up to ``--sample-rows``
rows of the generated table are tiled to ``min(rows, --limit-rows)`` and written as snappy
Parquet (Spark's default codec) by one pyarrow writer per core.

Results merge into ``bench/results.json`` by scale (a run of some scales keeps the others), and
``bench/RESULTS.md`` is regenerated from that JSON (``bench.report``).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from importlib.metadata import version
from pathlib import Path
from typing import Any

import psutil

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH_DIR / "out"
RESULTS_JSON = BENCH_DIR / "results.json"
RESULTS_MD = BENCH_DIR / "RESULTS.md"
SAMPLE_SECONDS = 0.25


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.single is not None:
        result = measure_scale(args.single, args)
        Path(args.result_file).write_text(json.dumps(result, indent=2))
        return 0
    from bench.report import merge_results

    for scale in [] if args.render_only else _scales(args.scales):
        print(f"bench: {scale:,} households ...", file=sys.stderr, flush=True)
        result = _run_child(scale, args)
        if result is None:
            print(f"bench: {scale:,} failed before any table; nothing recorded", file=sys.stderr)
            continue
        merge_results(RESULTS_JSON, result)
        state = "done" if result["complete"] else "stopped (partial results recorded)"
        print(f"bench: {scale:,} {state} after {result['wall_seconds']:.1f} s", file=sys.stderr)
        _render()
    _render()
    return 0


def _render() -> None:
    from bench.report import render_markdown

    previous = RESULTS_MD.read_text() if RESULTS_MD.exists() else None
    RESULTS_MD.write_text(render_markdown(json.loads(RESULTS_JSON.read_text()), previous))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--scales", default="10000,100000", help="household counts, comma-separated"
    )
    parser.add_argument(
        "--out", default=str(DEFAULT_OUT), help="scratch warehouse (wiped per scale)"
    )
    parser.add_argument("--master", default="local[*]", help="local Spark master")
    parser.add_argument("--limit-rows", type=int, default=5_000_000, help="cap of the limit write")
    parser.add_argument("--sample-rows", type=int, default=1_000_000, help="rows read to tile")
    parser.add_argument("--no-limit", action="store_true", help="skip the pyarrow machine limit")
    parser.add_argument("--keep", action="store_true", help="keep the generated tables")
    parser.add_argument("--render-only", action="store_true", help="only rewrite RESULTS.md")
    parser.add_argument(
        "--at-commit",
        metavar="REV",
        help="benchmark the code of this git commit (exported to /tmp) instead of the working tree",
    )
    parser.add_argument(
        "--overlay",
        action="append",
        default=[],
        metavar="PATH",
        help="with --at-commit: also take this file from the working tree (repeatable)",
    )
    parser.add_argument("--deadline", metavar="HH:MM", help="stop the run at this UTC time")
    parser.add_argument("--source", help=argparse.SUPPRESS)
    parser.add_argument("--single", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--result-file", help=argparse.SUPPRESS)
    return parser


def _scales(text: str) -> list[int]:
    return [int(part.replace("_", "")) for part in text.split(",") if part.strip()]


def _run_child(scale: int, args: argparse.Namespace) -> dict[str, Any] | None:
    """``measure_scale`` in a fresh interpreter, so memory peaks and the JVM are per scale.

    At ``--deadline`` the child's whole process group (JVM included) is stopped and its partial
    result returned (None when it finished no table)."""
    with tempfile.NamedTemporaryFile(suffix=".json", delete=False) as handle:
        result_file = handle.name
    command = [sys.executable, "-m", "bench.run", "--single", str(scale)]
    command += ["--result-file", result_file, "--out", args.out, "--master", args.master]
    command += ["--limit-rows", str(args.limit_rows), "--sample-rows", str(args.sample_rows)]
    command += ["--no-limit"] * args.no_limit + ["--keep"] * args.keep
    folder, source = _source_tree(args)
    child = subprocess.Popen([*command, "--source", source], cwd=folder, start_new_session=True)
    try:
        child.wait(timeout=_seconds_until(args.deadline))
    except subprocess.TimeoutExpired:
        print(f"bench: deadline {args.deadline} UTC reached, stopping", file=sys.stderr)
        _stop_group(child)
    finally:
        if folder != BENCH_DIR.parent:
            shutil.rmtree(folder, ignore_errors=True)
        if not args.keep:
            shutil.rmtree(Path(args.out) / f"h{scale}", ignore_errors=True)
    text = Path(result_file).read_text()
    os.unlink(result_file)
    result = json.loads(text) if text else None
    if child.returncode != 0 and result is not None:
        result["complete"] = False
    return result


def _seconds_until(deadline: str | None) -> float | None:
    """Seconds from now to the next ``HH:MM`` UTC: today's, or tomorrow's once today's has
    passed (None: no deadline)."""
    if not deadline:
        return None
    hour, minute = (int(part) for part in deadline.split(":"))
    now = datetime.now(UTC)
    target = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    if target <= now:
        target += timedelta(days=1)
    return (target - now).total_seconds()


def _stop_group(child: subprocess.Popen[bytes]) -> None:
    """SIGTERM the child's process group (it started its own), SIGKILL after 20 s."""
    os.killpg(child.pid, signal.SIGTERM)
    try:
        child.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()


def _source_tree(args: argparse.Namespace) -> tuple[Path, str]:
    """The folder the child imports ``generators`` from, and a description of that code.

    The working tree by default; with ``--at-commit`` an export of that commit plus ``bench/``
    and the ``--overlay`` files, so engineers editing the working tree cannot change the code
    under measurement halfway through a run."""
    repo = BENCH_DIR.parent
    head = _git(repo, "rev-parse", "--short", "HEAD")
    if not args.at_commit:
        dirty = bool(_git(repo, "status", "--porcelain", "--untracked-files=no"))
        return repo, f"working tree at {head}" + (" with uncommitted changes" if dirty else "")
    commit = _git(repo, "rev-parse", "--short", args.at_commit)
    folder = Path(tempfile.mkdtemp(prefix=f"idgraph-bench-{commit}-"))
    archive = subprocess.run(
        ["git", "archive", commit], cwd=repo, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    for path in [*BENCH_DIR.glob("*.py"), *(repo / p for p in args.overlay)]:
        target = folder / path.relative_to(repo)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)
    overlay = f" + working-tree {', '.join(args.overlay)}" if args.overlay else ""
    return folder, f"commit {commit}{overlay}"


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=repo, check=True, capture_output=True, text=True
    ).stdout.strip()


def measure_scale(scale: int, args: argparse.Namespace) -> dict[str, Any]:
    """Generate and validate the default spec at ``scale`` households; the measurements.

    After every table the measurements so far go to ``args.result_file`` with ``complete``
    false, so a run stopped at a deadline still reports the tables it finished."""
    from generators.run.events import (
        RunFinished,
        RunStarted,
        TableDone,
        TableStarted,
        ValidationDone,
    )
    from generators.run.service import run_generation
    from generators.spec import GenerationSpec
    from generators.spec.io import parse_spec, parse_spec_text, spec_to_yaml

    defaults = parse_spec_text(spec_to_yaml(GenerationSpec()))  # what `idgraph spec init` writes
    spec = parse_spec(defaults, [f"households.count={scale}"])
    warehouse = Path(args.out) / f"h{scale}"
    shutil.rmtree(warehouse, ignore_errors=True)
    marks: dict[str, float] = {}
    tables: list[dict[str, Any]] = []
    sampler = ResourceSampler()

    def on_event(event: object) -> None:
        now = time.perf_counter()
        if isinstance(event, RunStarted):
            marks["run_started"] = now
        elif isinstance(event, TableStarted):
            marks["table_cpu"] = sampler.cpu_seconds()
        elif isinstance(event, TableDone):
            marks["last_table_done"] = now
            tables.append(_table_row(event, sampler.cpu_seconds() - marks["table_cpu"]))
            partial = _summary(scale, args, marks, tables, sampler.snapshot(), complete=False)
            _write_atomically(Path(args.result_file), json.dumps(partial, indent=2))
        elif isinstance(event, RunFinished):
            marks["run_finished"] = now
            marks["validation_cpu"] = sampler.cpu_seconds()
        elif isinstance(event, ValidationDone):
            marks["validation_done"] = now
            marks["validation_cpu"] = sampler.cpu_seconds() - marks["validation_cpu"]
            marks["validation_passed"] = float(event.passed)

    sampler.start()
    marks["started"] = time.perf_counter()
    result = run_generation(  # one run per process, as `idgraph generate` runs it
        spec,
        warehouse=warehouse,
        on_event=on_event,
        master=args.master,
        report_dir=None,
        short_run=True,
    )
    marks["finished"] = time.perf_counter()
    usage = sampler.stop()
    _stop_spark()
    if not args.no_limit:
        for row in tables:
            path = Path(result.location) / row["table"]
            row["limit"] = machine_limit(path, row["rows"], args.limit_rows, args.sample_rows)
            row["fraction_of_limit"] = _ratio(row["rows_per_s"], row["limit"]["rows_per_s"])
            row["cpu_fraction_of_limit"] = _ratio(
                row["rows_per_cpu_s"] or 0, row["limit"]["rows_per_cpu_s"] or 0
            )
    if not args.keep:
        shutil.rmtree(warehouse, ignore_errors=True)
    return _summary(scale, args, marks, tables, usage, complete=True)


def _summary(
    scale: int,
    args: argparse.Namespace,
    marks: dict[str, float],
    tables: list[dict[str, Any]],
    usage: dict[str, Any],
    *,
    complete: bool,
) -> dict[str, Any]:
    """The result record of a run; when not ``complete``, run-level times cover what is done
    (wall = elapsed so far) and validation fields are None."""
    started = marks["started"]
    end = marks.get("finished", time.perf_counter())
    return {
        "scale": scale,
        "complete": complete,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "source": args.source,
        "master": args.master,
        "spark_cores": _spark_cores(args.master),
        "machine": machine_info(),
        "versions": versions(),
        "wall_seconds": end - started,
        "startup_seconds": marks.get("run_started", end) - started,
        "tables_seconds": sum(t["seconds"] for t in tables),
        "commit_seconds": _between(marks, "last_table_done", "run_finished"),
        "validation_seconds": _between(marks, "run_finished", "validation_done"),
        "validation_cpu_seconds": marks.get("validation_cpu") if complete else None,
        "validation_passed": bool(marks["validation_passed"]) if complete else None,
        "total_rows": sum(t["rows"] for t in tables),
        "total_bytes": sum(t["bytes"] for t in tables),
        **usage,
        "tables": tables,
    }


def _write_atomically(path: Path, text: str) -> None:
    """Replace ``path`` whole, so a run stopped mid-write leaves the previous version."""
    partial = path.with_suffix(".partial")
    partial.write_text(text)
    os.replace(partial, path)


def _between(marks: dict[str, float], first: str, last: str) -> float | None:
    return marks[last] - marks[first] if first in marks and last in marks else None


def _table_row(event: Any, cpu_seconds: float) -> dict[str, Any]:
    """One table's measurements; ``cpu_seconds`` is the CPU time the JVM and this process spent
    on it (robust to other load on a shared machine, unlike ``seconds``)."""
    return {
        "table": event.table,
        "rows": event.rows,
        "seconds": event.seconds,
        "rows_per_s": _ratio(event.rows, event.seconds),
        "cpu_seconds": cpu_seconds,
        "rows_per_cpu_s": _ratio(event.rows, cpu_seconds),
        "bytes": event.bytes,
    }


def _ratio(a: float, b: float) -> float | None:
    return a / b if b else None


def _stop_spark() -> None:
    from pyspark.sql import SparkSession

    spark = SparkSession.getActiveSession()
    if spark is not None:
        spark.stop()


def _spark_cores(master: str) -> int:
    from generators.spark.session import local_cores

    return local_cores(master) or os.cpu_count() or 1


class ResourceSampler:
    """Samples, every ``SAMPLE_SECONDS`` on a daemon thread, the RSS of this process's children
    (the JVM), the 1-minute load average and CPU times. ``stop`` returns peaks and averages.

    ``other_cpu_share`` = (busy CPU time of the machine − CPU time of this process tree) /
    (wall × cores): how much of the machine other processes took during the run."""

    def __init__(self) -> None:
        self.me = psutil.Process()
        self.children: dict[int, psutil.Process] = {}
        self.child_cpu: dict[int, float] = {}
        self.peak_jvm = 0
        self.loads: list[float] = []
        self.done = threading.Event()
        self.thread = threading.Thread(target=self._loop, name="bench-sampler", daemon=True)

    def start(self) -> None:
        self.started = time.perf_counter()
        self.cpu_start = _busy_cpu_seconds()
        self.own_start = _own_cpu_seconds(self.me)
        self.thread.start()

    def stop(self) -> dict[str, Any]:
        self.done.set()
        self.thread.join()
        self._sample()
        return self.snapshot()

    def snapshot(self) -> dict[str, Any]:
        """Peaks and averages so far (``stop`` returns the final ones)."""
        wall = time.perf_counter() - self.started
        ours = _own_cpu_seconds(self.me) - self.own_start + sum(self.child_cpu.values())
        others = _busy_cpu_seconds() - self.cpu_start - ours
        peak_python = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
        loads = self.loads or [os.getloadavg()[0]]
        return {
            "peak_jvm_rss_bytes": self.peak_jvm,
            "peak_python_rss_bytes": peak_python,
            "peak_total_rss_bytes": self.peak_jvm + peak_python,
            "load_avg_1m": {
                "min": min(loads),
                "mean": sum(loads) / len(loads),
                "max": max(loads),
            },
            "cpu_seconds_ours": ours,
            "other_cpu_share": max(0.0, others / (wall * (os.cpu_count() or 1))),
        }

    def cpu_seconds(self) -> float:
        """CPU time used so far by this process and its children (the JVM)."""
        total = _own_cpu_seconds(self.me)
        for child in self.me.children(recursive=True):
            try:
                total += _own_cpu_seconds(child)
            except psutil.Error:
                continue
        return total

    def _loop(self) -> None:
        while not self.done.wait(SAMPLE_SECONDS):
            self._sample()

    def _sample(self) -> None:
        self.loads.append(os.getloadavg()[0])
        for child in self.me.children(recursive=True):
            self.children.setdefault(child.pid, child)
        rss = 0
        for pid, child in self.children.items():
            try:
                rss += child.memory_info().rss
                times = child.cpu_times()
                self.child_cpu[pid] = times.user + times.system
            except psutil.Error:
                continue
        self.peak_jvm = max(self.peak_jvm, rss)


def _busy_cpu_seconds() -> float:
    times = psutil.cpu_times()
    return sum(times) - times.idle - getattr(times, "iowait", 0.0)


def _own_cpu_seconds(process: psutil.Process) -> float:
    times = process.cpu_times()
    return times.user + times.system


def machine_limit(table_dir: Path, rows: int, cap: int, sample: int) -> dict[str, Any]:
    """Rows/s of pyarrow writing ``min(rows, cap)`` rows of this table's data and schema as
    snappy Parquet, one writer thread per core, no Spark.

    Invariant: the written rows are the table's own rows (the first ``sample`` of them,
    repeated), so schema, value widths and compressibility match what Spark wrote."""
    import pyarrow as pa
    import pyarrow.dataset as ds
    import pyarrow.parquet as pq
    from deltalake import DeltaTable

    files = DeltaTable(str(table_dir)).file_uris()
    source = ds.dataset(files, format="parquet").head(min(rows, sample))
    target = min(rows, cap)
    if target == 0 or source.num_rows == 0:
        return {"rows": 0, "seconds": 0.0, "rows_per_s": None, "rows_per_cpu_s": None, "bytes": 0}
    copies = -(-target // source.num_rows)
    data = pa.concat_tables([source] * copies).slice(0, target).combine_chunks()
    writers = min(os.cpu_count() or 1, target)
    bounds = [target * i // writers for i in range(writers + 1)]
    folder = Path(tempfile.mkdtemp(prefix="limit-", dir=table_dir.parent.parent.parent))
    paths = [folder / f"part-{i}.parquet" for i in range(writers)]

    def write(i: int) -> None:
        part = data.slice(bounds[i], bounds[i + 1] - bounds[i])
        pq.write_table(part, paths[i], compression="snappy")

    me = psutil.Process()
    started, cpu_started = time.perf_counter(), _own_cpu_seconds(me)
    with ThreadPoolExecutor(writers) as pool:
        list(pool.map(write, range(writers)))
    seconds, cpu = time.perf_counter() - started, _own_cpu_seconds(me) - cpu_started
    written = sum(p.stat().st_size for p in paths)
    shutil.rmtree(folder)
    return {
        "rows": target,
        "seconds": seconds,
        "rows_per_s": target / seconds,
        "cpu_seconds": cpu,
        "rows_per_cpu_s": _ratio(target, cpu),
        "bytes": written,
    }


def machine_info() -> dict[str, Any]:
    """Cores, RAM, CPU model and OS of this machine."""
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    os_name = platform.platform()
    release = Path("/etc/os-release")
    if release.exists():
        fields = dict(
            line.split("=", 1) for line in release.read_text().splitlines() if "=" in line
        )
        os_name = f"{fields.get('PRETTY_NAME', '').strip(chr(34))} (Linux {platform.release()})"
    return {
        "cores": os.cpu_count(),
        "ram_bytes": psutil.virtual_memory().total,
        "cpu_model": model,
        "os": os_name,
    }


def versions() -> dict[str, str]:
    """Versions of Python and the libraries that do the work."""
    found = {"python": platform.python_version()}
    for package in ("pyspark", "deltalake", "pyarrow"):
        found[package] = version(package)
    java = shutil.which("java", path=os.path.join(os.environ.get("JAVA_HOME", ""), "bin"))
    if java:
        probe = subprocess.run([java, "-version"], capture_output=True, text=True, check=False)
        found["java"] = (probe.stderr.splitlines() or [""])[0]
    return found


if __name__ == "__main__":
    sys.exit(main())
