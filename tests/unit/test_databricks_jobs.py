"""Generation as a one-time Databricks Jobs run, against an HTTP stub of the Jobs API."""

from __future__ import annotations

import base64
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import pytest
from databricks.sdk import WorkspaceClient
from databricks_stub import DatabricksStub, running_stub

from generators.databricks import job_entry
from generators.databricks.identity import UserContext, workspace_client_for
from generators.databricks.jobs import (
    JOB_DEPENDENCIES,
    JobError,
    JobSettings,
    choose_execution,
    read_outcome,
    submit_generation,
    watch_run,
)
from generators.run.outcome import MARKER, Outcome, outcome_line, parse_outcome

SPEC = "seed: 7\nhouseholds:\n  count: 5000000\noutput:\n  catalog: main\n  schema: synthetic\n"
ROOT = "/Workspace/Users/ada@example.com/idgraph"


@pytest.fixture
def stub() -> Iterator[DatabricksStub]:
    with running_stub() as running:
        yield running


def client(stub: DatabricksStub) -> WorkspaceClient:
    return workspace_client_for(UserContext("ada@example.com", "ada", "dapi-token"), host=stub.url)


def decoded_spec(parameters: list[str]) -> str:
    return base64.b64decode(parameters[parameters.index("--spec-b64") + 1]).decode()


def test_serverless_run_carries_the_spec_and_its_environment(stub: DatabricksStub) -> None:
    run_id = submit_generation(
        client(stub),
        SPEC,
        source_root=ROOT + "/",
        cluster_id=None,
        serverless=True,
        run_name="idgraph 5M households",
        generate_args=["--mode", "overwrite"],
    )
    assert run_id == 1001
    [payload] = stub.submitted
    assert payload["run_name"] == "idgraph 5M households"
    assert len(payload["idempotency_token"]) <= 64
    [task] = payload["tasks"]
    python_task = task["spark_python_task"]
    assert python_task["python_file"] == f"{ROOT}/generators/databricks/job_entry.py"
    assert decoded_spec(python_task["parameters"]) == SPEC
    assert python_task["parameters"][:2] == ["--source-root", ROOT]
    assert python_task["parameters"][-2:] == ["--mode", "overwrite"]
    assert "existing_cluster_id" not in task
    [environment] = payload["environments"]
    assert environment["environment_key"] == task["environment_key"]
    assert environment["spec"]["dependencies"] == list(JOB_DEPENDENCIES)
    assert environment["spec"]["environment_version"]


def test_cluster_run_installs_the_dependencies_as_libraries(stub: DatabricksStub) -> None:
    submit_generation(
        client(stub), SPEC, source_root=ROOT, cluster_id="0123-456789-abcde", serverless=False
    )
    [payload] = stub.submitted
    [task] = payload["tasks"]
    assert task["existing_cluster_id"] == "0123-456789-abcde"
    assert [lib["pypi"]["package"] for lib in task["libraries"]] == list(JOB_DEPENDENCIES)
    assert "environments" not in payload
    assert "environment_key" not in task


@pytest.mark.parametrize(("cluster_id", "serverless"), [(None, False), ("0123", True)])
def test_exactly_one_kind_of_compute(
    stub: DatabricksStub, cluster_id: str | None, serverless: bool
) -> None:
    with pytest.raises(ValueError, match="either serverless"):
        submit_generation(
            client(stub), SPEC, source_root=ROOT, cluster_id=cluster_id, serverless=serverless
        )
    assert stub.submitted == []


def test_oversized_spec_is_refused_before_submitting(stub: DatabricksStub) -> None:
    with pytest.raises(JobError, match="too large"):
        submit_generation(
            client(stub), SPEC * 300, source_root=ROOT, cluster_id=None, serverless=True
        )
    assert stub.submitted == []


def test_states_are_streamed_in_order_until_terminal(stub: DatabricksStub) -> None:
    stub.run_states = [
        ("PENDING", None, "Waiting for compute"),
        ("PENDING", None, "Waiting for compute"),
        ("RUNNING", None, "In run"),
        ("RUNNING", None, "In run"),
        ("TERMINATED", "SUCCESS", ""),
    ]
    w = client(stub)
    run_id = submit_generation(w, SPEC, source_root=ROOT, cluster_id=None, serverless=True)
    states = list(watch_run(w, run_id, poll_seconds=0))
    assert [(s.life_cycle_state, s.result_state, s.state_message) for s in states] == [
        ("PENDING", None, "Waiting for compute"),
        ("RUNNING", None, "In run"),
        ("TERMINATED", "SUCCESS", ""),
    ]
    assert [s.progress for s in states] == [0.0, 0.0, 1.0]
    assert [s.terminal for s in states] == [False, False, True]
    assert states[-1].succeeded
    assert states[-1].run_page_url == f"{stub.url}/#job/runs/{run_id}"
    polls = [r for r in stub.requests if r.path == "/api/2.2/jobs/runs/get"]
    assert len(polls) == 5
    assert {r.query["run_id"] for r in polls} == {str(run_id)}


def test_failed_run_ends_the_stream_with_its_message(stub: DatabricksStub) -> None:
    stub.run_states = [("RUNNING", None, ""), ("TERMINATED", "FAILED", "Task generate failed")]
    states = list(watch_run(client(stub), 1001, poll_seconds=0))
    assert states[-1].result_state == "FAILED"
    assert states[-1].state_message == "Task generate failed"
    assert not states[-1].succeeded


