"""Where a generation started from the Databricks App runs: Databricks Connect or a Jobs run.

The choice (``plan``), from the spec alone: its estimated rows (``generators.run.estimate``) against
``JobSettings.threshold_rows`` (``IDGRAPH_JOB_THRESHOLD_ROWS``): from the threshold up a one-time
Databricks Jobs run, below it Databricks Connect from the app, writing through the Unity Catalog
writer. ``IDGRAPH_EXECUTION`` (``auto``, the default, ``connect`` or ``job``) forces one. Jobs
need ``IDGRAPH_JOB_SOURCE_ROOT``; without it ``auto`` stays on Connect and ``job`` is refused.
Outside a Databricks App none of this applies: the app generates locally.

Invariants: ``plan`` starts no Spark and calls no API; a Jobs run is submitted and followed with
the client ``workspace()`` returns, the signed-in user's, built per run and never kept; a Connect
run uses a Databricks Connect session built from that same client's config (the user's token),
created for the run and stopped after it, so Unity Catalog enforces the user's own privileges.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from databricks.sdk import WorkspaceClient

from generators.databricks.jobs import JobError, JobSettings, choose_execution
from generators.run.events import EventSink
from generators.spec import GenerationSpec
from generators.storage.targets import UnityCatalogTarget
from generators.tables.expected import estimate

EXECUTION_ENV = "IDGRAPH_EXECUTION"
EXECUTIONS = ("auto", "connect", "job")


@dataclass(frozen=True)
class Plan:
    """How one spec runs: ``where``, its estimated total rows, and for Connect the writer."""

    where: Literal["connect", "job"]
    estimated_rows: int
    writer_factory: UnityCatalogTarget | None = None


def execution_override(env: Mapping[str, str] | None = None) -> str | None:
    """``IDGRAPH_EXECUTION`` checked (``None`` when unset or ``auto``)."""
    env = os.environ if env is None else env
    value = env.get(EXECUTION_ENV, "").strip().lower()
    if value not in ("", *EXECUTIONS):
        raise ValueError(f"{EXECUTION_ENV} must be auto, connect or job, not {value!r}")
    return None if value in ("", "auto") else value


@dataclass(frozen=True)
class DatabricksExecution:
    """Runs the app's generations on Databricks (see the module docstring)."""

    workspace: Callable[[], WorkspaceClient]
    settings: JobSettings | None
    override: str | None = None
    poll_seconds: float = 10.0

    @classmethod
    def from_env(
        cls, workspace: Callable[[], WorkspaceClient], env: Mapping[str, str] | None = None
    ) -> DatabricksExecution:
        """Settings from the app environment (``app.yaml`` ``env``)."""
        return cls(workspace, JobSettings.from_env(env), execution_override(env))

    def plan(self, spec: GenerationSpec) -> Plan:
        """Connect or Job for ``spec``; ``JobError`` when a Job is forced but not configured."""
        rows = estimate(spec).total
        if self.settings is None:
            if self.override == "job":
                raise JobError(
                    f"{EXECUTION_ENV}=job needs IDGRAPH_JOB_SOURCE_ROOT, the workspace folder "
                    "holding idgraph; ask the app's owner to set it in app.yaml."
                )
            where = "connect"
        else:
            where = choose_execution(rows, self.settings.threshold_rows, self.override)
        if where == "job":
            return Plan("job", rows)
        target = UnityCatalogTarget(spec.output.catalog, spec.output.schema_name)
        return Plan("connect", rows, target)

    def run(
        self,
        spec: GenerationSpec,
        *,
        on_event: EventSink,
        cancel: threading.Event,
        user: str | None,
        validate: bool,
    ) -> Any:
        """Generate ``spec`` where ``plan`` says; a ``GenerationResult`` or ``JobRunResult``."""
        plan = self.plan(spec)
        if plan.where == "job":
            from generators.databricks.job_run import run_as_job

            assert self.settings is not None  # plan only picks a Job when Jobs are configured
            return run_as_job(
                self.workspace(),
                spec,
                self.settings,
                on_event=on_event,
                cancel=cancel,
                poll_seconds=self.poll_seconds,
            )
        from generators.run.service import run_generation
        from generators.spark.session import user_databricks_session

        spark = user_databricks_session(self.workspace().config)
        try:
            return run_generation(
                spec,
                on_event=on_event,
                cancel=cancel,
                user=user,
                validate=validate,
                writer_factory=plan.writer_factory,
                spark=spark,
            )
        finally:
            spark.stop()
