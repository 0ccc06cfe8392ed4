"""A generation executed as a Databricks Jobs run, followed as progress events.

``run_as_job`` submits the spec (``submit_generation``), then polls the run (``watch_run``) in the
calling thread until it ends. Events, in order: ``RunStarted`` (run id = the Jobs run id, tables
with their estimated rows), one ``JobState`` per observed change of the run's state, then, once
the tables are committed, ``RunFinished`` (the rows the task reported) and ``ValidationDone`` (its
verdict), or ``RunFailed`` otherwise. Nothing is emitted when the submission itself is refused
(the ``JobError`` says why).

Invariants: the client is the caller's (the signed-in user's, in the app), never stored; setting
``cancel`` cancels the Jobs run (``runs/cancel``) and, once Databricks reports the run terminated,
ends with ``RunCancelled`` if its tables were not committed, else returns its result with
``cancelled`` set and no verdict (cancelled during validation), as a local run does; a run that
failed before committing its tables raises ``JobError`` with Databricks' state message, so the
chat can show it; one that committed them and failed only its validation returns its result with
``validation_passed`` False (or, when validation itself broke, ``validation_error``), as a local
run does. Whether the tables were committed comes from
the outcome lines the task printed (``generators.run.outcome``).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field

from databricks.sdk import WorkspaceClient

from generators.databricks.jobs import (
    JobError,
    JobSettings,
    RunState,
    read_outcome,
    submit_generation,
    watch_run,
)
from generators.run.events import (
    EventSink,
    JobState,
    RunFailed,
    RunFinished,
    RunStarted,
    ValidationDone,
)
from generators.run.service import RunCancelled
from generators.spec import GenerationSpec
from generators.spec.io import spec_to_yaml
from generators.tables.expected import estimate


@dataclass(frozen=True)
class JobRunResult:
    """A generation that ran as a Databricks Jobs run (``run_id`` is the Jobs run id). Rows,
    the validation verdict and the report's Markdown come from the outcome the task printed
    (``generators.run.outcome``); when its output could not be read, ``rows`` is empty and
    ``validation_passed`` and ``report_markdown`` are None. ``cancelled``: cancelled after the
    commit, before its validation ended; ``validation_error``: why its validation could not
    finish after the commit."""

    run_id: str
    location: str
    tables: tuple[str, ...]
    """Unity Catalog names (``catalog.schema.table``) of the tables the run wrote."""
    run_page_url: str | None
    seconds: float
    rows: dict[str, int] = field(default_factory=dict)
    validation_passed: bool | None = None
    report_dir: str | None = None
    cancelled: bool = False
    report_markdown: str | None = None
    validation_error: str | None = None


def run_as_job(
    w: WorkspaceClient,
    spec: GenerationSpec,
    settings: JobSettings,
    *,
    on_event: EventSink,
    cancel: threading.Event | None = None,
    poll_seconds: float = 10.0,
) -> JobRunResult:
    """Run ``spec`` as a one-time Jobs run and follow it to its end (see the module docstring)."""
    target = f"{spec.output.catalog}.{spec.output.schema_name}"
    expected = estimate(spec).rows
    started = time.monotonic()
    run_id = submit_generation(
        w,
        spec_to_yaml(spec),
        source_root=settings.source_root,
        cluster_id=settings.cluster_id,
        serverless=settings.serverless,
        run_name=f"idgraph generate {target}",
    )
    on_event(RunStarted(str(run_id), tuple(expected), expected))
    last: RunState | None = None
    try:
        for state in watch_run(w, run_id, poll_seconds=poll_seconds, cancel=cancel):
            last = state
            on_event(
                JobState(
                    run_id,
                    state.life_cycle_state,
                    state.result_state,
                    state.state_message,
                    state.run_page_url,
                )
            )
    except JobError as error:
        on_event(RunFailed(None, str(error)))
        raise
    assert last is not None  # watch_run yields at least the terminal state
    outcome = read_outcome(w, last.task_run_id) if last.task_run_id is not None else None
    cancelled = cancel is not None and cancel.is_set()
    # An outcome means the tables were committed: a run that failed only its validation (the
    # task exits 1) or was cancelled during it ends like a local one, not as an error.
    failed_validation = outcome is not None and (
        outcome.validation_passed is False or outcome.validation_error is not None
    )
    if last.succeeded or failed_validation or (outcome is not None and cancelled):
        seconds = time.monotonic() - started
        rows = outcome.rows if outcome else {}
        on_event(RunFinished(str(run_id), rows, seconds))
        if outcome is not None and outcome.validation_passed is not None:
            on_event(ValidationDone(outcome.validation_passed, None))
        return JobRunResult(
            run_id=str(run_id),
            location=target,
            tables=tuple(f"{target}.{table}" for table in expected),
            run_page_url=last.run_page_url,
            seconds=seconds,
            rows=rows,
            validation_passed=outcome.validation_passed if outcome else None,
            cancelled=not last.succeeded and outcome is not None and not outcome.final,
            report_markdown=outcome.report_markdown if outcome else None,
            validation_error=outcome.validation_error if outcome else None,
        )
    ended = last.result_state or last.life_cycle_state
    message = f"Databricks job run {run_id} ended {ended}"
    if last.state_message:
        message += f": {last.state_message}"
    on_event(RunFailed(None, message))
    if cancelled:
        raise RunCancelled(f"{message}. Tables it had not committed keep their previous version.")
    where = f" (run page: {last.run_page_url})" if last.run_page_url else ""
    raise JobError(message + where)
