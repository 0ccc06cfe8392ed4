"""Generation from the agent, for real: a scripted conversation through every step to a small
run that writes every table (progress streamed, MLflow run recorded), then its exported spec
loaded in the guided mode regenerates identical tables."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml
from mlflow import MlflowClient
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from agent.chat_session import AgentSession
from agent.items import Progress, ToolResult, TurnEnd
from agent.scripted import ScriptedChatModel, say, tool_call
from agent.tracking import GenerationTracker, spec_params
from generators.run.events import RunFinished, RunStarted, TableDone
from generators.spec.io import parse_spec
from generators.storage.local import LocalDeltaWarehouse
from generators.tables.registry import TABLES

HOUSEHOLDS = 200
CONVERSATION = [
    tool_call(
        "set_households",
        count=HOUSEHOLDS,
        states={"TX": 0.56, "FL": 0.44},
        income_brackets={"100k_150k": 0.4, "150k_200k": 0.3, "200k_plus": 0.3},
        urbanicity={"suburban": 0.8, "urban": 0.15, "rural": 0.05},
        size={"average": 3.4, "min": 2},
    ),
    tool_call("accept_step", step="households"),
    tool_call(
        "set_demographics",
        householder_age={"35-44": 0.5, "45-54": 0.5},
        employment={
            "employed": 0.82,
            "unemployed": 0.04,
            "retired": 0.02,
            "student": 0.02,
            "homemaker_or_other": 0.1,
        },
    ),
    tool_call("accept_step", step="demographics"),
    tool_call(
        "set_engagement",
        devices={"ctv": 0.6, "mobile": 0.25, "desktop": 0.1, "tablet": 0.05},
        events_per_individual={"mean": 12, "max": 200},
    ),
    tool_call("accept_step", step="engagement"),
    tool_call("accept_step", step="audience"),
    tool_call("set_campaigns", count=3, flight_days={"average": 20, "min": 14, "max": 28}),
    tool_call("accept_step", step="campaigns"),
    tool_call("set_responses", baseline_conversion_rate=0.03),
    tool_call("accept_step", step="responses"),
    tool_call("set_output", schema="agent_run", seed=11),
    tool_call("accept_step", step="output"),
    say("Every step is accepted. Shall I generate?"),
    tool_call("generate"),
    say("Done: the tables are in the warehouse."),
]


def content_hash(df: DataFrame) -> tuple[int, int]:
    """(rows, exact sum of per-row xxhash64): equal for equal multisets of rows."""
    row_hash = F.xxhash64(*(F.col(c) for c in df.columns)).cast("decimal(38,0)")
    rows, total = df.agg(F.count(F.lit(1)), F.sum(row_hash)).first()
    return int(rows), int(total or 0)


def table_hashes(spark: SparkSession, warehouse: Path, schema: str) -> dict[str, tuple[int, int]]:
    store = LocalDeltaWarehouse(warehouse, "bryan_li", schema, spark=spark)
    return {t.name: content_hash(store.read(t.name)) for t in TABLES}


@pytest.fixture(scope="module")
def run(spark: SparkSession, tmp_path_factory: pytest.TempPathFactory) -> SimpleNamespace:
    root = tmp_path_factory.mktemp("agent_generation")
    warehouse = root / "warehouse"
    tracker = GenerationTracker(f"sqlite:///{root / 'mlflow.db'}", "idgraph-test")
    events: list = []
    model = ScriptedChatModel(responses=CONVERSATION)
    session = AgentSession(model, warehouse=str(warehouse), tracker=tracker, on_event=events.append)
    setup = session.send_sync(
        "Affluent suburban families in Texas and Florida, parents 35 to 54, "
        "heavy CTV viewers; 200 households, 3 campaigns."
    )
    generation = session.send_sync("Yes, generate.")
    return SimpleNamespace(
        session=session,
        model=model,
        setup=setup,
        generation=generation,
        events=events,
        warehouse=warehouse,
        tracker=tracker,
    )


def test_conversation_walks_every_step_then_generates_every_table(run, spark):
    failures = [r.content for r in run.setup if isinstance(r, ToolResult) and not r.ok]
    assert failures == []
    assert run.setup[-1] == TurnEnd(None, True, run.setup[-1].offered)
    assert all("generate" not in offered for offered in run.model.offered[:13])
    assert "generate" in run.model.offered[13]
    (result,) = [r for r in run.generation if isinstance(r, ToolResult)]
    assert result.tool == "generate" and result.ok, result.content
    generated = run.session.wizard.last_result
    assert set(generated.rows) == {t.name for t in TABLES}
    assert generated.rows["households"] == HOUSEHOLDS
    assert generated.location.endswith("bryan_li/agent_run")
    assert f"Location: {generated.location}" in result.content
    verdict = {True: "passed", False: "FAILED"}[generated.validation_passed]
    assert f"Validation: {verdict} (report: {generated.report_dir})" in result.content
    assert "| households | 200 |" in result.content
    store = LocalDeltaWarehouse(run.warehouse, "bryan_li", "agent_run", spark=spark)
    assert all(store.exists(t.name) for t in TABLES)
    states = {r.state for r in store.read("households").select("state").distinct().collect()}
    assert states <= {"TX", "FL"}


def test_generation_progress_reaches_the_stream_and_the_hook(run):
    streamed = [i.event for i in run.generation if isinstance(i, Progress)]
    assert isinstance(streamed[0], RunStarted)
    assert any(isinstance(e, RunFinished) for e in streamed)
    done = {e.table for e in streamed if isinstance(e, TableDone)}
    assert done == {t.name for t in TABLES}
    assert run.events == streamed  # on_event saw the same events, in the same order


def test_generation_is_recorded_as_an_mlflow_run(run, tmp_path):
    client = MlflowClient(tracking_uri=run.tracker.uri)
    experiment = client.get_experiment_by_name("idgraph-test")
    (logged,) = client.search_runs([experiment.experiment_id])
    spec = run.session.wizard.spec()
    params = logged.data.params
    assert params == spec_params(spec) and len(params) > 100  # more than one batch
    assert params["households.count"] == "200" and params["households.states.TX"] == "0.56"
    assert params["output.schema"] == "agent_run" and params["seed"] == "11"
    generated = run.session.wizard.last_result
    assert logged.data.metrics["rows.households"] == HOUSEHOLDS
    assert logged.data.metrics["rows_total"] == sum(generated.rows.values())
    assert logged.data.metrics["seconds"] == pytest.approx(generated.seconds)
    assert logged.data.tags["idgraph.run_id"] == generated.run_id
    artifacts = {a.path for a in client.list_artifacts(logged.info.run_id)}
    assert "spec.yaml" in artifacts
    if generated.report_dir:
        assert "validation_report" in artifacts
    local = client.download_artifacts(logged.info.run_id, "spec.yaml", str(tmp_path))
    assert parse_spec(yaml.safe_load(Path(local).read_text())).fingerprint() == spec.fingerprint()
    (note,) = [r for r in run.generation if isinstance(r, ToolResult)]
    assert f"Tracked as MLflow run {logged.info.run_id}" in note.content


def test_exported_spec_regenerates_identical_tables_in_the_guided_mode(run, spark):
    export = next(t for t in run.session.tools if t.name == "export_spec")
    exported = export.invoke({}).removeprefix("```yaml\n").removesuffix("```")
    guided = AgentSession(None, warehouse=str(run.warehouse))
    for text in (exported, "goto output", "schema = guided_copy", "next", "generate"):
        items = guided.send_sync(text)
        failed = [i.content for i in items if isinstance(i, ToolResult) and not i.ok]
        assert failed == [], text
    assert guided.wizard.last_result.location.endswith("bryan_li/guided_copy")
    original = table_hashes(spark, run.warehouse, "agent_run")
    assert table_hashes(spark, run.warehouse, "guided_copy") == original
    assert original["households"][0] == HOUSEHOLDS
