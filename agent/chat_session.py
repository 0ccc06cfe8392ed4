"""One user conversation: the wizard, the agent (or the guided mode) and generation progress.

Designed for the Chainlit app::

    session = AgentSession.from_environment(permission_check=..., user=email)
    for item in session.welcome(): ...
    async for item in session.send(text): ...   # AssistantDelta/Message, ToolCall/Result,
                                                # Progress, then TurnEnd
    session.cancel()                            # stops a running generation

A turn runs in a worker thread (the agent and generation are synchronous); items reach the
caller's event loop as they happen. Tool calls of one model turn run one at a time, in order
(``max_concurrency=1``), so a ``set_x`` followed by ``accept_step`` is never reordered. Turns of
one session are serialised. ``on_event`` also receives every generation event, from the
generation's thread.

Where generation runs: locally (``generators.run.service.run_generation``) unless the session has a
``databricks`` execution (the app gives it one inside a Databricks App), which runs it through
Databricks Connect or as a Databricks Jobs run (``generators.databricks.execution``); either way
the same events stream and ``cancel`` stops it (a Jobs run is cancelled on Databricks).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    ToolMessage,
)
from langgraph.errors import GraphRecursionError

from agent.graph import build_agent
from agent.guided import GuidedMode
from agent.items import (
    AssistantDelta,
    AssistantMessage,
    Item,
    Progress,
    ToolCall,
    ToolResult,
    TurnEnd,
)
from agent.models import choose_model
from agent.tracking import GenerationTracker, enable_tracing
from generators.run.events import Event, EventSink
from generators.spec import GenerationSpec
from tools.actions import RunLogger, Runner
from tools.step_tables import step_table
from tools.toolset import make_tools, offered_names
from tools.wizard import PermissionCheck, WizardState, allow_all

if TYPE_CHECKING:
    from generators.databricks.execution import DatabricksExecution

RECURSION_LIMIT = 150  # graph steps per turn: about 70 model calls
_DONE = object()


class AgentSession:
    """A conversation filling one spec; ``model=None`` selects the guided mode."""

    def __init__(
        self,
        model: BaseChatModel | None = None,
        *,
        spec: GenerationSpec | None = None,
        permission_check: PermissionCheck = allow_all,
        warehouse: str | None = None,
        user: str | None = None,
        validate: bool = True,
        on_event: EventSink | None = None,
        tracker: RunLogger | None = None,
        runner: Runner | None = None,
        model_label: str = "",
        databricks: DatabricksExecution | None = None,
    ):
        self.wizard = WizardState(spec, permission_check)
        self.warehouse, self.user, self.validate = warehouse, user, validate
        self.databricks = databricks
        self.on_event = on_event
        self.model_label = model_label or ("guided mode" if model is None else type(model).__name__)
        self.cancel_event = threading.Event()
        self.tools = make_tools(self.wizard, runner or self._run_generation, tracker)
        self.agent = build_agent(model, self.wizard, self.tools) if model is not None else None
        self.guided = GuidedMode(self.wizard, self.tools)
        self.history: list[BaseMessage] = []
        self._emit: Callable[[Item], None] | None = None
        self._turn = threading.Lock()

    @classmethod
    def from_environment(cls, **kwargs: Any) -> AgentSession:
        """Model, MLflow tracing and generation tracking as the environment configures them."""
        choice = choose_model()
        enable_tracing()
        kwargs.setdefault("tracker", GenerationTracker.from_environment())
        return cls(choice.model, model_label=choice.label, **kwargs)

    # ------------------------------------------------------------ state for the UI

    @property
    def mode(self) -> str:
        return "guided" if self.agent is None else "agent"

    @property
    def current_step(self) -> str | None:
        return self.wizard.current_step

    @property
    def can_generate(self) -> bool:
        return self.wizard.can_generate

    def welcome(self) -> list[Item]:
        """What to show when the conversation opens."""
        if self.agent is None:
            return [*self.guided.welcome(), self._turn_end()]
        text = (
            f"Describe the market you want to simulate in plain English ({self.model_label}). "
            "I will fill the spec step by step and show each step's values for you to confirm."
        )
        step = self.wizard.current_step or "households"
        return [
            AssistantMessage(text),
            ToolResult("show", step_table(self.wizard, step), True, step),
            self._turn_end(),
        ]

    def cancel(self) -> None:
        """Ask a running generation to stop (it leaves no partial table visible)."""
        self.cancel_event.set()

    # ------------------------------------------------------------ turns

    def send_sync(self, text: str) -> list[Item]:
        """Run one turn in this thread; every item it produced, TurnEnd last."""
        items: list[Item] = []
        self._run_turn(text, items.append)
        return items

    async def send(self, text: str) -> AsyncIterator[Item]:
        """Run one turn in a worker thread, yielding items as they happen (TurnEnd last)."""
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Any] = asyncio.Queue()

        def emit(item: Any) -> None:
            loop.call_soon_threadsafe(queue.put_nowait, item)

        def work() -> None:
            try:
                self._run_turn(text, emit)
            finally:
                emit(_DONE)

        task = asyncio.ensure_future(asyncio.to_thread(work))
        while (item := await queue.get()) is not _DONE:
            yield item
        await task

    def _run_turn(self, text: str, emit: Callable[[Item], None]) -> None:
        with self._turn:
            self._emit = emit
            try:
                if self.agent is None:
                    self.guided.handle(text, emit)
                else:
                    self._agent_turn(text, emit)
            finally:
                self._emit = None
            emit(self._turn_end())

    def _agent_turn(self, text: str, emit: Callable[[Item], None]) -> None:
        new: list[BaseMessage] = [HumanMessage(text)]
        config = {"recursion_limit": RECURSION_LIMIT}
        try:
            for mode, chunk in self.agent.stream(
                {"messages": [*self.history, *new]},
                config=config,
                stream_mode=["messages", "updates"],
            ):
                if mode == "messages":
                    message, meta = chunk
                    streamed = isinstance(message, AIMessageChunk) and message.text
                    if streamed and meta.get("langgraph_node") == "model":
                        emit(AssistantDelta(str(message.text)))
                    continue
                for update in chunk.values():
                    for message in (update or {}).get("messages", []):
                        new.append(message)
                        self._emit_message(message, emit)
        except GraphRecursionError:
            emit(
                AssistantMessage(
                    "I stopped: this turn took too many steps. The spec keeps every "
                    "change shown above; tell me how to continue."
                )
            )
        except Exception as error:  # the model endpoint failed: read the message offline
            emit(
                AssistantMessage(
                    f"The language model is unavailable ({type(error).__name__}: {error}). The "
                    "spec keeps every change shown above. Here is the offline reading of your "
                    "message instead (no model involved):"
                )
            )
            self.guided.handle(text, emit)  # a description, an edit or a command, offline
        self.history.extend(_answered(new))

    def _emit_message(self, message: BaseMessage, emit: Callable[[Item], None]) -> None:
        if isinstance(message, AIMessage):
            if message.text:
                emit(AssistantMessage(str(message.text)))
            for call in message.tool_calls:
                emit(ToolCall(call["name"], dict(call["args"])))
        elif isinstance(message, ToolMessage):
            emit(
                ToolResult(
                    message.name or "",
                    str(message.content),
                    message.status != "error",
                    self.wizard.current_step,
                )
            )

    def _turn_end(self) -> TurnEnd:
        return TurnEnd(
            self.wizard.current_step,
            self.wizard.can_generate,
            tuple(sorted(offered_names(self.wizard))),
            self.guided.pending is not None,
        )

    # ------------------------------------------------------------ generation

    def _forward(self, event: Event) -> None:
        if self.on_event is not None:
            self.on_event(event)
        if self._emit is not None:
            self._emit(Progress(event))

    def _run_generation(self, spec: GenerationSpec) -> Any:
        from generators.run.service import run_generation

        self.cancel_event.clear()
        if self.databricks is not None:
            return self.databricks.run(
                spec,
                on_event=self._forward,
                cancel=self.cancel_event,
                user=self.user,
                validate=self.validate,
            )
        return run_generation(
            spec,
            warehouse=self.warehouse,
            on_event=self._forward,
            cancel=self.cancel_event,
            user=self.user,
            validate=self.validate,
        )


def _answered(messages: list[BaseMessage]) -> list[BaseMessage]:
    """Drop a trailing assistant turn whose tool calls never got results (a failed turn)."""
    answered = list(messages)
    while answered and isinstance(answered[-1], AIMessage) and answered[-1].tool_calls:
        answered.pop()
    return answered
