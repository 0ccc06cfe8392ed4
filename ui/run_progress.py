"""The state of a running generation, folded from the pipeline's progress events.

Pure (no Chainlit): ``RunProgress.apply(event)`` for every event, in emission order, then read
per-table statuses, the overall fraction and the throughput. Invariants: the overall fraction only
grows and stays in [0, 1]; it reaches 1 only when every table is done (``RunFinished`` marks every
table done and sets the rows it carries: a Databricks Jobs run reports no per-table events, only
``JobState``, then its rows in ``RunFinished``). Tables weigh by their expected rows (equal weights when the pipeline gives none). Wall-clock time is used only to show
rows per second, never in data.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from generators.run.events import (
    Event,
    JobState,
    RunFailed,
    RunFinished,
    RunStarted,
    TableDone,
    TableProgress,
    TableStarted,
    ValidationDone,
)

READY, RUNNING, DONE, FAILED = "ready", "running", "done", "failed"


@dataclass
class TableState:
    """One table's progress: ``status`` is ready, running, done or failed."""

    name: str
    expected_rows: int | None = None
    status: str = READY
    fraction: float = 0.0
    rows: int = 0
    seconds: float | None = None


class RunProgress:
    """Folds events into per-table states and an overall outcome."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._started = clock()
        self.run_id: str | None = None
        self.tables: dict[str, TableState] = {}
        self.outcome: str = RUNNING  # running, done (tables committed) or failed
        self.error: str | None = None
        self.validation_passed: bool | None = None
        self.job: JobState | None = None
        """The latest state of the Databricks Jobs run, when the run is one."""
        self._fraction = 0.0
        self._ended: float | None = None

    def apply(self, event: Event) -> None:
        """Update the state with one event."""
        if isinstance(event, RunStarted):
            self.run_id = event.run_id
            self._started = self._clock()
            self._fraction = 0.0
            self.tables = {
                name: TableState(name, event.expected_rows.get(name)) for name in event.tables
            }
        elif isinstance(event, TableStarted):
            state = self._table(event.table)
            state.status = RUNNING
            state.expected_rows = event.expected_rows or state.expected_rows
        elif isinstance(event, TableProgress):
            state = self._table(event.table)
            state.status = RUNNING
            state.fraction = max(state.fraction, min(event.fraction, 1.0))
            state.rows = max(state.rows, event.rows_done or 0)
        elif isinstance(event, TableDone):
            state = self._table(event.table)
            state.status, state.fraction = DONE, 1.0
            state.rows, state.seconds = event.rows, event.seconds
        elif isinstance(event, ValidationDone):
            self.validation_passed = event.passed
        elif isinstance(event, RunFailed):
            self.outcome, self.error = FAILED, event.error
            self._ended = self._clock()
            if event.table is not None:
                self._table(event.table).status = FAILED
        elif isinstance(event, RunFinished):
            self.outcome, self._ended = DONE, self._clock()
            for state in self.tables.values():
                if state.status != FAILED:
                    state.status, state.fraction = DONE, 1.0
            for name, rows in event.rows.items():  # a Jobs run's only report of its rows
                self._table(name).rows = rows
        elif isinstance(event, JobState):
            self.job = event
        self._fraction = max(self._fraction, self._weighted_fraction())

    def _table(self, name: str) -> TableState:
        return self.tables.setdefault(name, TableState(name))

    @property
    def fraction(self) -> float:
        """Overall progress in [0, 1]; never goes back."""
        return self._fraction

    def _weighted_fraction(self) -> float:
        """Tables weighted by expected rows (equally when any estimate is missing)."""
        by_rows = bool(self.tables) and all(s.expected_rows for s in self.tables.values())
        weights = [float(s.expected_rows or 0) if by_rows else 1.0 for s in self.tables.values()]
        total = sum(weights)
        done = sum(w * s.fraction for w, s in zip(weights, self.tables.values(), strict=True))
        return min(done / total, 1.0) if total else 0.0

    @property
    def rows_done(self) -> int:
        """Rows written so far (exact for finished tables, estimated for running ones)."""
        return sum(state.rows for state in self.tables.values())

    @property
    def elapsed(self) -> float:
        """Seconds since the run started, frozen when it ends."""
        end = self._clock() if self._ended is None else self._ended
        return max(end - self._started, 0.0)

    def rows_per_second(self) -> float:
        elapsed = self.elapsed
        return self.rows_done / elapsed if elapsed > 0 else 0.0

    def running_table(self) -> str | None:
        return next((s.name for s in self.tables.values() if s.status == RUNNING), None)

    def status_line(self) -> str:
        """One Markdown line: percentage, rows, rows per second and the table being built; for a
        Databricks Jobs run, its state, result, Databricks' message and a link to its page."""
        if self.job is not None:
            return job_line(self.job, self.elapsed)
        table = self.running_table()
        where = f" · building `{table}`" if table else ""
        return (
            f"**{self.fraction:.0%}** · {self.rows_done:,} rows · "
            f"{self.rows_per_second():,.0f} rows/s · {self.elapsed:.0f} s{where}"
        )


def job_line(job: JobState, elapsed: float) -> str:
    """``Databricks job run [123](url): **TERMINATED** (SUCCESS) · message · 42 s``."""
    run = f"[{job.job_run_id}]({job.run_page_url})" if job.run_page_url else str(job.job_run_id)
    result = f" ({job.result_state})" if job.result_state else ""
    message = f" · {job.message}" if job.message else ""
    return (
        f"Databricks job run {run}: **{job.life_cycle_state}**{result}{message} · {elapsed:.0f} s"
    )
