"""Generation from the chat inside a Databricks App: Databricks Connect or a Jobs run, chosen by
size. Jobs runs go through the real databricks-sdk against the HTTP stub of the Jobs API and are
driven from an ``AgentSession`` (guided mode), as the app drives them."""

from __future__ import annotations

import base64
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from databricks_stub import DatabricksStub, running_stub

from agent.chat_session import AgentSession
from agent.items import Progress, ToolResult
from generators.databricks.execution import DatabricksExecution, Plan, execution_override
from generators.databricks.identity import UserContext, workspace_client_for
from generators.databricks.job_run import JobRunResult
from generators.databricks.jobs import JobSettings
from generators.run.events import JobState, RunFailed, RunFinished, RunStarted, ValidationDone
from generators.run.outcome import Outcome, outcome_line
from generators.spec import GenerationSpec
from generators.spec.io import parse_spec, parse_spec_text, spec_to_yaml
from generators.storage.targets import (
    LocalWarehouseTarget,
    UnityCatalogTarget,
    location_of,
    on_databricks,
    writer_factory_for,
)
from generators.tables.expected import estimate
from generators.tables.registry import TABLES
from ui import workspace_user
from ui.run_progress import RunProgress

TOKEN = "dapi-secret-user-token-0123456789"
ROOT = "/Workspace/Users/ada@example.com/idgraph"
SPEC = parse_spec({"seed": 7, "households": {"count": 2000}, "output": {"schema": "big_run"}})
RUNS_GET = "/api/2.2/jobs/runs/get"


@pytest.fixture
def stub() -> Iterator[DatabricksStub]:
    with running_stub() as running:
        yield running


def execution(stub: DatabricksStub, **kwargs) -> DatabricksExecution:
    user = UserContext("ada@example.com", "Ada", TOKEN)
    kwargs.setdefault("settings", JobSettings(ROOT, threshold_rows=1))
    return DatabricksExecution(
        lambda: workspace_client_for(user, host=stub.url), poll_seconds=0, **kwargs
    )


def app_session(databricks: DatabricksExecution, events: list) -> AgentSession:
    """A guided-mode chat whose spec is loaded (every step accepted), as after an upload."""
    session = AgentSession(None, databricks=databricks, on_event=events.append)
    loaded = [
        i for i in session.send_sync(f"load\n{spec_to_yaml(SPEC)}") if isinstance(i, ToolResult)
    ]
    assert loaded[-1].ok, loaded[-1].content
    return session


def generate(session: AgentSession) -> tuple[ToolResult, list]:
    items = session.send_sync("generate")
    (result,) = [i for i in items if isinstance(i, ToolResult) and i.tool == "generate"]
    return result, [i.event for i in items if isinstance(i, Progress)]


def submitted_spec(stub: DatabricksStub) -> GenerationSpec:
    [payload] = stub.submitted
    parameters = payload["tasks"][0]["spark_python_task"]["parameters"]
    text = base64.b64decode(parameters[parameters.index("--spec-b64") + 1]).decode()
    return parse_spec(parse_spec_text(text))


