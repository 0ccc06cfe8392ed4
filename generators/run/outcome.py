"""A run's outcome as stdout lines, for a supervisor that reads the output of ``idgraph
generate --outcome-lines`` (the app, of a Databricks Jobs run through ``runs/get-output``).

Each line is ``MARKER`` followed by compact JSON: the rows per table, the validation verdict,
the validation report's Markdown and ``final``. One line is printed when the tables are
committed (``final`` false, no verdict yet) and one when the command ends after a committed run
(``final`` true): a run stopped in between (cancelled or failed during validation) leaves the
first as its last, which says the tables were committed. The report's files may live where the
reader cannot go (a Jobs task's temporary folder): the Markdown is the only copy it gets.
Invariant: a line that is absent, cut off or malformed gives ``None``, never an exception.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

MARKER = "idgraph-outcome: "


@dataclass(frozen=True)
class Outcome:
    """What a run reported: ``rows`` per table (in build order), ``validation_passed`` (None
    when validation was skipped, stopped, failed or not run yet), the report as Markdown (None
    without one), ``final`` (false on the line printed at the commit) and why validation could
    not finish (``validation_error``)."""

    run_id: str
    rows: dict[str, int]
    validation_passed: bool | None
    report_markdown: str | None
    final: bool
    validation_error: str | None = None


def outcome_line(outcome: Outcome) -> str:
    """The line to print for ``outcome``."""
    return MARKER + json.dumps(asdict(outcome), separators=(",", ":"))


def parse_outcome(logs: str | None) -> Outcome | None:
    """The last outcome line of ``logs``, or None (see the module's invariant)."""
    for line in reversed((logs or "").splitlines()):
        if line.startswith(MARKER):
            return _outcome(line.removeprefix(MARKER))
    return None


def _outcome(text: str) -> Outcome | None:
    try:
        payload = json.loads(text)
        rows = {str(table): int(count) for table, count in payload["rows"].items()}
        passed, final = payload["validation_passed"], payload["final"]
        markdown, problem = payload["report_markdown"], payload.get("validation_error")
        run_id = str(payload["run_id"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    texts = isinstance(markdown, str | None) and isinstance(problem, str | None)
    if not (texts and isinstance(passed, bool | None) and isinstance(final, bool)):
        return None
    return Outcome(run_id, rows, passed, markdown, final, problem)
