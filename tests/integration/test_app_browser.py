"""The Chainlit app end to end: a real server driven by Playwright in headless Debian Chromium.

Each server is started from the test (``python -m chainlit run chainlit_app.py --headless``)
with its own warehouse folder; screenshots go to ``test-artifacts/``. Household counts stay
small so that every test finishes in about two minutes on two cores.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from databricks_stub import DatabricksStub, running_stub
from deltalake import DeltaTable
from playwright.sync_api import Browser, Page, expect, sync_playwright

from generators.run.outcome import Outcome, outcome_line
from generators.spec.io import load_spec
from generators.tables.registry import TABLES

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
PROGRESS_SCREENSHOT = ROOT / "docs" / "img" / "chat-progress.png"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STEPS = ("households", "demographics", "engagement", "audience", "campaigns", "responses", "output")
TABLES_DONE_TIMEOUT = 600_000  # ms: generous for loaded machines; Spark starts on the first run
UI_TIMEOUT = 30_000
expect.set_options(timeout=UI_TIMEOUT)  # assertions wait like actions: the machine may be loaded
MODEL_VARIABLES = ("DATABRICKS_SERVING_ENDPOINT", "OPENAI_BASE_URL", "IDGRAPH_OPENAI_MODEL")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """A Chainlit server process of this project, on a free port, with its own warehouse."""

    def __init__(self, name: str, warehouse: Path, extra_env: dict[str, str]):
        self.warehouse = warehouse
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in MODEL_VARIABLES}
        env.update(
            IDGRAPH_WAREHOUSE=str(warehouse),
            IDGRAPH_MLFLOW="0",
            SPARK_LOCAL_IP="127.0.0.1",
            # A small driver heap: several test servers and Spark tests share the machine.
            PYSPARK_SUBMIT_ARGS="--driver-memory 2g pyspark-shell",
            **extra_env,
        )
        ARTIFACTS.mkdir(exist_ok=True)
        self.log = ARTIFACTS / f"server-{name}.log"
        command = [sys.executable, "-m", "chainlit", "run", "chainlit_app.py", "--headless"]
        self.process = subprocess.Popen(
            [*command, "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT,
            env=env,
            stdout=self.log.open("w"),
            stderr=subprocess.STDOUT,
        )
        self._wait_ready()

    def _wait_ready(self, seconds: float = 240) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"the app exited early:\n{self.log.read_text()[-3000:]}")
            try:
                with urllib.request.urlopen(self.url, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(f"the app did not start in {seconds} s:\n{self.log.read_text()[-3000:]}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def table_exists(self, catalog: str, schema: str, table: str) -> bool:
        return DeltaTable.is_deltatable(str(self.warehouse / catalog / schema / table))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def guided_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    server = AppServer("guided", tmp_path_factory.mktemp("guided") / "warehouse", {})
    yield server
    server.stop()


SCRIPT = [
    {"tool": "set_households", "args": {"count": 200, "states": {"TX": 0.6, "FL": 0.4}}},
    {"say": "Done: 200 households in Texas and Florida. Shall I keep the other defaults?"},
    *({"tool": "accept_step", "args": {"step": step}} for step in STEPS),
    {"say": "Every step is accepted; say the word and I will generate."},
    {"tool": "generate"},
    {"say": "Your tables are ready."},
]


@pytest.fixture(scope="module")
def scripted_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    folder = tmp_path_factory.mktemp("scripted")
    script = folder / "script.json"
    script.write_text(json.dumps(SCRIPT))
    server = AppServer("scripted", folder / "warehouse", {"IDGRAPH_FAKE_MODEL_SCRIPT": str(script)})
    yield server
    server.stop()


def open_chat(browser: Browser, server: AppServer) -> Page:
    page = browser.new_context(accept_downloads=True, viewport={"width": 1400, "height": 900})
    chat = page.new_page()
    chat.set_default_timeout(UI_TIMEOUT)
    chat.goto(server.url)
    welcome = chat.get_by_text("synthetic marketing identity graphs").first
    expect(welcome).to_be_visible(timeout=4 * UI_TIMEOUT)  # the first chat warms the server up
    return chat


def send(page: Page, text: str) -> None:
    box = page.locator("#chat-input")
    expect(box).to_be_editable()
    box.fill(text)
    box.press("Enter")


def click(page: Page, label: str) -> None:
    """Press the latest button with this label from the keyboard: the chat autoscrolls and a
    floating scroll button can sit over the buttons, which makes pointer clicks land elsewhere."""
    button = page.get_by_role("button", name=label, exact=True).last
    expect(button).to_be_enabled()
    button.focus()
    button.press("Enter")


def shot(page: Page, name: str, show: str | None = None) -> None:
    """A screenshot in test-artifacts/, scrolled to the text ``show`` when given."""
    if show is not None:
        page.get_by_text(show).last.scroll_into_view_if_needed()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def edit(page: Page, text: str, cell: str) -> None:
    """Type a ``field = value`` edit and wait for the changed row of the step table."""
    send(page, text)
    expect(page.get_by_role("cell", name=cell).last).to_be_visible()


def accept_every_step(page: Page, output_edit: str | None = None) -> None:
    for step in STEPS:
        if step == "output" and output_edit:
            edit(page, output_edit, output_edit.split("=")[0].strip() + " *")
        click(page, f"Accept {step}")
        following = STEPS[STEPS.index(step) + 1] if step != "output" else None
        if following:
            expect(page.get_by_text(f"{step} accepted.").last).to_be_visible()
    expect(page.get_by_role("button", name="Generate", exact=True).last).to_be_visible()


def wait_for_tables_done(page: Page) -> None:
    """Every registered table's task reaches done and the run reports done."""
    expect(page.get_by_text("Generation done").first).to_be_visible(timeout=TABLES_DONE_TIMEOUT)
    expect(page.locator(".task:visible")).to_have_count(len(TABLES))
    expect(page.locator(".task.task-status-done:visible")).to_have_count(len(TABLES))


