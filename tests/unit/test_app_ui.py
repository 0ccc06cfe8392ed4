"""The app's pure helpers: progress folding, report and sample reading, identity, defaults."""

from __future__ import annotations

import zipfile
from io import BytesIO
from pathlib import Path

import pyarrow as pa
import pytest
from deltalake import write_deltalake

from generators.databricks.identity import IdentityError
from generators.run.events import (
    JobState,
    RunFailed,
    RunFinished,
    RunStarted,
    TableDone,
    TableProgress,
    TableStarted,
)
from generators.spec.errors import SpecError
from tools.wizard import allow_all
from ui.results import read_report, sample_markdown
from ui.run_progress import DONE, FAILED, READY, RUNNING, RunProgress
from ui.settings import initial_spec
from ui.workspace_user import (
    describe_user,
    headers_from_environ,
    permission_check_for,
    signed_in,
    user_from_environ,
)


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def started(clock: Clock) -> RunProgress:
    progress = RunProgress(clock)
    progress.apply(RunStarted("r1", ("a", "b"), {"a": 100, "b": 300}))
    return progress


def test_progress_weights_tables_by_expected_rows_and_never_goes_back():
    clock = Clock()
    progress = started(clock)
    assert [s.status for s in progress.tables.values()] == [READY, READY]
    progress.apply(TableStarted("a", 100))
    progress.apply(TableProgress("a", 0.5, 50))
    assert progress.tables["a"].status == RUNNING
    assert progress.fraction == pytest.approx(50 / 400)
    progress.apply(TableProgress("a", 0.2, 20))  # late, smaller report: ignored
    assert progress.fraction == pytest.approx(50 / 400)
    clock.now += 2
    progress.apply(TableDone("a", 110, 2.0, 1000))
    assert progress.tables["a"].status == DONE
    assert progress.rows_done == 110
    assert progress.rows_per_second() == pytest.approx(55)
    assert progress.fraction == pytest.approx(100 / 400)
    assert progress.running_table() is None
    progress.apply(TableStarted("b", 300))
    assert "building `b`" in progress.status_line()
    progress.apply(TableDone("b", 290, 1.0, 1000))
    progress.apply(RunFinished("r1", {"a": 110, "b": 290}, 3.0))
    assert progress.outcome == DONE
    assert progress.fraction == 1.0
    frozen = progress.elapsed
    clock.now += 50
    assert progress.elapsed == frozen


def test_progress_equal_weights_without_estimates_and_failure_marks_the_table():
    progress = RunProgress(Clock())
    progress.apply(RunStarted("r2", ("a", "b"), {"a": None, "b": 10}))
    progress.apply(TableDone("a", 7, 0.1, 1))
    assert progress.fraction == pytest.approx(0.5)
    progress.apply(TableStarted("b", 10))
    progress.apply(RunFailed("b", "RunCancelled: stopped"))
    assert progress.outcome == FAILED
    assert progress.tables["b"].status == FAILED
    assert progress.error == "RunCancelled: stopped"


def test_progress_of_a_databricks_job_run_follows_its_states():
    progress = RunProgress(Clock())
    progress.apply(RunStarted("77", ("a", "b"), {"a": 10, "b": 30}))
    progress.apply(JobState(77, "PENDING", None, "Waiting for compute", "https://w/#job/runs/77"))
    assert progress.status_line().startswith(
        "Databricks job run [77](https://w/#job/runs/77): **PENDING** · Waiting for compute · "
    )
    progress.apply(JobState(77, "RUNNING", None, "", "https://w/#job/runs/77"))
    assert "**RUNNING** · " in progress.status_line() and progress.fraction == 0.0
    progress.apply(JobState(77, "TERMINATED", "SUCCESS", "", "https://w/#job/runs/77"))
    progress.apply(RunFinished("77", {}, 5.0))
    assert "**TERMINATED** (SUCCESS)" in progress.status_line()
    assert progress.outcome == DONE and progress.fraction == 1.0
    assert {state.status for state in progress.tables.values()} == {DONE}


