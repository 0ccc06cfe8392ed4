"""One call to generate a spec's tables: the entry point shared by the CLI, the agent and the app.

``run_generation`` starts (or reuses) the Spark session, stages every table, commits them as
one run, then writes the validation report. Invariants:
- Either every table of the run is committed, or none is (the pipeline discards on failure).
- ``cancel`` stops the run between or during Spark jobs: its jobs carry a per-run tag that is
  interrupted, and the next event raises ``RunCancelled``; nothing is committed.
- Events go to ``on_event`` from the calling thread or Spark's progress thread; callers that
  update a UI must hand them over to their own loop.
- Runs on one target (warehouse/catalog/schema) never interleave: the run holds the target's
  lock (``generators.storage.lock``) from before Spark starts until validation ends; a busy
  target makes it wait (``on_wait`` gets a message) or raise ``TargetBusy``.
- Holding the lock, the run first cleans up after dead runs (``generators.storage.recovery``),
  then logs itself in the run manifest (``generators.storage.manifest``): ``running`` at
  start, then ``succeeded``, ``failed`` or ``cancelled``.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generators.events import Event, EventSink, ValidationDone, describe_error
from generators.spec import GenerationSpec
from generators.storage.lock import lock_timeout, target_lock
from generators.storage.manifest import RunManifest, now

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from generators.pipeline import RunResult
    from generators.storage.local import LocalDeltaWarehouse

DEFAULT_WAREHOUSE = "warehouse"


class RunCancelled(RuntimeError):
    """The user cancelled the run; nothing was committed."""


@dataclass(frozen=True)
class GenerationResult:
    """What a finished run produced and where."""

    run_id: str
    rows: dict[str, int]
    seconds: float
    location: str
    validation_passed: bool | None
    report_dir: str | None


def warehouse_root(warehouse: str | os.PathLike[str] | None = None) -> Path:
    """``warehouse``, else ``$IDGRAPH_WAREHOUSE``, else ``./warehouse``."""
    return Path(warehouse or os.environ.get("IDGRAPH_WAREHOUSE") or DEFAULT_WAREHOUSE).resolve()


def new_run_id() -> str:
    """A unique run id (labels staging folders, reports and table properties, never data)."""
    return uuid.uuid4().hex[:16]


def run_generation(
    spec: GenerationSpec,
    *,
    warehouse: str | os.PathLike[str] | None = None,
    on_event: EventSink | None = None,
    cancel: threading.Event | None = None,
    user: str | None = None,
    validate: bool = True,
    master: str | None = None,
    remote: str | None = None,
    report_dir: str | os.PathLike[str] | None = None,
    on_wait: Callable[[str], None] | None = None,
) -> GenerationResult:
    """Generate, commit and (unless ``validate`` is False) validate every table of ``spec``."""
    from generators.session import get_spark
    from generators.storage.local import LocalDeltaWarehouse
    from generators.storage.recovery import recover_target

    root, catalog, schema = warehouse_root(warehouse), spec.output.catalog, spec.output.schema_name
    target = LocalDeltaWarehouse(root, catalog, schema)
    with target_lock(target.schema_path, timeout=lock_timeout(), on_wait=on_wait):
        manifest = RunManifest(target.schema_path)
        recover_target(target, manifest)
        spark = get_spark(master=master, remote=remote)
        writer = LocalDeltaWarehouse(root, catalog, schema, spark=spark)
        run_id = new_run_id()
        sink = _cancellable(on_event or _ignore, cancel)
        result = _logged_run(spark, spec, writer, sink, run_id, cancel, manifest, user)
        passed, folder = None, None
        if validate:
            passed, folder = _validate(spark, spec, writer, run_id, report_dir)
            sink(ValidationDone(passed, folder))
    return GenerationResult(
        run_id=run_id,
        rows=dict(result.rows),
        seconds=result.seconds,
        location=str(writer.schema_path),
        validation_passed=passed,
        report_dir=folder,
    )


def _logged_run(
    spark: SparkSession,
    spec: GenerationSpec,
    writer: LocalDeltaWarehouse,
    sink: EventSink,
    run_id: str,
    cancel: threading.Event | None,
    manifest: RunManifest,
    user: str | None,
) -> RunResult:
    """The pipeline, logged in the manifest (``running``, then its final status)."""
    from generators.pipeline import run_pipeline

    running = manifest.started(run_id, spec, user, now())
    try:
        with _interruptible(spark, run_id, cancel):
            try:
                result = run_pipeline(spark, spec, writer, sink, run_id)
            except Exception as error:
                if cancel is not None and cancel.is_set():
                    raise RunCancelled("generation cancelled; no table was changed") from error
                raise
    except BaseException as error:
        cancelled = isinstance(error, RunCancelled | KeyboardInterrupt)
        manifest.finished(
            running, "cancelled" if cancelled else "failed", None, describe_error(error)
        )
        raise
    manifest.finished(running, "succeeded", result.rows)
    return result


def _validate(
    spark: SparkSession,
    spec: GenerationSpec,
    writer: LocalDeltaWarehouse,
    run_id: str,
    report_dir: str | os.PathLike[str] | None,
) -> tuple[bool, str]:
    from generators.validate import validate_run

    folder = Path(report_dir) if report_dir else writer.schema_path / "_reports" / run_id
    report = validate_run(spark, writer, spec, folder)
    return report.passed, str(folder)


def _ignore(_: Event) -> None:
    return None


def _cancellable(sink: EventSink, cancel: threading.Event | None) -> EventSink:
    """Forward events; once ``cancel`` is set, raise RunCancelled on the run's own thread."""
    if cancel is None:
        return sink
    owner = threading.get_ident()

    def forward(event: Event) -> None:
        if cancel.is_set() and threading.get_ident() == owner:
            raise RunCancelled("generation cancelled; no table was changed")
        sink(event)

    return forward


class _interruptible:
    """Tag this thread's Spark jobs with the run id; interrupt them when ``cancel`` is set."""

    def __init__(self, spark: SparkSession, run_id: str, cancel: threading.Event | None) -> None:
        self.spark, self.tag, self.cancel = spark, f"idgraph-{run_id}", cancel
        self.done = threading.Event()

    def __enter__(self) -> _interruptible:
        if self.cancel is not None:
            self.spark.addTag(self.tag)
            threading.Thread(target=self._watch, name=self.tag, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.done.set()
        if self.cancel is not None:
            self.spark.removeTag(self.tag)

    def _watch(self) -> None:
        while not self.done.is_set():
            if self.cancel.wait(0.2):
                self.spark.interruptTag(self.tag)
                return
