"""The live view of one generation in Chainlit: a task list (one task per table) and a progress
message with a Cancel button.

Events arrive on the event loop through ``apply`` (the app bridges them from the generation's
thread); the app calls ``redraw`` every ``REFRESH_SECONDS`` (it draws when something changed, or
every ``IDLE_REDRAW_SECONDS`` to keep the clock moving) and ``finish`` once at the end. The view is created per run and belongs to one chat.
"""

from __future__ import annotations

import time

import chainlit as cl

from generators.run.events import Event, RunFailed
from ui.run_progress import DONE, FAILED, READY, RUNNING, RunProgress

REFRESH_SECONDS = 0.3
IDLE_REDRAW_SECONDS = 2.0  # keeps time and rows/s fresh during long Spark stages
CANCEL_ACTION = "cancel"
TASK_STATUS = {
    READY: cl.TaskStatus.READY,
    RUNNING: cl.TaskStatus.RUNNING,
    DONE: cl.TaskStatus.DONE,
    FAILED: cl.TaskStatus.FAILED,
}


class ProgressView:
    """Task list + progress message of one run."""

    def __init__(self) -> None:
        self.progress = RunProgress()
        self.cancel_requested = False
        self._tasklist: cl.TaskList | None = None
        self._message: cl.Message | None = None
        self._changed = False
        self._finished = False
        self._drawn_at = 0.0

    def apply(self, event: Event) -> None:
        """Fold one event in (called on the event loop, in emission order)."""
        self.progress.apply(event)
        self._changed = True

    @property
    def outcome(self) -> str:
        """running, done, failed or cancelled."""
        if self.progress.outcome == FAILED and self.cancel_requested:
            return "cancelled"
        return self.progress.outcome

    async def redraw(self) -> None:
        """Draw the current state if it changed, or every IDLE_REDRAW_SECONDS while running."""
        idle = time.monotonic() - self._drawn_at >= IDLE_REDRAW_SECONDS
        if not self._finished and self.progress.tables and (self._changed or idle):
            await self._draw()

    async def finish(self, error: str | None = None) -> None:
        """The final drawing: statuses, outcome, no Cancel button. A run that ended without a
        final event (``error`` says why, e.g. it was cancelled) is shown as failed."""
        if self._finished or not self.progress.tables:
            return
        if self.progress.outcome == RUNNING:
            self.progress.apply(RunFailed(self.progress.running_table(), error or "it stopped"))
        self._finished = True
        await self._draw()

    async def _draw(self) -> None:
        self._changed, self._drawn_at = False, time.monotonic()
        if self._tasklist is None:
            self._tasklist = cl.TaskList()
        self._tasklist.tasks = [
            cl.Task(title=state.name, status=TASK_STATUS[state.status])
            for state in self.progress.tables.values()
        ]
        self._tasklist.status = self._status()
        await self._tasklist.send()
        content = self._text()
        if self._message is None:
            cancel = cl.Action(name=CANCEL_ACTION, payload={}, label="Cancel", icon="square")
            self._message = cl.Message(content=content, actions=[cancel])
            await self._message.send()
            return
        self._message.content = content
        await self._message.update()
        if self.outcome != RUNNING and self._message.actions:
            await self._message.remove_actions()  # committed or stopped: nothing to cancel
            self._message.actions = []

    def _status(self) -> str:
        outcome = self.outcome
        if outcome == RUNNING:
            return f"Running {self.progress.fraction:.0%}"
        return {"done": "Done", "failed": "Failed", "cancelled": "Cancelled"}[outcome]

    def _text(self) -> str:
        line = self.progress.status_line()
        outcome = self.outcome
        if outcome == RUNNING:
            note = " · cancelling…" if self.cancel_requested else ""
            return f"Generating: {line}{note}"
        if outcome == DONE:
            validating = not self._finished and self.progress.job is None
            checking = " · validating the tables…" if validating else ""
            return f"Generation done: {line}{checking}"
        if outcome == "cancelled" and self.progress.job is not None:
            return f"Generation **cancelled**: {line}"
        if outcome == "cancelled":
            return (
                "Generation **cancelled**: the run stopped and nothing was written "
                "(every table keeps its previous version)."
            )
        return f"Generation **failed**: {self.progress.error}. Nothing was written."