def test_submit_refused_by_databricks_is_a_job_error(stub: DatabricksStub) -> None:
    stub.fail(
        "/api/2.2/jobs/runs/submit",
        403,
        "PERMISSION_DENIED",
        "User is not allowed to use serverless compute",
    )
    with pytest.raises(JobError) as refused:
        submit_generation(client(stub), SPEC, source_root=ROOT, cluster_id=None, serverless=True)
    assert str(refused.value) == (
        "Databricks did not accept the generation run: "
        "User is not allowed to use serverless compute"
    )


def test_entry_script_runs_cli_generate_on_the_submitted_spec(
    stub: DatabricksStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What submit_generation sends is exactly what job_entry understands."""
    submit_generation(
        client(stub),
        SPEC,
        source_root=ROOT,
        cluster_id=None,
        serverless=True,
        generate_args=["--mode", "append", "--set", "seed=9"],
    )
    parameters = stub.submitted[0]["tasks"][0]["spark_python_task"]["parameters"]
    seen: dict[str, object] = {}

    def fake_cli_main(argv: list[str]) -> int:
        seen["argv"] = argv
        seen["spec"] = Path(argv[1]).read_text()
        return 3

    cli = ModuleType("generators.cli.main")
    cli.main = fake_cli_main
    monkeypatch.setitem(sys.modules, "generators.cli.main", cli)
    monkeypatch.setattr(sys, "path", list(sys.path))
    assert job_entry.main(parameters) == 3
    assert seen["spec"] == SPEC
    argv = seen["argv"]
    assert argv[0] == "generate"
    assert argv[2:6] == ["--mode", "append", "--set", "seed=9"]
    assert argv[6] == "--warehouse"  # a temporary folder for the lock, manifest and report
    assert Path(argv[7]).parent == Path(argv[1]).parent
    assert argv[8:] == ["--outcome-lines"]  # the run prints what the app reads back
    assert not Path(argv[1]).exists()  # the temporary spec is cleaned up
    assert sys.path[0] == ROOT


@pytest.mark.parametrize(
    "logs",
    [
        None,
        "",
        "no outcome here\n",
        MARKER + '{"run_id": "r", "rows": {"a": 1}, "validation_passed": true',  # cut off
        MARKER + '{"run_id": "r", "rows": [1], "validation_passed": true, "report_markdown": null,'
        ' "final": true}',
        MARKER + '{"run_id": "r", "rows": {}, "validation_passed": "yes", "report_markdown": null,'
        ' "final": true}',
        MARKER + '{"run_id": "r", "rows": {"a": "x"}, "validation_passed": null, '
        '"report_markdown": null, "final": true}',
        MARKER + '{"run_id": "r", "rows": {}, "validation_passed": true, "report_markdown": null,'
        ' "final": 1}',
        MARKER + '{"run_id": "r", "rows": {}, "validation_passed": true, "final": true}',  # no key
    ],
)
def test_a_missing_or_malformed_outcome_is_none(logs: str | None) -> None:
    assert parse_outcome(logs) is None


def test_the_last_outcome_line_wins_over_other_output() -> None:
    committed = Outcome("b", {"t": 2}, None, None, final=False)
    final = Outcome("b", {"t": 2}, True, "# r\n|x|", final=True)
    logs = f"spark says hi\n{outcome_line(committed)}\nprogress 50%\n"
    assert parse_outcome(logs) == committed
    assert parse_outcome(f"{logs}{outcome_line(final)}\nbye\n") == final


def test_outcome_is_read_from_the_task_output(stub: DatabricksStub) -> None:
    """The generation task's stdout, through runs/get-output of the task's own run id."""
    stub.run_states = [("TERMINATED", "SUCCESS", "")]
    w = client(stub)
    run_id = submit_generation(w, SPEC, source_root=ROOT, cluster_id=None, serverless=True)
    [state] = list(watch_run(w, run_id, poll_seconds=0))
    assert state.task_run_id == run_id + 1
    outcome = Outcome("r9", {"t": 3}, True, "# ok", final=True)
    stub.task_logs[run_id + 1] = f"Spark started\n{outcome_line(outcome)}\n"
    assert read_outcome(w, state.task_run_id) == outcome
    outputs = [r for r in stub.requests if r.path == "/api/2.2/jobs/runs/get-output"]
    assert [r.query["run_id"] for r in outputs] == [str(run_id + 1)]
    assert read_outcome(w, 777) is None  # an output Databricks refuses: no outcome, no error


@pytest.mark.parametrize(
    ("rows", "override", "expected"),
    [
        (999, None, "connect"),
        (1000, None, "job"),
        (1000, "auto", "job"),
        (10**9, "connect", "connect"),
        (1, "job", "job"),
    ],
)
def test_choose_execution(rows: int, override: str | None, expected: str) -> None:
    assert choose_execution(rows, 1000, override) == expected


def test_choose_execution_rejects_unknown_override() -> None:
    with pytest.raises(ValueError, match="'auto', 'connect' or 'job'"):
        choose_execution(1, 1000, "spark")


def test_job_settings_from_env() -> None:
    assert JobSettings.from_env({}) is None
    serverless = JobSettings.from_env({"IDGRAPH_JOB_SOURCE_ROOT": ROOT + "/"})
    assert serverless == JobSettings(source_root=ROOT)
    assert serverless.serverless
    on_cluster = JobSettings.from_env(
        {
            "IDGRAPH_JOB_SOURCE_ROOT": ROOT,
            "IDGRAPH_JOB_CLUSTER_ID": "0123-456789-abcde",
            "IDGRAPH_JOB_THRESHOLD_ROWS": "5000",
        }
    )
    assert on_cluster == JobSettings(ROOT, "0123-456789-abcde", 5000)
    assert not on_cluster.serverless