def test_sample_markdown_reads_the_committed_table(tmp_path: Path):
    wide = {f"c{i}": list(range(7)) for i in range(10)}
    wide["c0"] = ["x|y" * 20] * 7
    write_deltalake(str(tmp_path / "t"), pa.table(wide))
    text = sample_markdown(tmp_path / "t", rows=3)
    lines = text.splitlines()
    assert lines[0].startswith("| c0 | c1 |") and "(+2 columns)" in lines[0]
    assert len(lines) == 2 + 3
    assert "x\\|y" in lines[2] and "…" in lines[2]  # pipes escaped, long cells cut
    assert sample_markdown(tmp_path / "missing").startswith("_no sample")


def test_read_report_strips_image_links_and_zips_the_folder(tmp_path: Path):
    assert read_report(tmp_path) is None
    (tmp_path / "report.md").write_text(
        "# Validation report\n\n**Verdict: PASSED**\n\n## Plots\n\n![ages](ages.png)\n"
    )
    (tmp_path / "ages.png").write_bytes(b"\x89PNG fake")
    (tmp_path / "report.json").write_text("{}")
    report = read_report(tmp_path)
    assert report is not None
    assert "Verdict: PASSED" in report.markdown
    assert "![" not in report.markdown and "## Plots" not in report.markdown
    assert [p.name for p in report.plots] == ["ages.png"]
    names = zipfile.ZipFile(BytesIO(report.zip_bytes())).namelist()
    assert sorted(names) == ["ages.png", "report.json", "report.md"]


def test_headers_from_environ_and_local_user(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("DATABRICKS_APP_PORT", raising=False)
    monkeypatch.delenv("DATABRICKS_APP_NAME", raising=False)
    environ = {"HTTP_X_FORWARDED_EMAIL": "a@b.com", "REQUEST_METHOD": "GET"}
    assert headers_from_environ(environ) == {"x-forwarded-email": "a@b.com"}
    user = user_from_environ(environ)  # outside an App the headers are ignored
    assert user.token is None and user.email.endswith("@localhost")
    assert "local user" in describe_user(user)
    assert permission_check_for(user) is allow_all


def test_apps_user_from_environ_keeps_the_token_out_of_text(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DATABRICKS_APP_PORT", "8000")
    environ = {
        "HTTP_X_FORWARDED_EMAIL": "ana@example.com",
        "HTTP_X_FORWARDED_PREFERRED_USERNAME": "Ana",
        "HTTP_X_FORWARDED_ACCESS_TOKEN": "dapi-secret-token",
    }
    user = user_from_environ(environ)
    assert (user.email, user.display_name, user.token) == (
        "ana@example.com",
        "Ana",
        "dapi-secret-token",
    )
    shown = describe_user(user) + repr(user) + str(user)
    assert "ana@example.com" in shown and "dapi-secret-token" not in shown
    assert permission_check_for(user) is not allow_all
    with pytest.raises(IdentityError, match="X-Forwarded-Access-Token"):
        user_from_environ({"HTTP_X_FORWARDED_EMAIL": "ana@example.com"})


def test_signed_in_needs_an_email():
    assert signed_in({"X-Forwarded-Email": "ana@example.com", "X-Forwarded-User": "u1"}) == (
        "ana@example.com",
        "u1",
    )
    assert signed_in({"X-Forwarded-Access-Token": "t"}) is None


def test_initial_spec_takes_the_target_from_the_environment():
    spec = initial_spec({"IDGRAPH_CATALOG": "main", "IDGRAPH_SCHEMA": " demo "})
    assert (spec.output.catalog, spec.output.schema_name) == ("main", "demo")
    assert initial_spec({}).output.catalog == "bryan_li"
    with pytest.raises(SpecError, match=r"output\.catalog"):
        initial_spec({"IDGRAPH_CATALOG": "bad name; DROP"})
