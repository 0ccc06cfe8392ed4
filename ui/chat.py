"""One conversation on the screen: ``Chat`` runs each turn (typed text, a button, an uploaded
spec) as a background task, so the chat stays responsive while Spark works and Cancel can stop a
generation; generation events cross from the worker thread to the event loop with
``call_soon_threadsafe`` and are drawn a few times per second. Also the buttons a turn offers and
the replies shared by the Chainlit handlers (``chainlit_app.py``).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from pathlib import Path

import chainlit as cl

from agent.chat_session import AgentSession
from agent.items import AssistantDelta, AssistantMessage, Item, ToolResult, TurnEnd
from generators.databricks.identity import UserContext
from generators.databricks.job_run import JobRunResult
from generators.run.events import Event, RunStarted
from generators.run.service import GenerationResult
from generators.spec import GenerationSpec
from generators.spec.io import spec_to_yaml
from generators.spec.text import MAX_SPEC_BYTES
from ui import messages, results, workspace_user
from ui.commands import brief_buttons, run_command
from ui.task_list import REFRESH_SECONDS, ProgressView

EDIT_ACTION = "edit"
VERDICTS = {True: "✅ passed", False: "❌ failed", None: "not run"}  # by validation_passed


class Chat:
    """One conversation: the agent session, the running turn and the generation's view. The
    user's token lives only inside the session's permission check and, in a Databricks App, its
    Databricks execution (``ui.workspace_user``), never in plain attributes."""

    def __init__(self, user: UserContext, spec: GenerationSpec) -> None:
        self.loop = asyncio.get_running_loop()
        self.session = AgentSession.from_environment(
            spec=spec,
            permission_check=workspace_user.permission_check_for(user),
            user=user.email,
            on_event=self.on_event,
            databricks=workspace_user.execution_for(user),
        )
        self.view: ProgressView | None = None
        self.turn: asyncio.Task | None = None
        self._stream: cl.Message | None = None
        self._last: cl.Message | None = None
        self._with_actions: cl.Message | None = None

    # ------------------------------------------------------------ generation events

    def on_event(self, event: Event) -> None:
        """Called from the generation's thread: hand the event to the event loop."""
        self.loop.call_soon_threadsafe(self._apply, event)

    def _apply(self, event: Event) -> None:
        if isinstance(event, RunStarted):
            self.view = ProgressView()
        if self.view is not None:
            self.view.apply(event)

    # ------------------------------------------------------------ turns

    @property
    def busy(self) -> bool:
        return self.turn is not None and not self.turn.done()

    def start(self, items: AsyncIterator[Item]) -> None:
        """Run a turn in the background (the handler returns at once)."""
        self.turn = asyncio.create_task(self._run(items))

    async def _run(self, items: AsyncIterator[Item]) -> None:
        self.view = None  # the previous run's view is finished; a new run makes its own
        await self._remove_actions()
        refresher = asyncio.create_task(self._refresh())
        try:
            async for item in items:
                await self._show(item)
        except Exception as error:  # a broken turn is reported; the chat goes on
            await cl.ErrorMessage(f"This turn failed: {type(error).__name__}: {error}").send()
        finally:
            refresher.cancel()
            if self.view is not None:
                await self.view.finish()

    async def _refresh(self) -> None:
        """Redraw the running generation a few times per second (throttled UI updates)."""
        while True:
            await asyncio.sleep(REFRESH_SECONDS)
            if self.view is not None:
                await self.view.redraw()

    async def _show(self, item: Item) -> None:
        if isinstance(item, AssistantDelta):
            if self._stream is None:
                self._stream = cl.Message(content="")
                await self._stream.send()
            await self._stream.stream_token(item.text)
        elif isinstance(item, AssistantMessage):
            if self._stream is not None:
                self._stream.content = item.text
                await self._stream.update()
                self._last, self._stream = self._stream, None
            else:
                await self._say(item.text)
        elif isinstance(item, ToolResult):
            await self._tool_result(item)
        elif isinstance(item, TurnEnd):
            await self._offer_actions(item)

    async def _say(self, text: str, elements: Iterable[cl.Element] = ()) -> cl.Message:
        message = cl.Message(content=text, elements=list(elements))
        await message.send()
        self._last = message
        return message

    async def _tool_result(self, item: ToolResult) -> None:
        text = item.content if item.ok else f"⚠️ {item.content}"
        if item.tool == "generate" and self.view is not None:
            await self.view.finish(None if item.ok else item.content)
            if self.view.outcome == "cancelled":
                text = "The spec is unchanged: press **Generate** to run it again."
        elements: list[cl.Element] = []
        if item.ok and item.tool == "export_spec":
            elements.append(self._spec_file())
        await self._say(text, elements)
        if item.ok and item.tool == "generate":
            await self._results()

    def _spec_file(self) -> cl.File:
        spec = self.session.wizard.spec()
        return cl.File(
            name=f"idgraph-spec-{spec.fingerprint()[:12]}.yaml",
            content=spec_to_yaml(spec).encode(),
            mime="application/x-yaml",
            display="inline",
        )

    async def _results(self) -> None:
        """Rows and time per table, sample rows, the validation report, downloads. A Databricks
        Jobs run shows what its output carried (``_job_results``)."""
        result = self.session.wizard.last_result
        if isinstance(result, JobRunResult):
            await self._job_results(result)
            return
        location = str(result.location)
        local = Path(location).is_dir()
        if self.view is not None:
            await self._say(messages.table_results(self.view.progress, location, local))
        if local:
            samples = [
                f"**{table}**\n\n{results.sample_markdown(Path(location) / table)}"
                for table in result.rows
            ]
            await self._say("**Sample rows** (first 5 of each table):\n\n" + "\n\n".join(samples))
        downloads: list[cl.Element] = [self._spec_file()]
        report = results.read_report(result.report_dir) if result.report_dir else None
        text = _verdict_line(result)
        images: list[cl.Element] = []
        if report is not None:
            text += "\n\n" + report.markdown
            images = [
                cl.Image(name=plot.stem, path=str(plot), display="inline", size="large")
                for plot in report.plots
            ]
            downloads.append(
                cl.File(
                    name=f"idgraph-report-{result.run_id}.zip",
                    content=report.zip_bytes(),
                    mime="application/zip",
                    display="inline",
                )
            )
        await self._say(text, images)
        await self._say(
            "**Downloads**: the spec (reruns to the same data) and the report.", downloads
        )

    async def _job_results(self, result: JobRunResult) -> None:
        """Rows per table and the validation report's text (no plots or samples: those stay on
        Databricks), when the run's output carried them; the spec to download either way."""
        if result.rows and self.view is not None:
            await self._say(messages.table_results(self.view.progress, result.location, False))
        downloads: list[cl.Element] = [self._spec_file()]
        if result.validation_passed is None and result.report_markdown is None:
            if result.validation_error:
                await self._say(_verdict_line(result))
            await self._say("**Download** the spec (reruns to the same data).", downloads)
            return
        text = _verdict_line(result)
        if result.report_markdown is not None:
            text += "\n\n" + results.without_images(result.report_markdown)
            downloads.append(
                cl.File(
                    name=f"idgraph-report-{result.run_id}.md",
                    content=result.report_markdown.encode(),
                    mime="text/markdown",
                    display="inline",
                )
            )
        await self._say(text)
        await self._say(
            "**Downloads**: the spec (reruns to the same data) and the report.", downloads
        )

    async def _remove_actions(self) -> None:
        """Buttons belong to the latest turn only: a new turn removes the previous ones."""
        if self._with_actions is not None:
            await self._with_actions.remove_actions()
            self._with_actions = None

    async def _offer_actions(self, end: TurnEnd) -> None:
        """Buttons under the turn's last message."""
        message = self._last
        if message is None:
            return
        message.actions = actions_for(end)
        await message.update()
        self._with_actions = message

    async def command(self, text: str) -> AsyncIterator[Item]:
        """A button or an upload: the guided command, whatever the mode (``ui.commands``)."""
        for item in await run_command(self.session, text):
            yield item