def expect_verdict(page: Page, server: AppServer, schema: str) -> None:
    """The chat shows the verdict the validation wrote, and the report's plots inline."""
    shown = page.get_by_text(re.compile("Validation (✅ passed|❌ failed)")).first
    expect(shown).to_be_visible(timeout=TABLES_DONE_TIMEOUT)
    reports = sorted((server.warehouse / "bryan_li" / schema / "_reports").glob("*/report.json"))
    report = json.loads(reports[-1].read_text())
    assert ("passed" if report["passed"] else "failed") in shown.inner_text()
    expect(page.get_by_text("Validation report:").first).to_be_visible()
    for plot in reports[-1].parent.glob("*.png"):
        expect(page.locator(f"img[alt='{plot.stem}']").first).to_be_attached()


def download_spec(page: Page, folder: Path) -> Path:
    link = page.get_by_text(re.compile(r"idgraph-spec-\w+\.yaml")).last
    with page.expect_download() as download:
        link.click()
    target = folder / download.value.suggested_filename
    download.value.save_as(target)
    return target


def test_guided_mode_end_to_end(browser: Browser, guided_app: AppServer, tmp_path: Path):
    page = open_chat(browser, guided_app)
    expect(page.get_by_text("guided mode").first).to_be_visible()
    expect(page.get_by_text("local user").first).to_be_visible()
    shot(page, "guided-01-welcome")

    edit(page, "count = 200", "count *")
    click(page, "Edit")
    expect(page.get_by_text("Example:").last).to_be_visible()
    accept_every_step(page)
    shot(page, "guided-02-ready")

    click(page, "Generate")
    running = page.locator(".task.task-status-running:visible").first
    expect(running).to_be_visible(timeout=TABLES_DONE_TIMEOUT)
    expect(page.get_by_text("rows/s").first).to_be_visible()
    shot(page, "guided-03-running")
    wait_for_tables_done(page)
    expect_verdict(page, guided_app, "synthetic_identity")
    expect(page.get_by_text("Sample rows").first).to_be_visible()
    (ARTIFACTS / "guided-results.html").write_text(page.content())
    shot(page, "guided-04-tables", "Sample rows")
    shot(page, "guided-05-validation", "Downloads")
    # The README's picture of a run: the finished task list beside the report's last plots.
    page.screenshot(path=str(PROGRESS_SCREENSHOT))

    spec_file = download_spec(page, tmp_path)
    spec = load_spec(spec_file)
    assert spec.households.count == 200
    assert guided_app.table_exists("bryan_li", "synthetic_identity", "households")

    # Resume: upload the exported spec; every step is accepted again and generate is offered.
    page.locator("#upload-button-input").set_input_files(str(spec_file))
    send(page, "here is my spec")
    expect(page.get_by_text("Spec loaded.").last).to_be_visible()
    expect(page.get_by_role("button", name="Generate", exact=True).last).to_be_visible()
    shot(page, "guided-06-uploaded")


