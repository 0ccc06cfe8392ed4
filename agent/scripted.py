"""A scripted chat model: replays prepared AIMessages (tool calls included), for tests and CI.

It records what the agent gave it at each call (offered tool names, system prompt, messages),
which is how tests observe step gating and error feedback. Once the script is exhausted it answers with a fixed closing text.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

from langchain_core.language_models.fake_chat_models import FakeMessagesListChatModel
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage
from langchain_core.outputs import ChatGeneration, ChatResult
from pydantic import Field

END_OF_SCRIPT = "(end of script)"
_ids = itertools.count(1)


def tool_call(name: str, **args: Any) -> AIMessage:
    """An assistant turn calling one tool."""
    return AIMessage(
        content="", tool_calls=[{"name": name, "args": args, "id": f"call_{next(_ids)}"}]
    )


def say(text: str) -> AIMessage:
    """An assistant turn with text only (ends the agent loop)."""
    return AIMessage(content=text)


class ScriptedChatModel(FakeMessagesListChatModel):
    """Replays ``responses`` in order, once; ``bind_tools`` records the offered tools."""

    offered: list[list[str]] = Field(default_factory=list)
    system_prompts: list[str] = Field(default_factory=list)
    received: list[list[BaseMessage]] = Field(default_factory=list)

    def bind_tools(self, tools: Sequence[Any], **kwargs: Any) -> ScriptedChatModel:
        self.offered.append([_tool_name(t) for t in tools])
        return self

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kwargs: Any
    ) -> ChatResult:
        system = [m.text for m in messages if isinstance(m, SystemMessage)]
        self.system_prompts.append(system[0] if system else "")
        self.received.append(list(messages))
        if self.i < len(self.responses):
            message = self.responses[self.i]
            self.i += 1
        else:
            message = AIMessage(content=END_OF_SCRIPT)
        return ChatResult(generations=[ChatGeneration(message=message)])

    @property
    def exhausted(self) -> bool:
        return self.i >= len(self.responses)


def _tool_name(tool: Any) -> str:
    if isinstance(tool, dict):
        return tool.get("name") or tool.get("function", {}).get("name", "")
    return tool.name
