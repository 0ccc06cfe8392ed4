"""Model choice by configuration: Databricks endpoint, OpenAI-compatible server, or none."""

from __future__ import annotations

from langchain_openai import ChatOpenAI

from agent.models import choose_model


def test_no_configuration_selects_the_guided_mode():
    choice = choose_model({})
    assert choice.model is None and choice.label.startswith("guided mode")


def test_half_an_openai_configuration_says_what_is_missing():
    choice = choose_model({"OPENAI_BASE_URL": "http://localhost:8000/v1"})
    assert choice.model is None and "IDGRAPH_OPENAI_MODEL" in choice.label


def test_openai_compatible_server():
    choice = choose_model(
        {"OPENAI_BASE_URL": "http://localhost:11434/v1", "IDGRAPH_OPENAI_MODEL": "qwen2.5:7b"}
    )
    assert isinstance(choice.model, ChatOpenAI)
    assert choice.model.model_name == "qwen2.5:7b"
    assert choice.model.openai_api_base == "http://localhost:11434/v1"
    assert choice.model.temperature == 0
    assert choice.label == "qwen2.5:7b at http://localhost:11434/v1"


def test_databricks_endpoint_wins(monkeypatch):
    monkeypatch.setenv("DATABRICKS_HOST", "https://example.cloud.databricks.com")
    monkeypatch.setenv("DATABRICKS_TOKEN", "dapi-test")
    choice = choose_model(
        {
            "DATABRICKS_SERVING_ENDPOINT": "databricks-claude-sonnet",
            "OPENAI_BASE_URL": "http://localhost:8000/v1",
            "IDGRAPH_OPENAI_MODEL": "x",
        }
    )
    assert type(choice.model).__name__ == "ChatDatabricks"
    assert choice.model.model == "databricks-claude-sonnet"
    assert choice.label == "Databricks endpoint databricks-claude-sonnet"