async def listed(items: Iterable[Item]) -> AsyncIterator[Item]:
    for item in items:
        yield item


def _verdict_line(result: GenerationResult | JobRunResult) -> str:
    """The validation verdict in bold; why validation could not finish when it broke after the
    commit (the tables stay)."""
    if result.validation_error:
        return (
            f"**Validation could not finish**: {result.validation_error}. The tables are "
            "committed; `idgraph validate` checks them."
        )
    return f"**Validation {VERDICTS[result.validation_passed]}.**"


def actions_for(end: TurnEnd) -> list[cl.Action]:
    """Apply and adjust (while a plain-English reading waits), accept, back, edit (while a step
    is open), review, export, and generate when allowed."""
    buttons = list(brief_buttons(end))
    if end.step is not None:
        buttons += [
            ("accept", f"Accept {end.step}", "check"),
            ("back", "Back", "arrow-left"),
            (EDIT_ACTION, "Edit", "pencil"),
        ]
    else:
        buttons.append(("back", "Back", "arrow-left"))
    buttons += [("review", "Review", "list"), ("export", "Export YAML", "download")]
    if end.can_generate:
        buttons.append(("generate", "Generate", "play"))
    return [
        cl.Action(name=name, payload={}, label=label, icon=icon) for name, label, icon in buttons
    ]


async def busy_reply(chat: Chat) -> None:
    view = chat.view
    if view is not None and view.outcome == "running":
        await cl.Message(
            f"A generation is running ({view.progress.fraction:.0%}). Wait for it, or press "
            "Cancel under the progress message."
        ).send()
    else:
        await cl.Message("Still working on the previous request; one moment.").send()


def read_upload(path: Path) -> str | None:
    """An uploaded spec's text, or None when empty, too large or not text."""
    if path.stat().st_size > MAX_SPEC_BYTES:
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return None
    return text if text.strip() else None
