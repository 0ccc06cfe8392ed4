"""What a conversation turn yields to the UI, in order.

``AssistantDelta`` pieces (streamed tokens, when the model streams) concatenate to the text of
the ``AssistantMessage`` that follows them. ``ToolCall``/``ToolResult`` pair up by tool name in
order; ``ToolResult.content`` is Markdown (step tables, reviews, run summaries). ``Progress``
wraps a generation event. ``TurnEnd`` is always last and tells the UI the wizard's state.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from generators.run.events import Event


@dataclass(frozen=True)
class AssistantDelta:
    text: str


@dataclass(frozen=True)
class AssistantMessage:
    text: str


@dataclass(frozen=True)
class ToolCall:
    tool: str
    args: dict[str, Any]


@dataclass(frozen=True)
class ToolResult:
    """``ok`` is False for refusals and errors; ``step`` is the current step after the call."""

    tool: str
    content: str
    ok: bool
    step: str | None


@dataclass(frozen=True)
class Progress:
    event: Event


@dataclass(frozen=True)
class TurnEnd:
    """``step`` is None once every step is accepted; ``offered`` are the tools available now;
    ``brief_pending``: a plain-English reading waits to be applied or adjusted."""

    step: str | None
    can_generate: bool
    offered: tuple[str, ...]
    brief_pending: bool = False


Item = AssistantDelta | AssistantMessage | ToolCall | ToolResult | Progress | TurnEnd
