"""The LangChain agent: ``create_agent`` with the wizard tools and a gating middleware.

Before every model call the middleware (re)reads the prompts from ``prompts/`` (system.md, then
steps/<current step>.md, or steps/review.md once every step is accepted), appends the wizard's
current state, and offers only the tools the wizard allows now (``tools.toolset.offered``). All
tools stay registered with the tool node, and each refuses on its own when called out of turn.

The wizard is a sequence (set, then accept), but the tool node runs the calls of one model turn
concurrently; so the middleware keeps only the first tool call of each model turn, and the model
issues the next one after seeing its result. Older tool results are cut to their first line in
what the model sees (the current values are in the system prompt), which keeps long
conversations within small context windows; the session keeps the full history.
"""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from langchain.agents import create_agent
from langchain.agents.middleware import AgentMiddleware, ModelRequest, ModelResponse
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, BaseMessage, SystemMessage, ToolMessage
from langchain_core.tools import BaseTool

from generators.brief.hints import hints
from tools.step_tables import step_table
from tools.toolset import offered
from tools.wizard import STEPS, WizardState

PROJECT_PROMPTS = Path(__file__).resolve().parents[1] / "prompts"
VOCABULARY = "{{vocabulary}}"
FULL_TOOL_RESULTS = 4  # the latest tool results the model sees in full


def prompts_dir() -> Path:
    """``IDGRAPH_PROMPTS_DIR`` if set, else the project's ``prompts/``."""
    return Path(os.environ.get("IDGRAPH_PROMPTS_DIR") or PROJECT_PROMPTS)


def load_prompt(name: str) -> str:
    """A prompt file's text, e.g. ``system`` or ``steps/households``; ``{{vocabulary}}`` in a
    step prompt becomes that step's word hints from the brief vocabulary."""
    text = (prompts_dir() / f"{name}.md").read_text(encoding="utf-8").strip()
    if VOCABULARY in text:
        text = text.replace(VOCABULARY, hints(name.removeprefix("steps/")))
    return text


def state_summary(wizard: WizardState) -> str:
    """What the model must know about the wizard right now."""
    step = wizard.current_step
    accepted = [s for s in STEPS if s in wizard.accepted]
    lines = [
        f"- Steps in order: {', '.join(STEPS)}.",
        f"- Accepted: {', '.join(accepted) or 'none yet'}.",
        f"- Target: {'.'.join(wizard.target)}; permission "
        + ("checked." if wizard.permitted == wizard.target else "not checked yet."),
    ]
    if step is None:
        reasons = wizard.gate()
        lines.append(
            "- Every step is accepted. "
            + ("generate is available." if not reasons else "Blocked: " + "; ".join(reasons))
        )
        return "\n".join(lines)
    lines.append(f"- Current step: {step}. Its values now:\n\n{step_table(wizard, step)}")
    problems = wizard.problems(step)
    if problems:
        lines.append("- Problems to fix in this step:\n" + "\n".join(f"  - {p}" for p in problems))
    return "\n".join(lines)


def system_prompt(wizard: WizardState) -> str:
    """The full system prompt for the next model call."""
    guidance = load_prompt(f"steps/{wizard.current_step or 'review'}")
    return (
        f"{load_prompt('system')}\n\n## Wizard state (from the tools; authoritative)\n"
        f"{state_summary(wizard)}\n\n## Guidance for this step\n{guidance}"
    )


def compact(messages: list[BaseMessage], keep: int = FULL_TOOL_RESULTS) -> list[BaseMessage]:
    """``messages`` with all but the last ``keep`` tool results cut to their first line."""
    results = [i for i, m in enumerate(messages) if isinstance(m, ToolMessage)]
    older = set(results[:-keep] if keep else results)
    out = []
    for i, message in enumerate(messages):
        if i in older and "\n" in str(message.content):
            first = str(message.content).split("\n", 1)[0]
            message = message.model_copy(update={"content": f"{first} [older result shortened]"})
        out.append(message)
    return out


def first_call_only(message: BaseMessage) -> BaseMessage:
    """An assistant message with at most one tool call (later calls are dropped)."""
    if not isinstance(message, AIMessage) or len(message.tool_calls) <= 1:
        return message
    extra = {k: v for k, v in message.additional_kwargs.items() if k != "tool_calls"}
    return message.model_copy(
        update={"tool_calls": message.tool_calls[:1], "additional_kwargs": extra}
    )


def _sequential(response: Any) -> Any:
    if isinstance(response, ModelResponse):
        return ModelResponse(
            result=[first_call_only(m) for m in response.result],
            structured_response=response.structured_response,
        )
    return first_call_only(response)


class WizardGating(AgentMiddleware):
    """Per model call: the current step's prompt, only the tools the wizard offers now, and at
    most one tool call in the answer."""

    def __init__(self, wizard: WizardState):
        super().__init__()
        self.wizard = wizard

    def _gated(self, request: ModelRequest) -> ModelRequest:
        return request.override(
            messages=compact(list(request.messages)),
            tools=offered(self.wizard, list(request.tools)),
            system_message=SystemMessage(content=system_prompt(self.wizard)),
        )

    def wrap_model_call(self, request: ModelRequest, handler: Callable[..., Any]) -> Any:
        return _sequential(handler(self._gated(request)))

    async def awrap_model_call(
        self, request: ModelRequest, handler: Callable[..., Awaitable[Any]]
    ) -> Any:
        return _sequential(await handler(self._gated(request)))


def build_agent(model: BaseChatModel, wizard: WizardState, tools: list[BaseTool]) -> Any:
    """The compiled agent graph; invoke it with ``{"messages": [...]}``."""
    return create_agent(
        model, tools, system_prompt=load_prompt("system"), middleware=[WizardGating(wizard)]
    )