def test_agent_path_with_scripted_model(browser: Browser, scripted_app: AppServer, tmp_path: Path):
    page = open_chat(browser, scripted_app)
    expect(page.get_by_text("scripted model").first).to_be_visible()

    send(page, "Affluent families in Texas and Florida; a small test with 200 households.")
    expect(page.get_by_text("Done: 200 households").last).to_be_visible()
    expect(page.get_by_role("cell", name="TX 0.6, FL 0.4").last).to_be_visible()
    send(page, "Keep the defaults and accept every step.")
    expect(page.get_by_text("Every step is accepted; say the word").last).to_be_visible()
    expect(page.get_by_role("button", name="Generate", exact=True).last).to_be_visible()
    shot(page, "agent-01-accepted")

    send(page, "Generate it.")
    wait_for_tables_done(page)
    expect_verdict(page, scripted_app, "synthetic_identity")
    expect(page.get_by_text("Your tables are ready.").last).to_be_visible()
    shot(page, "agent-02-results", "Your tables are ready.")

    spec = load_spec(download_spec(page, tmp_path))
    assert spec.households.count == 200
    assert spec.households.states == {"TX": 0.6, "FL": 0.4}


def test_two_users_at_once_see_only_their_own_runs(browser: Browser, guided_app: AppServer):
    alice = open_chat(browser, guided_app)
    bob = open_chat(browser, guided_app)
    edit(alice, "count = 150", "count *")
    edit(bob, "count = 40000", "count *")
    accept_every_step(alice, "schema = alice_run")
    accept_every_step(bob, "schema = bob_run")

    click(bob, "Generate")
    click(alice, "Generate")
    expect(bob.locator(".task.task-status-running:visible").first).to_be_visible(
        timeout=TABLES_DONE_TIMEOUT
    )
    click(bob, "Cancel")
    expect(bob.get_by_text(re.compile("Generation cancelled")).first).to_be_visible(
        timeout=TABLES_DONE_TIMEOUT
    )
    wait_for_tables_done(alice)
    shot(alice, "two-users-alice")
    shot(bob, "two-users-bob")

    assert "alice_run" in alice.content() and "bob_run" not in alice.content()
    assert "bob_run" in bob.content() and "alice_run" not in bob.content()
    assert "40,000" not in alice.content()
    assert guided_app.table_exists("bryan_li", "alice_run", "households")
    assert not any(
        guided_app.table_exists("bryan_li", "bob_run", table)
        for table in ("households", "individuals", "content_engagements")
    )


APPS_TOKEN = "dapi-browser-test-token-0123456789"


APPS_USER = "ana@example.com"
APPS_HEADERS = {
    "X-Forwarded-Email": APPS_USER,
    "X-Forwarded-Preferred-Username": "Ana Lytics",
    "X-Forwarded-Access-Token": APPS_TOKEN,
}


@pytest.fixture(scope="module")
def workspace() -> Iterator[DatabricksStub]:
    """The HTTP stub of the workspace the app calls as the user: Ana may write the default
    target, and every generation is large enough to be a Jobs run."""
    with running_stub() as stub:
        stub.user_name = APPS_USER
        stub.catalogs["bryan_li"] = "uc-admins"
        stub.schemas["bryan_li.synthetic_identity"] = "uc-admins"
        stub.grant(APPS_USER, "USE_CATALOG", "catalog", "bryan_li")
        stub.grant(APPS_USER, "USE_SCHEMA", "schema", "bryan_li.synthetic_identity")
        stub.grant(APPS_USER, "CREATE_TABLE", "schema", "bryan_li.synthetic_identity")
        yield stub


