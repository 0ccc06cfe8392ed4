"""Which chat model drives the agent, chosen by configuration; None means the guided mode.

First match wins:
0. ``IDGRAPH_FAKE_MODEL_SCRIPT``: a JSON file of scripted assistant turns replayed by
   ``agent.scripted.ScriptedChatModel`` (tests and demos without an LLM; see ``scripted_model``).
1. ``DATABRICKS_SERVING_ENDPOINT`` (with Databricks credentials in the environment, e.g.
   DATABRICKS_HOST + DATABRICKS_TOKEN, or the app's service principal): ChatDatabricks.
2. ``OPENAI_BASE_URL`` and ``IDGRAPH_OPENAI_MODEL`` (``OPENAI_API_KEY`` optional): ChatOpenAI
   against any OpenAI-compatible server, e.g. a local vLLM or Ollama.
3. Otherwise no model: the guided mode drives the same tools without an LLM.
Temperature is 0 so the same conversation tends to resolve to the same spec.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from langchain_core.language_models import BaseChatModel

LOCAL_API_KEY = "not-needed"  # OpenAI-compatible local servers accept any key


@dataclass(frozen=True)
class ModelChoice:
    """The model (None in guided mode) and a one-line label for the user."""

    model: BaseChatModel | None
    label: str


def choose_model(env: Mapping[str, str] | None = None) -> ModelChoice:
    """The configured chat model, or the guided mode with the reason in its label."""
    env = os.environ if env is None else env
    script = env.get("IDGRAPH_FAKE_MODEL_SCRIPT", "").strip()
    if script:
        return ModelChoice(scripted_model(script), f"scripted model ({Path(script).name})")
    endpoint = env.get("DATABRICKS_SERVING_ENDPOINT", "").strip()
    if endpoint:
        from databricks_langchain import ChatDatabricks

        return ModelChoice(
            ChatDatabricks(model=endpoint, temperature=0), f"Databricks endpoint {endpoint}"
        )
    base_url = env.get("OPENAI_BASE_URL", "").strip()
    name = env.get("IDGRAPH_OPENAI_MODEL", "").strip()
    if base_url and name:
        from langchain_openai import ChatOpenAI

        model = ChatOpenAI(
            base_url=base_url,
            model=name,
            api_key=env.get("OPENAI_API_KEY") or LOCAL_API_KEY,
            temperature=0,
        )
        return ModelChoice(model, f"{name} at {base_url}")
    if base_url or name:
        missing = "IDGRAPH_OPENAI_MODEL" if base_url else "OPENAI_BASE_URL"
        return ModelChoice(None, f"guided mode (no LLM): set {missing} too to use a model")
    return ModelChoice(None, "guided mode (no LLM configured)")


def scripted_model(path: str | Path) -> BaseChatModel:
    """A fresh scripted model from a JSON list of turns, each ``{"say": "text"}`` or
    ``{"tool": "name", "args": {...}}`` (one assistant message each, replayed in order)."""
    from agent.scripted import ScriptedChatModel, say, tool_call

    turns = json.loads(Path(path).read_text(encoding="utf-8"))
    return ScriptedChatModel(
        responses=[
            say(turn["say"]) if "say" in turn else tool_call(turn["tool"], **turn.get("args", {}))
            for turn in turns
        ]
    )
