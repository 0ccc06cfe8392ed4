"""A Jobs run's outcome, carried from the task's stdout to the app.

The entry script (``job_entry``) prints one line, ``MARKER`` followed by compact JSON: the rows per
table, the validation verdict and the validation report's Markdown. The app reads the task's
output (``runs/get-output``: the last 5 MB of stdout in ``logs``) and takes the last such line.
The report's files live in the task's temporary folder and vanish with it: the Markdown is the
only copy the app gets. Invariant: a line that is absent, cut off or malformed gives ``None``,
never an exception (the run itself is judged by its Jobs state, not by this line).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MARKER = "idgraph-outcome: "


@dataclass(frozen=True)
class JobOutcome:
    """What the run reported: ``rows`` per table (in build order), ``validation_passed`` (None
    when validation was skipped or stopped) and the report as Markdown (None without one)."""

    run_id: str
    rows: dict[str, int]
    validation_passed: bool | None
    report_markdown: str | None


def outcome_line(result: Mapping[str, Any], report_markdown: str | None) -> str:
    """The line to print for ``result`` (``idgraph generate --result-json``'s content)."""
    payload = {
        "run_id": result["run_id"],
        "rows": result["rows"],
        "validation_passed": result["validation_passed"],
        "report_markdown": report_markdown,
    }
    return MARKER + json.dumps(payload, separators=(",", ":"))


def parse_outcome(logs: str | None) -> JobOutcome | None:
    """The last outcome line of ``logs``, or None (see the module's invariant)."""
    for line in reversed((logs or "").splitlines()):
        if line.startswith(MARKER):
            return _outcome(line.removeprefix(MARKER))
    return None


def _outcome(text: str) -> JobOutcome | None:
    try:
        payload = json.loads(text)
        rows = {str(table): int(count) for table, count in payload["rows"].items()}
        passed = payload["validation_passed"]
        markdown = payload["report_markdown"]
        run_id = str(payload["run_id"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None
    if passed not in (True, False, None) or not isinstance(markdown, str | None):
        return None
    return JobOutcome(run_id, rows, passed, markdown)
