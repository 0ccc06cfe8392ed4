"""Run events as rich progress bars on stderr: one bar per table and one for the whole run.

An ``EventSink`` usable from any thread (rich's Progress is thread-safe). Use it as a context
manager around the run so the bars are drawn while it lasts and left on screen afterwards.
"""

from __future__ import annotations

from types import TracebackType

from rich.console import Console
from rich.progress import (
    BarColumn,
    Progress,
    TaskID,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)

from generators.run.events import (
    Event,
    RunFailed,
    RunFinished,
    RunStarted,
    TableDone,
    TableProgress,
    TableStarted,
    ValidationDone,
)

OVERALL = "all tables"


class ProgressView:
    """Draws the events of one run."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.progress = Progress(
            TextColumn("{task.description:<24}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[rows]:>16}"),
            TimeElapsedColumn(),
            console=console,
        )
        self.tasks: dict[str, TaskID] = {}
        self.fractions: dict[str, float] = {}

    def __enter__(self) -> ProgressView:
        self.progress.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.progress.stop()

    def __call__(self, event: Event) -> None:
        match event:
            case RunStarted(tables=tables, expected_rows=expected):
                self.tasks[OVERALL] = self.progress.add_task(OVERALL, total=len(tables), rows="")
                for table in tables:
                    rows = expected[table]
                    label = "" if rows is None else f"~{rows:,} rows"
                    self.tasks[table] = self.progress.add_task(
                        table, total=1.0, start=False, rows=label
                    )
            case TableStarted(table=table):
                self.progress.start_task(self.tasks[table])
            case TableProgress(table=table, fraction=fraction):
                self._advance(table, fraction)
            case TableDone(table=table, rows=rows):
                self._advance(table, 1.0)
                self.progress.update(self.tasks[table], rows=f"{rows:,} rows")
                self.progress.stop_task(self.tasks[table])
            case RunFailed(table=table, error=error):
                where = table or "commit"
                self.progress.update(
                    self.tasks[table or OVERALL], description=f"[red]{where} failed"
                )
                self.console.print(f"[red]run failed in {where}:[/] {error}", markup=True)
            case RunFinished(rows=rows):
                self.progress.update(self.tasks[OVERALL], rows=f"{sum(rows.values()):,} rows")
            case ValidationDone(passed=passed, report_path=path):
                verdict = "[green]passed[/]" if passed else "[red]failed[/]"
                self.console.print(f"validation {verdict}; report in {path}")

    def _advance(self, table: str, fraction: float) -> None:
        self.fractions[table] = fraction
        self.progress.update(self.tasks[table], completed=fraction)
        self.progress.update(self.tasks[OVERALL], completed=sum(self.fractions.values()))