@pytest.fixture(scope="module")
def apps_app(
    tmp_path_factory: pytest.TempPathFactory, workspace: DatabricksStub
) -> Iterator[AppServer]:
    """The app as Databricks Apps runs it: App variables set, Chainlit header auth on, the
    workspace at ``workspace``, generations as Jobs runs."""
    server = AppServer(
        "apps",
        tmp_path_factory.mktemp("apps") / "warehouse",
        {
            "DATABRICKS_APP_PORT": "0",
            "CHAINLIT_AUTH_SECRET": "browser-test-secret-" + "x" * 40,
            "DATABRICKS_HOST": workspace.url,
            "IDGRAPH_JOB_SOURCE_ROOT": "/Workspace/Users/ana@example.com/idgraph",
            "IDGRAPH_JOB_THRESHOLD_ROWS": "1",
        },
    )
    yield server
    server.stop()


def test_apps_mode_job_run_shows_rows_verdict_and_report(
    browser: Browser, apps_app: AppServer, workspace: DatabricksStub
):
    """A Jobs run's outcome, printed by its task and read back through runs/get-output, is
    shown as a local run's is: rows per table, the verdict and the report's text."""
    workspace.run_states = [("RUNNING", None, "In run"), ("TERMINATED", "SUCCESS", "")]
    rows = {node.name: 1000 + i for i, node in enumerate(TABLES)}
    report = (
        "# Validation report\n\n**Verdict: PASSED** (from the job)\n\n## Plots\n\n![a](a.png)\n"
    )
    line = outcome_line(Outcome("f00d", rows, True, report, final=True))
    workspace.task_logs[1002] = f"Spark started\n{line}\n"  # run 1001's generation task

    context = browser.new_context(extra_http_headers=APPS_HEADERS, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(UI_TIMEOUT)
    page.goto(apps_app.url)
    expect(page.get_by_text("Signed in as Ana Lytics").first).to_be_visible(timeout=4 * UI_TIMEOUT)
    accept_every_step(page)
    click(page, "Generate")
    expect(page.get_by_text("Validation ✅ passed").first).to_be_visible(timeout=4 * UI_TIMEOUT)
    expect(page.get_by_text("(from the job)").first).to_be_visible()
    expect(page.get_by_text("Databricks job run 1001").first).to_be_visible()
    expect(page.get_by_role("cell", name="bryan_li.synthetic_identity.households")).to_be_visible()
    total = f"{sum(rows.values()):,}"
    expect(page.get_by_text(total).first).to_be_visible()
    expect(page.get_by_text("idgraph-report-1001.md").first).to_be_visible()
    shot(page, "apps-03-job-results", "Validation ✅ passed")
    assert APPS_TOKEN not in page.content()
    context.close()
    assert len(workspace.submitted) == 1
    outputs = [r for r in workspace.requests if r.path == "/api/2.2/jobs/runs/get-output"]
    assert [r.query["run_id"] for r in outputs] == ["1002"]
    assert {r.headers["Authorization"] for r in outputs} == {f"Bearer {APPS_TOKEN}"}


def test_apps_mode_shows_the_forwarded_user_and_never_the_token(
    browser: Browser, apps_app: AppServer
):
    headers = dict(APPS_HEADERS)
    context = browser.new_context(extra_http_headers=headers)
    page = context.new_page()
    page.set_default_timeout(UI_TIMEOUT)
    page.goto(apps_app.url)
    signed_in = page.get_by_text("Signed in as Ana Lytics (ana@example.com)").first
    expect(signed_in).to_be_visible(timeout=4 * UI_TIMEOUT)  # the first chat warms the server up
    expect(page.get_by_text("Step 1/7 · households").first).to_be_visible()
    shot(page, "apps-01-signed-in")
    assert APPS_TOKEN not in page.content()
    context.close()

    # Fail closed: signed in, but no token forwarded (user authorization not enabled).
    headers.pop("X-Forwarded-Access-Token")
    context = browser.new_context(extra_http_headers=headers)
    page = context.new_page()
    page.set_default_timeout(UI_TIMEOUT)
    page.goto(apps_app.url)
    expect(page.get_by_text("received no X-Forwarded-Access-Token").first).to_be_visible()
    expect(page.get_by_text("Step 1/7").first).not_to_be_visible()
    shot(page, "apps-02-no-token")
    context.close()
    apps_app.stop()
    assert APPS_TOKEN not in apps_app.log.read_text()
