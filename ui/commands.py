"""Button commands and spec uploads, run the same way in both modes.

A button must do exactly what it says whether a language model or the guided mode is chatting,
so it never goes through the model: it runs the guided mode's command (``next``, ``back``,
``review``, ``export``, ``generate``, ``load``...) on the session's own tools, hence with the same
gating and messages. ``AgentSession`` has no such entry point; this is the thin adapter. The app
runs one turn of a chat at a time, so commands never interleave with typed turns.
"""

from __future__ import annotations

import asyncio

from agent.chat_session import AgentSession
from agent.items import Item, TurnEnd
from tools.toolset import offered_names

COMMANDS = {
    "accept": "next",
    "back": "back",
    "review": "review",
    "export": "export",
    "generate": "generate",
    "apply": "apply",
    "adjust": "adjust",
}
BRIEF_BUTTONS = (("apply", "Apply", "check-check"), ("adjust", "Adjust", "pencil"))


def turn_end(session: AgentSession) -> TurnEnd:
    """The wizard's state after a turn, as ``AgentSession`` reports it."""
    wizard = session.wizard
    return TurnEnd(
        wizard.current_step,
        wizard.can_generate,
        tuple(sorted(offered_names(wizard))),
        session.guided.pending is not None,
    )


def brief_buttons(end: TurnEnd) -> tuple[tuple[str, str, str], ...]:
    """Apply and Adjust, while a plain-English reading waits for one of them."""
    return BRIEF_BUTTONS if end.brief_pending else ()


async def run_command(session: AgentSession, text: str) -> list[Item]:
    """One guided-mode command, run in a worker thread (generation blocks): its items, then a
    TurnEnd. Generation progress reaches the UI through the session's ``on_event``."""
    items: list[Item] = []
    await asyncio.to_thread(session.guided.handle, text, items.append)
    return [*items, turn_end(session)]


def load_command(spec_text: str) -> str:
    """The guided command that loads a whole spec from YAML or JSON text."""
    return f"load\n{spec_text}"
