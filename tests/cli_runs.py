"""`idgraph generate` as a subprocess, for tests that kill, interrupt or race real runs.

Each run gets its own process group (so its Spark JVM dies with it) and a small driver heap;
its stdout and stderr go to files in its own ``log`` folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import psutil
from deltalake import DeltaTable

IDGRAPH = str(Path(sys.executable).with_name("idgraph"))
DEADLINE_SECONDS = 600


class CliRun:
    """One running `idgraph generate`; ``out``/``err`` are its streams once it ended."""

    def __init__(self, log: Path, spec_file: Path, warehouse: Path, *extra: str, **env: str):
        self.log = log
        log.mkdir()
        command = [IDGRAPH, "generate", str(spec_file), "--warehouse", str(warehouse)]
        command += ["--master", "local[2]", "--no-validate", *extra]
        self.process = subprocess.Popen(
            command,
            stdout=(self.log / "out").open("w"),
            stderr=(self.log / "err").open("w"),
            env={**os.environ, "IDGRAPH_DRIVER_MEMORY_MB": "1024", **env},
            start_new_session=True,
        )

    def java_options(self) -> str:
        """The command line of the run's JVM (empty before it started)."""
        children = psutil.Process(self.process.pid).children(recursive=True)
        return " ".join(" ".join(c.cmdline()) for c in children if "java" in c.name())

    def wait(self) -> int:
        return self.process.wait(timeout=DEADLINE_SECONDS)

    def signal(self, signum: int) -> None:
        """Send ``signum`` to the run's main process only."""
        self.process.send_signal(signum)

    def interrupt(self) -> None:
        """Ctrl-C as a terminal sends it: SIGINT to the whole process group (JVM included)."""
        os.killpg(self.process.pid, signal.SIGINT)

    def kill(self) -> int:
        """kill -9 the run and its process group (its Spark JVM); returns the exit status."""
        os.killpg(self.process.pid, signal.SIGKILL)
        return self.wait()

    @property
    def err(self) -> str:
        return (self.log / "err").read_text()

    @property
    def out(self) -> str:
        return (self.log / "out").read_text()


def wait_until(condition: Callable[[], bool], run: CliRun | None = None) -> None:
    """Poll ``condition`` until it holds; fail if ``run`` ends first or the deadline passes."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not condition():
        if run is not None and run.process.poll() is not None:
            raise AssertionError(f"run ended early ({run.process.returncode}): {run.err[-2000:]}")
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached before the deadline")
        time.sleep(0.2)


def staging_exists(schema_path: Path) -> bool:
    """Some table of the schema has a run's staging folder with files in it."""
    return any(run.is_dir() and any(run.iterdir()) for run in schema_path.glob("*/_staging/*"))


def delta_version(path: Path) -> int | None:
    return DeltaTable(str(path)).version() if DeltaTable.is_deltatable(str(path)) else None