def test_large_run_is_a_job_whose_states_stream_to_the_chat(
    stub: DatabricksStub, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    stub.run_states = [
        ("PENDING", None, "Waiting for compute"),
        ("PENDING", None, "Waiting for compute"),
        ("RUNNING", None, "In run"),
        ("TERMINATED", "SUCCESS", ""),
    ]
    events: list = []
    session = app_session(execution(stub), events)
    result, streamed = generate(session)

    assert result.ok, result.content
    chat_spec = session.wizard.spec()
    assert submitted_spec(stub) == chat_spec  # the exported spec, validated again
    run_id = 1001
    assert streamed == events  # the session's sink saw what the chat saw, in order
    assert isinstance(events[0], RunStarted) and events[0].run_id == str(run_id)
    assert events[0].tables == tuple(node.name for node in TABLES)
    assert dict(events[0].expected_rows) == estimate(chat_spec).rows
    states = [e for e in events if isinstance(e, JobState)]
    assert [(s.life_cycle_state, s.result_state, s.message) for s in states] == [
        ("PENDING", None, "Waiting for compute"),
        ("RUNNING", None, "In run"),
        ("TERMINATED", "SUCCESS", ""),
    ]
    page = f"{stub.url}/#job/runs/{run_id}"
    assert {s.run_page_url for s in states} == {page}
    assert isinstance(events[-1], RunFinished) and events[-1].run_id == str(run_id)
    assert len(events) == 5

    generated = session.wizard.last_result
    assert isinstance(generated, JobRunResult)
    names = [f"bryan_li.big_run.{node.name}" for node in TABLES]
    assert generated.tables == tuple(names)
    assert f"Databricks job run {run_id} wrote its tables" in result.content
    assert "Rows and the validation verdict are in the run's output" in result.content
    assert page in result.content
    assert all(f"`{name}`" in result.content for name in names)

    progress = RunProgress()
    for event in events:
        progress.apply(event)
    assert progress.outcome == "done" and progress.fraction == 1.0
    assert f"[{run_id}]({page}): **TERMINATED** (SUCCESS)" in progress.status_line()

    sent = [r for r in stub.requests if r.path.startswith("/api/2.2/jobs/")]
    assert {r.headers["Authorization"] for r in sent} == {f"Bearer {TOKEN}"}  # as the user
    out, err = capfd.readouterr()
    seen = caplog.text + out + err + result.content + repr(events) + repr(generated)
    assert TOKEN not in seen


REPORT = "# Validation report\n\n**Verdict: {}**\n\n## Plots\n\n![ages](ages.png)\n"


ROWS = {node.name: 10 * (i + 1) for i, node in enumerate(TABLES)}


def job_outcome(passed: bool | None) -> str:
    """The stdout of a generation task that committed every table: its commit line, then,
    unless ``passed`` is None (stopped during validation), its last line with this verdict."""
    committed = outcome_line(Outcome("c0ffee", ROWS, None, None, final=False))
    if passed is None:
        return f"Spark started\n{committed}\n"
    report = REPORT.format("PASSED" if passed else "FAILED")
    final = outcome_line(Outcome("c0ffee", ROWS, passed, report, final=True))
    return f"Spark started\n{committed}\n| table | rows |\n{final}\n"


def test_job_outcome_reaches_the_chat(stub: DatabricksStub) -> None:
    """Rows, verdict and report text come back from the task's output (runs/get-output)."""
    stub.run_states = [("RUNNING", None, "In run"), ("TERMINATED", "SUCCESS", "")]
    stub.task_logs[1002] = job_outcome(passed=True)  # run 1001's generation task
    events: list = []
    session = app_session(execution(stub), events)
    result, _ = generate(session)

    assert result.ok, result.content
    rows = ROWS
    assert events[-2:] == [
        RunFinished("1001", rows, events[-2].seconds),
        ValidationDone(True, None),
    ]
    generated = session.wizard.last_result
    assert isinstance(generated, JobRunResult)
    assert (generated.rows, generated.validation_passed) == (rows, True)
    assert generated.report_markdown == REPORT.format("PASSED")
    assert "Validation: passed" in result.content
    assert f"| total | {sum(rows.values()):,} |" in result.content
    progress = RunProgress()
    for event in events:
        progress.apply(event)
    assert progress.rows_done == sum(rows.values()) and progress.validation_passed is True
    assert [r.query["run_id"] for r in stub.requests if r.path.endswith("/get-output")] == ["1002"]


def test_job_that_failed_only_its_validation_ends_with_its_verdict(stub: DatabricksStub) -> None:
    """The task exits 1 after committing when validation fails: a verdict, not an error."""
    stub.run_states = [("TERMINATED", "FAILED", "Task generate failed")]
    stub.task_logs[1002] = job_outcome(passed=False)
    events: list = []
    session = app_session(execution(stub), events)
    result, _ = generate(session)

    assert result.ok, result.content
    assert "Validation: FAILED" in result.content
    assert events[-1] == ValidationDone(False, None)
    assert not any(isinstance(e, RunFailed) for e in events)
    generated = session.wizard.last_result
    assert isinstance(generated, JobRunResult) and generated.validation_passed is False
    assert generated.report_markdown == REPORT.format("FAILED")


def test_job_whose_validation_broke_after_the_commit_keeps_its_tables(stub: DatabricksStub):
    """The task exits 1 when validation cannot finish: its last line still says the tables are
    committed, with the reason, and the chat shows them with it, not as a failed run."""
    stub.run_states = [("TERMINATED", "FAILED", "Task generate failed")]
    problem = "FileExistsError: [Errno 17] File exists: '/tmp/report'"
    last = Outcome("c0ffee", ROWS, None, None, final=True, validation_error=problem)
    stub.task_logs[1002] = f"{job_outcome(passed=None)}{outcome_line(last)}\n"
    events: list = []
    session = app_session(execution(stub), events)
    result, _ = generate(session)

    assert result.ok, result.content
    assert f"Validation: could not finish ({problem}); the tables are committed" in result.content
    assert not any(isinstance(e, RunFailed) for e in events)
    generated = session.wizard.last_result
    assert isinstance(generated, JobRunResult)
    assert (generated.validation_error, generated.cancelled, generated.rows) == (
        problem,
        False,
        ROWS,
    )


def test_cancel_in_the_chat_cancels_the_job_run(stub: DatabricksStub) -> None:
    stub.run_states = [("PENDING", None, ""), ("RUNNING", None, "In run")]  # runs until cancelled
    events: list = []
    session = app_session(execution(stub), events)

    def on_event(event) -> None:
        events.append(event)
        if isinstance(event, JobState) and event.life_cycle_state == "RUNNING":
            session.cancel()  # what the chat's Cancel button does

    session.on_event = on_event
    result, _ = generate(session)

    assert stub.cancelled == [1001]
    assert [r.path for r in stub.requests].count("/api/2.2/jobs/runs/cancel") == 1
    states = [(e.life_cycle_state, e.result_state) for e in events if isinstance(e, JobState)]
    assert states == [("PENDING", None), ("RUNNING", None), ("TERMINATED", "CANCELED")]
    assert isinstance(events[-1], RunFailed)
    assert not result.ok
    assert "RunCancelled" in result.content and "ended CANCELED" in result.content
    assert session.wizard.last_result is None


def test_a_job_run_cancelled_after_its_commit_ends_with_its_tables(stub: DatabricksStub) -> None:
    """Cancelled during validation: the task's last line is its commit's, so the chat gets the
    rows and "not run (cancelled after the tables were committed)", not an error."""
    stub.run_states = [("RUNNING", None, "In run")]  # runs until cancelled
    stub.task_logs[1002] = job_outcome(passed=None)
    events: list = []
    session = app_session(execution(stub), events)

    def on_event(event) -> None:
        events.append(event)
        if isinstance(event, JobState) and event.life_cycle_state == "RUNNING":
            session.cancel()

    session.on_event = on_event
    result, _ = generate(session)

    assert stub.cancelled == [1001]
    assert result.ok, result.content
    assert events[-1] == RunFinished("1001", ROWS, events[-1].seconds)
    assert not any(isinstance(e, RunFailed | ValidationDone) for e in events)
    generated = session.wizard.last_result
    assert isinstance(generated, JobRunResult)
    assert (generated.cancelled, generated.rows, generated.validation_passed) == (True, ROWS, None)
    assert "Validation: not run (cancelled after the tables were committed)" in result.content
    assert f"| total | {sum(ROWS.values()):,} |" in result.content


def test_failed_job_run_reports_databricks_message(stub: DatabricksStub) -> None:
    stub.run_states = [("RUNNING", None, ""), ("TERMINATED", "FAILED", "Task generate failed")]
    events: list = []
    session = app_session(execution(stub), events)
    result, _ = generate(session)
    assert not result.ok
    assert "Databricks job run 1001 ended FAILED: Task generate failed" in result.content
    assert f"{stub.url}/#job/runs/1001" in result.content
    assert events[-1] == RunFailed(
        None, "Databricks job run 1001 ended FAILED: Task generate failed"
    )
    assert "Traceback" not in result.content


def test_refused_submission_is_a_clear_error_and_no_progress(stub: DatabricksStub) -> None:
    stub.fail("/api/2.2/jobs/runs/submit", 403, "PERMISSION_DENIED", "No serverless for you")
    events: list = []
    session = app_session(execution(stub), events)
    result, streamed = generate(session)
    assert not result.ok
    assert "Databricks did not accept the generation run: No serverless for you" in result.content
    assert streamed == events == []


# ---------------------------------------------------------------- the choice, without Spark


def settings(threshold: int) -> JobSettings:
    return JobSettings(ROOT, threshold_rows=threshold)


def never_called() -> None:
    raise AssertionError("choosing must not call Databricks")


@pytest.mark.parametrize(
    ("jobs", "override", "expected"),
    [
        (settings(10**12), None, "connect"),  # below the threshold
        (settings(1), None, "job"),  # from the threshold up
        (settings(1), "connect", "connect"),
        (settings(10**12), "job", "job"),
        (None, None, "connect"),  # Jobs not configured
    ],
)
def test_plan_by_size_and_override(jobs, override, expected) -> None:
    plan = DatabricksExecution(never_called, jobs, override).plan(SPEC)
    assert plan.where == expected
    assert plan.estimated_rows == estimate(SPEC).total
    if expected == "connect":  # Databricks Connect writes to Unity Catalog
        assert plan == Plan(
            "connect", plan.estimated_rows, UnityCatalogTarget("bryan_li", "big_run")
        )
    else:
        assert plan.writer_factory is None


def test_forced_job_without_jobs_configured_is_refused() -> None:
    with pytest.raises(Exception, match="IDGRAPH_JOB_SOURCE_ROOT"):
        DatabricksExecution(never_called, None, "job").plan(SPEC)


def test_execution_settings_from_the_app_environment() -> None:
    env = {"IDGRAPH_JOB_SOURCE_ROOT": ROOT, "IDGRAPH_EXECUTION": " Job "}
    assert DatabricksExecution.from_env(never_called, env) == DatabricksExecution(
        never_called, JobSettings(ROOT), "job"
    )
    assert execution_override({}) is None
    assert execution_override({"IDGRAPH_EXECUTION": "auto"}) is None
    assert execution_override({"IDGRAPH_EXECUTION": "connect"}) == "connect"
    with pytest.raises(ValueError, match="auto, connect or job"):
        execution_override({"IDGRAPH_EXECUTION": "cluster"})
    with pytest.raises(ValueError, match="whole number"):
        JobSettings.from_env({"IDGRAPH_JOB_SOURCE_ROOT": ROOT, "IDGRAPH_JOB_THRESHOLD_ROWS": "2M"})


@pytest.mark.parametrize(
    ("env", "unity_catalog"),
    [
        ({}, False),
        ({"IDGRAPH_SPARK": "databricks"}, True),  # Databricks Connect (the app)
        ({"DATABRICKS_RUNTIME_VERSION": "16.4"}, True),  # a Jobs run
        ({"SPARK_REMOTE": "sc://localhost:15002"}, False),
    ],
)
def test_writer_for_the_environment(env: dict[str, str], unity_catalog: bool) -> None:
    factory = writer_factory_for(Path("/w"), "main", "synthetic", env)
    assert on_databricks(env) is unity_catalog
    expected = (
        UnityCatalogTarget("main", "synthetic")
        if unity_catalog
        else LocalWarehouseTarget(Path("/w"), "main", "synthetic")
    )
    assert factory == expected


def test_location_names_the_unity_catalog_schema() -> None:
    class Writer:  # the attributes location_of reads, as UnityCatalogWriter has them
        catalog, schema = "main", "synthetic"

    assert location_of(Writer()) == "main.synthetic"


def test_only_a_databricks_app_user_generates_on_databricks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("IDGRAPH_JOB_SOURCE_ROOT", ROOT)
    monkeypatch.delenv("IDGRAPH_EXECUTION", raising=False)
    monkeypatch.delenv("IDGRAPH_JOB_THRESHOLD_ROWS", raising=False)
    assert workspace_user.execution_for(UserContext("me@localhost", "me")) is None  # local run
    remote = workspace_user.execution_for(UserContext("ada@example.com", "Ada", TOKEN))
    assert remote is not None and remote.settings == JobSettings(ROOT)
    assert AgentSession(None).databricks is None


def test_a_connect_run_acts_as_the_user_or_not_at_all(
    stub: DatabricksStub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Connect run needs a Databricks Connect session built from the user's own client config;
    where databricks-connect is missing (as here) the chat gets a clear error, and nothing runs
    on local Spark or under any other workspace_user."""
    monkeypatch.setenv("IDGRAPH_WAREHOUSE", str(tmp_path))
    session = app_session(execution(stub, settings=None), [])
    result, events = generate(session)
    assert not result.ok
    assert "databricks-connect" in result.content
    assert TOKEN not in result.content
    assert not any(isinstance(e, RunStarted) for e in events)
    assert list(tmp_path.iterdir()) == []
