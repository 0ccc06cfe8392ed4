"""One call to generate a spec's tables: the entry point shared by the CLI, the agent and the app.

``run_generation`` starts (or reuses) the Spark session, stages every table, commits them as
one run, then writes the validation report. Invariants:
- Either every table of the run is committed, or none is (the pipeline discards on failure).
- ``cancel`` stops the run between or during Spark jobs: its jobs carry a per-run tag that is
  interrupted, and the next event raises ``RunCancelled``; nothing is committed. Set while
  waiting for the target's lock, it stops the wait (``RunCancelled``). Set once the commit has
  started, it no longer undoes the run: the commit completes and ``RunFinished`` is delivered;
  validation is then stopped or skipped and the result says ``cancelled``.
- Validation never unmakes a committed run: if it fails (a report folder that cannot be
  written, the session lost), the result says why in ``validation_error`` and has no verdict.
- Events go to ``on_event`` from the calling thread or Spark's progress thread; callers that
  update a UI must hand them over to their own loop.
- Runs on one target (warehouse/catalog/schema) never interleave: the run holds the target's
  lock (``generators.storage.lock``) from before Spark starts until validation ends; a busy
  target makes it wait (``on_wait`` gets a message) or raise ``TargetBusy``.
- Tables go through ``writer_factory`` (built on the run's session), else the writer
  ``generators.storage.targets`` picks for the environment: Unity Catalog on Databricks, the
  local Delta warehouse elsewhere. Lock, manifest, recovery and the default report folder stay
  in the local warehouse folder of the target.
- Holding the lock, the run first cleans up after dead runs (``generators.storage.recovery``),
  then logs itself in the run manifest (``generators.storage.manifest``): ``running`` at
  start, then ``succeeded``, ``failed`` or ``cancelled``.
- ``output.mode: append`` adds households to the target's last successful run
  (``generators.run.append``); an append that cannot extend it raises ``AppendRefused`` (a
  ``SpecError``) before anything is generated or logged.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from generators.run.events import Event, EventSink, RunFinished, ValidationDone, describe_error
from generators.spec import GenerationSpec
from generators.storage.lock import WaitCancelled, lock_timeout, target_lock
from generators.storage.manifest import RunManifest, now
from generators.storage.targets import WriterFactory, location_of, writer_factory_for

if TYPE_CHECKING:
    from pyspark.sql import SparkSession

    from generators.run.append import AppendPlan
    from generators.run.pipeline import RunResult
    from generators.storage.local import LocalDeltaWarehouse
    from generators.storage.writer import TableWriter

DEFAULT_WAREHOUSE = "warehouse"


CANCELLED = "generation cancelled; no table was changed"


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
    cancelled: bool = False
    """Cancelled after the commit: the tables are written, validation was stopped or skipped."""
    validation_error: str | None = None
    """Why validation could not finish (the tables are written); None when it did or was not
    run."""
    spec: GenerationSpec | None = None
    """The spec the run generated and recorded: an append that extends the window records the
    previous end in ``engagement.extended_from``; export this one to rerun to the same data."""


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
    writer_factory: WriterFactory | None = None,
    spark: SparkSession | None = None,
    short_run: bool = False,
) -> GenerationResult:
    """Generate, commit and (unless ``validate`` is False) validate every table of ``spec``.

    ``spark``: an open session to run on (a user's Databricks Connect session) instead of the
    process session ``get_spark(master, remote)``; the caller owns and stops it.
    ``short_run``: this process exists for this run alone (``idgraph generate``): a Spark it
    starts is tuned for the run's size (``generators.spark.session.is_short_run``)."""
    from generators.spark.session import get_spark, is_short_run
    from generators.storage.local import LocalDeltaWarehouse
    from generators.storage.recovery import recover_target
    from generators.tables.expected import estimate

    root, catalog, schema = warehouse_root(warehouse), spec.output.catalog, spec.output.schema_name
    target = LocalDeltaWarehouse(root, catalog, schema)
    lock = target_lock(target.schema_path, timeout=lock_timeout(), on_wait=on_wait, cancel=cancel)
    try:
        with lock:
            manifest = RunManifest(target.schema_path)
            recover_target(target, manifest)
            rows = estimate(spec).total
            spark = spark or get_spark(
                master=master, remote=remote, short_run=short_run and is_short_run(rows)
            )
            make_writer = writer_factory or writer_factory_for(root, catalog, schema)
            writer = make_writer(spark)
            append = _append_plan(spec, manifest, writer, f"{catalog}.{schema}")
            spec = spec if append is None else append.spec  # an extension is recorded in it
            run_id = new_run_id()
            sink = _cancellable(on_event or _ignore, cancel)
            result = _logged_run(spark, spec, writer, sink, run_id, cancel, manifest, user, append)
            passed, folder, problem = None, None, None
            if validate and not _is_set(cancel):
                reports = report_dir or target.schema_path / "_reports" / run_id
                try:
                    passed, folder = _validate(spark, spec, writer, run_id, reports, cancel)
                except Exception as error:  # the tables are committed: keep the result
                    problem = describe_error(error)
                if passed is not None:
                    sink(ValidationDone(passed, folder))
    except WaitCancelled as error:
        raise RunCancelled(CANCELLED) from error
    return GenerationResult(
        run_id=run_id,
        rows=dict(result.rows),
        seconds=result.seconds,
        location=location_of(writer),
        validation_passed=passed,
        report_dir=folder if passed is not None else None,
        cancelled=_is_set(cancel),
        validation_error=problem,
        spec=spec,
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
    append: AppendPlan | None,
) -> RunResult:
    """The pipeline, logged in the manifest (``running``, then its final status)."""
    from generators.run.pipeline import run_pipeline

    running = manifest.started(run_id, spec, user, now())
    try:
        with _interruptible(spark, run_id, cancel):
            try:
                result = run_pipeline(spark, spec, writer, sink, run_id, append=append)
            except Exception as error:
                if _is_set(cancel):
                    raise RunCancelled(CANCELLED) from error
                raise
    except BaseException as error:
        cancelled = isinstance(error, RunCancelled | KeyboardInterrupt)
        manifest.finished(
            running, "cancelled" if cancelled else "failed", None, describe_error(error)
        )
        raise
    manifest.finished(running, "succeeded", result.rows)
    return result


def _append_plan(
    spec: GenerationSpec, manifest: RunManifest, writer: TableWriter, target: str
) -> AppendPlan | None:
    """For ``output.mode: append``, what to add (``AppendRefused`` before anything is generated
    when the target's last run cannot be extended); None for an overwrite or an empty target."""
    if spec.output.mode != "append":
        return None
    from generators.run.append import plan_append
    from generators.tables.registry import TABLES

    has_tables = any(writer.exists(node.name) for node in TABLES)
    return plan_append(spec, manifest, has_tables, target)


def _validate(
    spark: SparkSession,
    spec: GenerationSpec,
    writer: LocalDeltaWarehouse,
    run_id: str,
    report_dir: str | os.PathLike[str] | None,
    cancel: threading.Event | None,
) -> tuple[bool | None, str]:
    """The validation report; ``(None, folder)`` when ``cancel`` stopped it."""
    from generators.validation.runner import validate_run

    folder = Path(report_dir) if report_dir else writer.schema_path / "_reports" / run_id
    try:
        with _interruptible(spark, f"{run_id}-validation", cancel):
            report = validate_run(spark, writer, spec, folder)
    except Exception:
        if _is_set(cancel):
            return None, str(folder)
        raise
    return report.passed, str(folder)


def _is_set(cancel: threading.Event | None) -> bool:
    return cancel is not None and cancel.is_set()


def _ignore(_: Event) -> None:
    return None


def _cancellable(sink: EventSink, cancel: threading.Event | None) -> EventSink:
    """Forward events; once ``cancel`` is set, raise RunCancelled on the run's own thread, except
    for the events that report a committed run (it can no longer be undone)."""
    if cancel is None:
        return sink
    owner = threading.get_ident()

    def forward(event: Event) -> None:
        committed = isinstance(event, RunFinished | ValidationDone)
        if cancel.is_set() and threading.get_ident() == owner and not committed:
            raise RunCancelled(CANCELLED)
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
