"""`idgraph generate`: load the spec, run every table with progress bars, print the summary.

Streams: progress bars, warnings and errors on stderr; only the summary table on stdout.
Exit codes: 0 success; 1 a failed run (every table left at its previous version), failed
validation, or validation that could not finish after the commit (the tables stay committed;
stderr says why); 2 invalid input (a ``--report-dir`` that is a file included). An invalid spec raises ``SpecError`` before Spark starts, which
``generators.cli.main`` reports as ``dotted.path: problem`` lines with exit 2, nothing written; so
does an ``output.mode: append`` that cannot extend the target's last run (``AppendRefused``).
With ``--result-json FILE`` the outcome of a committed run (also one whose validation failed or
was cancelled after the commit) is written to FILE as JSON (``write_result_json``). With
``--outcome-lines`` stdout also gets an outcome line when the tables are committed and, after a
committed run, one last line with the verdict and the report (``generators.run.outcome``).
When another run holds the target, a waiting message goes to stderr (or, with
``IDGRAPH_LOCK_TIMEOUT=0``, the run fails at once with exit 1).

Ctrl-C (``generators.cli.interrupt``): the first cancels the run (Spark jobs interrupted, staged
files discarded, every table left at its previous version) and prints ``cancelled; nothing was
written``, exit 130; if the tables were already committed it says so instead. A second Ctrl-C
aborts at once (exit 130); the next run on the target rolls back whatever was half-written.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
from collections.abc import Mapping
from pathlib import Path

from rich.console import Console

from generators.cli.interrupt import EXIT_INTERRUPTED, run_cancellable
from generators.cli.progress_bars import ProgressView
from generators.run.events import Event, EventSink, RunFinished, describe_error
from generators.run.outcome import Outcome, outcome_line
from generators.run.service import GenerationResult, RunCancelled, run_generation
from generators.spec import GenerationSpec
from generators.spec.errors import SpecError
from generators.spec.io import load_spec
from generators.spec.rules import spec_warnings

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
ABORTED = "aborted; the next idgraph run on this target rolls back anything half-written"


def run(args: argparse.Namespace) -> int:
    """Run the command for parsed ``args`` (see ``generators.cli.main``); returns the exit code."""
    if args.report_dir and Path(args.report_dir).exists() and not Path(args.report_dir).is_dir():
        print(
            f"error: --report-dir {args.report_dir} is a file; give a folder (it is created if "
            "missing). Nothing was generated.",
            file=sys.stderr,
        )
        return EXIT_INVALID
    overrides = [*args.set, *([f"output.mode={args.mode}"] if args.mode else [])]
    spec = load_spec(args.file, overrides)
    for warning in spec_warnings(spec):
        print(f"warning: {warning}", file=sys.stderr)
    console = Console(stderr=True)

    def say(text: str) -> None:
        console.print(text, markup=False, highlight=False, soft_wrap=True)

    def generate(cancel: threading.Event) -> GenerationResult:
        with ProgressView(console) as view:
            return run_generation(
                spec,
                warehouse=args.warehouse,
                on_event=_with_commit_line(view) if args.outcome_lines else view,
                cancel=cancel,
                validate=not args.no_validate,
                master=args.master,
                remote=args.remote,
                report_dir=args.report_dir,
                user=os.environ.get("USER") or os.environ.get("USERNAME"),
                on_wait=say,
                short_run=True,
            )

    try:
        result = run_cancellable(
            generate,
            on_first=lambda: say("cancelling (press Ctrl-C again to abort at once)"),
            on_second=lambda: say(ABORTED),
        )
    except RunCancelled:
        print("cancelled; nothing was written", file=sys.stderr)
        return EXIT_INTERRUPTED
    except SpecError:
        raise  # e.g. an append that cannot extend the target: exit 2 via generators.cli.main
    except Exception as error:
        print(
            f"error: generation failed, no table was changed: {describe_error(error)}",
            file=sys.stderr,
        )
        return EXIT_FAILED
    if args.result_json:
        write_result_json(Path(args.result_json), result)
    code = _conclude(args, spec, result)
    if args.outcome_lines:
        print(outcome_line(final_outcome(result)), flush=True)
    return code


def _conclude(args: argparse.Namespace, spec: GenerationSpec, result: GenerationResult) -> int:
    """What a committed run prints (the rows on stdout, the rest on stderr); the exit code."""
    if result.cancelled:
        print(
            f"cancelled after the commit: run {result.run_id} wrote its tables to "
            f"{result.location}; validation skipped (`idgraph validate` checks them)",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    print(f"run {result.run_id}: tables in {result.location}", file=sys.stderr)
    recorded = result.spec
    if recorded is not None and recorded.engagement.extended_from != spec.engagement.extended_from:
        ends = ", ".join(str(d) for d in recorded.engagement.extended_from)
        print(
            f"window extended: the run recorded engagement.extended_from: [{ends}]; add it to "
            f"{args.file} to rerun to the same data (the full spec is in the idgraph_runs "
            "manifest and each table's idgraph.spec property)",
            file=sys.stderr,
        )
    print(render_rows(result.rows))
    if result.validation_error:
        print(
            f"error: validation could not finish: {result.validation_error}; the tables are "
            "committed (`idgraph validate` checks them)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    if result.validation_passed is False:
        print(f"error: validation failed; see {result.report_dir}", file=sys.stderr)
        return EXIT_FAILED
    return EXIT_OK


def _with_commit_line(sink: EventSink) -> EventSink:
    """``sink``, then the outcome line of the commit (``--outcome-lines``) when it comes."""

    def forward(event: Event) -> None:
        sink(event)
        if isinstance(event, RunFinished):
            committed = Outcome(event.run_id, dict(event.rows), None, None, final=False)
            print(outcome_line(committed), flush=True)

    return forward


def final_outcome(result: GenerationResult) -> Outcome:
    """The last outcome line's content: verdict and the report's Markdown when one was written."""
    report = Path(result.report_dir) / "report.md" if result.report_dir else None
    markdown = report.read_text(encoding="utf-8") if report and report.is_file() else None
    return Outcome(
        result.run_id,
        result.rows,
        result.validation_passed,
        markdown,
        final=True,
        validation_error=result.validation_error,
    )


def write_result_json(path: Path, result: GenerationResult) -> None:
    """``--result-json``: the committed run's id, location, seconds, rows per table (build
    order), validation verdict (null when skipped, stopped or failed), report folder and why
    validation could not finish (null when it did or was not run)."""
    outcome = {
        "run_id": result.run_id,
        "location": result.location,
        "seconds": round(result.seconds, 3),
        "rows": result.rows,
        "validation_passed": result.validation_passed,
        "report_dir": result.report_dir,
        "validation_error": result.validation_error,
    }
    path.write_text(json.dumps(outcome, indent=2) + "\n", encoding="utf-8")


def render_rows(rows: Mapping[str, int]) -> str:
    """The summary: one line per table with its row count, then the total."""
    width = max([len(t) for t in rows] + [len("total")]) + 2
    lines = [f"{'table':<{width}}{'rows':>15}"]
    lines += [f"{table:<{width}}{count:>15,}" for table, count in rows.items()]
    lines.append(f"{'total':<{width}}{sum(rows.values()):>15,}")
    return "\n".join(lines)
