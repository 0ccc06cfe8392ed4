"""MLflow configuration, spec flattening within MLflow's limits, and tracing of agent turns.
(Generation runs logged to MLflow are tested with a real generation in test_agent_generation.)"""

from __future__ import annotations

import mlflow
from mlflow.utils.validation import MAX_PARAM_VAL_LENGTH

from agent import tracking
from agent.chat_session import AgentSession
from agent.scripted import ScriptedChatModel, say, tool_call
from agent.tracking import GenerationTracker, as_params, enable_tracing, tracking_uri


def test_defaults_and_switches():
    assert tracking_uri({}) == f"sqlite:///{tracking.PROJECT_DIR / 'mlflow.db'}"
    assert tracking_uri({"MLFLOW_TRACKING_URI": "databricks"}) == "databricks"
    assert tracking.artifact_location("sqlite:////tmp/x/mlflow.db") == "file:///tmp/x/mlartifacts"
    assert tracking.artifact_location("databricks") is None
    assert GenerationTracker.from_environment({"IDGRAPH_MLFLOW": "0"}) is None
    tracker = GenerationTracker.from_environment({"IDGRAPH_MLFLOW_EXPERIMENT": "/Users/me/x"})
    assert tracker.experiment == "/Users/me/x" and tracker.uri.startswith("sqlite:///")
    assert not tracking.tracing_enabled({}) and tracking.tracing_enabled({"IDGRAPH_MLFLOW": "1"})
    assert enable_tracing({}) is False


def test_params_are_dotted_and_cut_to_the_mlflow_limit():
    params = as_params(
        {
            "households": {"states": {"TX": 0.6}, "size": {"min": 1}},
            "audience": {"segments": [{"name": "a", "states": ["TX", "FL"]}]},
            "seasonality": [1.0, 0.5],
            "long": "x" * (MAX_PARAM_VAL_LENGTH + 10),
            "none": None,
        }
    )
    assert params["households.states.TX"] == "0.6"
    assert params["audience.segments.0.name"] == "a"
    assert params["audience.segments.0.states"] == '["TX", "FL"]'
    assert params["seasonality"] == "[1.0, 0.5]"
    assert len(params["long"]) == MAX_PARAM_VAL_LENGTH
    assert params["none"] == "null"


def test_agent_turns_are_traced_when_enabled(tmp_path):
    env = {
        "IDGRAPH_MLFLOW": "1",
        "MLFLOW_TRACKING_URI": f"sqlite:///{tmp_path / 'mlflow.db'}",
        "IDGRAPH_MLFLOW_EXPERIMENT": "idgraph-traces",
    }
    assert enable_tracing(env)
    try:
        model = ScriptedChatModel(responses=[tool_call("set_households", count=5), say("Done.")])
        AgentSession(model).send_sync("5 households")
        experiment = mlflow.get_experiment_by_name("idgraph-traces")
        traces = mlflow.search_traces(
            locations=[experiment.experiment_id], return_type="list", flush=True
        )
        assert traces
        names = {span.name for trace in traces for span in trace.data.spans}
        assert "set_households" in names
    finally:
        mlflow.langchain.autolog(disable=True)
        tracking._tracing.clear()
