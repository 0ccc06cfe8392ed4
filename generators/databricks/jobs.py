"""Large generations as one-time Databricks Jobs runs; choosing between Connect and a Job.

Task form: a ``spark_python_task`` that runs :mod:`generators.databricks.job_entry` from the
project's workspace folder (``source_root``, e.g. the app's source code path), with the spec as a
base64 YAML parameter. A ``python_wheel_task`` was rejected: the wheel's dependencies include
pyspark, chainlit and langchain, and pyspark must never be installed beside Databricks' own Spark.
The script needs only the source tree and :data:`JOB_DEPENDENCIES`, which serverless gets as an
environment and a cluster as PyPI libraries. The run is self-contained: no file is uploaded first.

Invariants: exactly one of serverless / ``cluster_id`` is used; API failures surface as
:class:`JobError` with a readable message.
"""

from __future__ import annotations

import base64
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from databricks.sdk import WorkspaceClient
from databricks.sdk.service import compute
from databricks.sdk.service import jobs as sdk_jobs

from generators.databricks.errors import API_FAILURES, api_error_text
from generators.run.outcome import Outcome, parse_outcome

ENTRY_SCRIPT = "generators/databricks/job_entry.py"
TASK_KEY = "generate"
ENVIRONMENT_KEY = "idgraph"
# What `generators` imports beyond the Databricks runtime (which ships pyspark).
JOB_DEPENDENCIES = ("pydantic>=2.9,<3", "pyyaml>=6", "xxhash>=3")
SERVERLESS_ENVIRONMENT_VERSION = "2"  # Python 3.11, the project's version
MAX_PARAMETER_BYTES = 10_000  # Jobs' limit on a task's parameters (JSON-encoded)
DEFAULT_THRESHOLD_ROWS = 20_000_000
TERMINAL_STATES = frozenset({"TERMINATED", "SKIPPED", "INTERNAL_ERROR"})

Execution = Literal["connect", "job"]


class JobError(RuntimeError):
    """A generation run could not be submitted or followed; the message says why."""


@dataclass(frozen=True)
class JobSettings:
    """Where generation runs execute, from the app environment (``app.yaml`` ``env``).

    ``IDGRAPH_JOB_SOURCE_ROOT`` (required for Jobs): workspace folder holding the project.
    ``IDGRAPH_JOB_CLUSTER_ID``: run on this cluster; unset means serverless.
    ``IDGRAPH_JOB_THRESHOLD_ROWS``: estimated rows from which a run becomes a Job.
    """

    source_root: str
    cluster_id: str | None = None
    threshold_rows: int = DEFAULT_THRESHOLD_ROWS

    @property
    def serverless(self) -> bool:
        return self.cluster_id is None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> JobSettings | None:
        """The settings, or ``None`` when Jobs are not configured (no source root)."""
        env = os.environ if env is None else env
        root = env.get("IDGRAPH_JOB_SOURCE_ROOT", "").rstrip("/")
        if not root:
            return None
        threshold = env.get("IDGRAPH_JOB_THRESHOLD_ROWS", "").strip()
        if threshold and not threshold.isdigit():
            raise ValueError(
                f"IDGRAPH_JOB_THRESHOLD_ROWS must be a whole number of rows, not {threshold!r}"
            )
        return cls(
            source_root=root,
            cluster_id=env.get("IDGRAPH_JOB_CLUSTER_ID") or None,
            threshold_rows=int(threshold) if threshold else DEFAULT_THRESHOLD_ROWS,
        )


def choose_execution(
    estimated_rows: int, threshold_rows: int, override: str | None = None
) -> Execution:
    """``"job"`` from ``threshold_rows`` estimated rows up, else ``"connect"``; ``override``
    (``"connect"`` or ``"job"``; ``None``/``"auto"`` for automatic) wins."""
    if override in ("connect", "job"):
        return override
    if override not in (None, "auto"):
        raise ValueError(f"execution must be 'auto', 'connect' or 'job', not {override!r}")
    return "job" if estimated_rows >= threshold_rows else "connect"


