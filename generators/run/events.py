"""Typed progress events of a generation run.

The pipeline reports only through an ``EventSink``; generators never print. A run emits
``RunStarted``, then per table ``TableStarted``, any number of ``TableProgress`` and
``TableDone``, then ``RunFinished`` once every table is committed, or ``RunFailed`` instead of
the rest when anything fails. A run executed as a Databricks Jobs run (followed from the app)
emits ``RunStarted``, a ``JobState`` per observed change of the run's state, then
``RunFinished`` (no rows: they are counted on Databricks) or ``RunFailed``. Seconds are
wall-clock durations of the run, never data.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class RunStarted:
    run_id: str
    tables: tuple[str, ...]
    expected_rows: Mapping[str, int | None]


@dataclass(frozen=True)
class TableStarted:
    table: str
    expected_rows: int | None


@dataclass(frozen=True)
class TableProgress:
    """``fraction`` in [0, 1) grows monotonically; ``rows_done`` is fraction × expected rows."""

    table: str
    fraction: float
    rows_done: int | None


@dataclass(frozen=True)
class TableDone:
    """The table is staged (written, not yet visible); rows are read from the file footers."""

    table: str
    rows: int
    seconds: float
    bytes: int


@dataclass(frozen=True)
class ValidationDone:
    passed: bool
    report_path: str | None


@dataclass(frozen=True)
class RunFailed:
    """``table`` is the table being built, or None when the failure is outside one (commit)."""

    table: str | None
    error: str


@dataclass(frozen=True)
class RunFinished:
    run_id: str
    rows: Mapping[str, int]
    seconds: float


@dataclass(frozen=True)
class JobState:
    """The Databricks Jobs run executing the generation changed state: ``life_cycle_state``
    (PENDING, RUNNING, TERMINATING, TERMINATED, ...), ``result_state`` once it ended (SUCCESS,
    FAILED, CANCELED, ...), Databricks' ``message`` and the run page."""

    job_run_id: int
    life_cycle_state: str
    result_state: str | None
    message: str
    run_page_url: str | None


Event = (
    RunStarted
    | TableStarted
    | TableProgress
    | TableDone
    | ValidationDone
    | RunFailed
    | RunFinished
    | JobState
)
EventSink = Callable[[Event], None]


def describe_error(error: BaseException) -> str:
    """The error type and the first line of its message (Spark messages run long)."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0]}" if lines else type(error).__name__
