"""Progress of the Spark jobs run inside a block, as a fraction of their tasks completed.

Classic sessions: jobs started in the block carry a job group; a background thread polls
``statusTracker()`` and polls once more when the block ends. Spark Connect sessions: a progress
handler registered for the block receives the server's updates (keyword arguments ``stages``,
``inflight_tasks``, ``operation_id``, ``done``) on the thread running the operation. Tasks of
every job (operation) of the block count together. Either way ``report`` receives fractions in
[0, 1] that never decrease, possibly from another thread; it is called at least once for a block
that ran a job.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from pyspark.sql import SparkSession

POLL_SECONDS = 0.5


def is_connect(spark: SparkSession) -> bool:
    """True for Spark Connect sessions (including Databricks Connect)."""
    return type(spark).__module__.startswith("pyspark.sql.connect")


@contextmanager
def tracked(spark: SparkSession, label: str, report: Callable[[float], None]) -> Iterator[None]:
    """Report the progress of the jobs run inside the block; ``label`` names them in Spark."""
    monotone = _Monotone(report)
    track = _connect_progress if is_connect(spark) else _classic_progress
    with track(spark, label, monotone):
        yield


class _Monotone:
    """Forwards a fraction only when it exceeds every fraction forwarded before."""

    def __init__(self, report: Callable[[float], None]) -> None:
        self._report = report
        self._best = -1.0
        self._lock = threading.Lock()

    def __call__(self, fraction: float | None) -> None:
        if fraction is None:
            return
        with self._lock:
            if fraction <= self._best:
                return
            self._best = fraction
        self._report(fraction)


def _fraction(tasks: Iterable[tuple[int, int]]) -> float | None:
    """Completed over total tasks of (total, completed) pairs; None before any task is known."""
    total = completed = 0
    for stage_total, stage_completed in tasks:
        total += stage_total
        completed += stage_completed
    return min(1.0, completed / total) if total else None


@contextmanager
def _classic_progress(spark: SparkSession, label: str, report: _Monotone) -> Iterator[None]:
    context = spark.sparkContext
    tracker = context.statusTracker()
    stop = threading.Event()

    def poll() -> None:
        tasks = []
        for job_id in tracker.getJobIdsForGroup(label):
            job = tracker.getJobInfo(job_id)
            finished = job is not None and job.status == "SUCCEEDED"  # skipped stages count too
            for stage in (tracker.getStageInfo(s) for s in job.stageIds) if job else ():
                if stage is not None:
                    done = stage.numTasks if finished else stage.numCompletedTasks
                    tasks.append((stage.numTasks, done))
        report(_fraction(tasks))

    def loop() -> None:
        while not stop.wait(POLL_SECONDS):
            poll()

    context.setJobGroup(label, f"idgraph {label}")
    poller = threading.Thread(target=loop, name=f"progress {label}", daemon=True)
    poller.start()
    try:
        yield
    finally:
        stop.set()
        poller.join()
        context.setLocalProperty("spark.jobGroup.id", None)  # type: ignore[arg-type]
        context.setLocalProperty("spark.job.description", None)  # type: ignore[arg-type]
    poll()


@contextmanager
def _connect_progress(spark: SparkSession, label: str, report: _Monotone) -> Iterator[None]:
    operations: dict[str | None, list[tuple[int, int]]] = {}

    def handler(
        stages: Any = None, operation_id: str | None = None, done: bool = False, **_: Any
    ) -> None:
        # a finished operation's last update may still list running or skipped stages
        operations[operation_id] = [
            (s.num_tasks, s.num_tasks if done or s.done else s.num_completed_tasks)
            for s in stages or ()
        ]
        report(_fraction(t for tasks in operations.values() for t in tasks))

    spark.registerProgressHandler(handler)
    try:
        yield
    finally:
        spark.removeProgressHandler(handler)