def submit_generation(
    w: WorkspaceClient,
    spec_yaml: str,
    *,
    source_root: str,
    cluster_id: str | None,
    serverless: bool,
    run_name: str = "idgraph generate",
    generate_args: Sequence[str] = (),
) -> int:
    """Submit ``idgraph generate`` on ``spec_yaml`` as a one-time run; returns its run id.

    ``generate_args`` are extra ``idgraph generate`` options (e.g. ``["--mode", "append"]``).
    """
    if serverless == (cluster_id is not None):
        raise ValueError("choose either serverless=True or a cluster_id, not both or neither")
    root = source_root.rstrip("/")
    parameters = [
        "--source-root",
        root,
        "--spec-b64",
        base64.b64encode(spec_yaml.encode()).decode("ascii"),
        *generate_args,
    ]
    if len(json.dumps(parameters)) > MAX_PARAMETER_BYTES:
        raise JobError(
            f"The spec is too large to pass to a Databricks Job ({MAX_PARAMETER_BYTES} bytes "
            "at most, base64-encoded); shorten it."
        )
    task = sdk_jobs.SubmitTask(
        task_key=TASK_KEY,
        spark_python_task=sdk_jobs.SparkPythonTask(
            python_file=f"{root}/{ENTRY_SCRIPT}", parameters=parameters
        ),
    )
    environments = None
    if serverless:
        task.environment_key = ENVIRONMENT_KEY
        environments = [
            sdk_jobs.JobEnvironment(
                environment_key=ENVIRONMENT_KEY,
                spec=compute.Environment(
                    environment_version=SERVERLESS_ENVIRONMENT_VERSION,
                    dependencies=list(JOB_DEPENDENCIES),
                ),
            )
        ]
    else:
        task.existing_cluster_id = cluster_id
        task.libraries = [
            compute.Library(pypi=compute.PythonPyPiLibrary(package=dependency))
            for dependency in JOB_DEPENDENCIES
        ]
    try:
        waiter = w.jobs.submit(
            run_name=run_name,
            tasks=[task],
            environments=environments,
            idempotency_token=uuid.uuid4().hex,  # an SDK retry cannot start a second run
        )
    except API_FAILURES as exc:
        text = api_error_text(exc)
        raise JobError(f"Databricks did not accept the generation run: {text}") from exc
    return waiter.run_id


@dataclass(frozen=True)
class RunState:
    """One observed state of a run. ``progress`` is the fraction of finished tasks, if any."""

    life_cycle_state: str
    result_state: str | None
    state_message: str
    progress: float | None
    run_page_url: str | None
    task_run_id: int | None = None
    """The run id of the generation task (whose output holds the outcome), once known."""

    @property
    def terminal(self) -> bool:
        return self.life_cycle_state in TERMINAL_STATES

    @property
    def succeeded(self) -> bool:
        return self.life_cycle_state == "TERMINATED" and self.result_state == "SUCCESS"


def watch_run(
    w: WorkspaceClient,
    run_id: int,
    *,
    poll_seconds: float = 10.0,
    cancel: threading.Event | None = None,
) -> Iterator[RunState]:
    """Yield each change of the run's state, polling every ``poll_seconds``, ending with the
    terminal state.

    Once ``cancel`` is set (checked while waiting between polls), the run is cancelled once
    (``runs/cancel``) and followed on to its terminal state, which Databricks reaches
    asynchronously (result ``CANCELED``, or whatever the run reached first).
    """
    last: RunState | None = None
    cancelled = False
    while True:
        try:
            run = w.jobs.get_run(run_id)
        except API_FAILURES as exc:
            text = api_error_text(exc)
            raise JobError(f"Could not read the state of run {run_id}: {text}") from exc
        state = _state_of(run)
        if state != last:
            yield state
            last = state
        if state.terminal:
            return
        if cancel is None or cancelled:
            time.sleep(poll_seconds)
        elif cancel.wait(poll_seconds):
            cancel_run(w, run_id)
            cancelled = True


def cancel_run(w: WorkspaceClient, run_id: int) -> None:
    """Ask Databricks to cancel the run (it stops asynchronously)."""
    try:
        w.jobs.cancel_run(run_id)
    except API_FAILURES as exc:
        text = api_error_text(exc)
        raise JobError(f"Could not cancel run {run_id}: {text}") from exc


def read_outcome(w: WorkspaceClient, task_run_id: int) -> Outcome | None:
    """The last outcome the generation task printed (``generators.run.outcome``), or None
    when its output is unavailable or holds none (an API failure included: the run's state
    already says whether it succeeded)."""
    try:
        output = w.jobs.get_run_output(task_run_id)
    except API_FAILURES:
        return None
    return parse_outcome(output.logs)


def _state_of(run: sdk_jobs.Run) -> RunState:
    state = run.state or sdk_jobs.RunState()
    tasks = run.tasks or []
    finished = sum(
        1
        for task in tasks
        if task.state
        and task.state.life_cycle_state
        and task.state.life_cycle_state.value in TERMINAL_STATES
    )
    return RunState(
        life_cycle_state=state.life_cycle_state.value if state.life_cycle_state else "UNKNOWN",
        result_state=state.result_state.value if state.result_state else None,
        state_message=state.state_message or "",
        progress=finished / len(tasks) if tasks else None,
        run_page_url=run.run_page_url,
        task_run_id=next((t.run_id for t in tasks if t.task_key == TASK_KEY), None),
    )
