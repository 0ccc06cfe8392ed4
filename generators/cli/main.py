"""`idgraph`: the command line (docs/cli.md).

Exit codes: 0 success, 1 a failed run or failed validation, 2 invalid input. Bad input is
reported as ``dotted.path: problem`` lines on stderr, never as a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from generators.spec import GenerationSpec
from generators.spec.errors import SpecError
from generators.spec.io import load_spec, spec_to_yaml
from generators.spec.rules import spec_warnings

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def _add_spec_args(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", help="spec file (YAML or JSON); /dev/stdin reads standard input")
    parser.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="K=V",
        help="override a spec value by dotted path, e.g. --set households.count=5000 (repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser for every subcommand."""
    parser = argparse.ArgumentParser(
        prog="idgraph", description="Synthetic marketing identity graphs as Delta tables."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    spec = commands.add_parser("spec", help="write or check a generation spec")
    spec_commands = spec.add_subparsers(dest="spec_command", required=True)
    init = spec_commands.add_parser("init", help="write the default spec as YAML")
    init.add_argument("-o", "--output", help="file to write (stdout when omitted)")
    _add_spec_args(
        spec_commands.add_parser("validate", help="check a spec; exit 2 listing problems")
    )
    from_text = spec_commands.add_parser(
        "from-text",
        help="a plain-English brief read with no language model into a full spec",
    )
    from_text.add_argument("brief", help="the market description, or - to read standard input")
    from_text.add_argument("-o", "--output", help="file to write (stdout when omitted)")
    from_text.add_argument("--base", help="spec file the brief edits (default: the default spec)")

    estimate = commands.add_parser(
        "estimate", help="expected rows and time per table, without Spark"
    )
    _add_spec_args(estimate)
    estimate.add_argument(
        "--cores",
        type=_positive_int,
        default=os.cpu_count() or 1,
        help="cores the time estimate assumes (default: this machine's)",
    )

    generate = commands.add_parser("generate", help="generate every table")
    _add_spec_args(generate)
    generate.add_argument(
        "--warehouse", help="local Delta warehouse (default $IDGRAPH_WAREHOUSE or ./warehouse)"
    )
    generate.add_argument("--mode", choices=["overwrite", "append"], help="overrides output.mode")
    generate.add_argument("--master", help="local Spark master, e.g. local[2] (default: all cores)")
    generate.add_argument("--remote", help="Spark Connect URL, e.g. sc://localhost:15002")
    generate.add_argument("--no-validate", action="store_true", help="skip the validation report")
    generate.add_argument("--report-dir", help="folder for the validation report")
    generate.add_argument(
        "--result-json",
        help="also write the outcome (run id, location, rows per table, validation verdict, "
        "report folder) as JSON to this file once the tables are committed",
    )
    generate.add_argument(
        "--outcome-lines",
        action="store_true",
        help="also print an 'idgraph-outcome: {json}' line on stdout when the tables are "
        "committed and, last, one with the validation verdict and report (for a supervisor "
        "reading the output, such as the app of a Databricks Jobs run)",
    )

    validate = commands.add_parser("validate", help="validation report of generated tables")
    validate.add_argument(
        "--warehouse", help="local Delta warehouse (default $IDGRAPH_WAREHOUSE or ./warehouse)"
    )
    validate.add_argument("--catalog", required=True)
    validate.add_argument("--schema", required=True)
    validate.add_argument("--json", help="also write the report as JSON to this file")
    validate.add_argument("--report-dir", help="folder for the Markdown report and plots")
    validate.add_argument("--master", help="local Spark master, e.g. local[2]")
    validate.add_argument("--remote", help="Spark Connect URL")

    docs = commands.add_parser("docs", help="render the data dictionary as Markdown")
    docs.add_argument("-o", "--output", default="docs/DATA_DICTIONARY.md")
    return parser


def _print_problems(error: SpecError) -> int:
    for problem in error.problems:
        print(problem, file=sys.stderr)
    return EXIT_INVALID


def _load(args: argparse.Namespace) -> GenerationSpec:
    spec = load_spec(args.file, args.set)
    for warning in spec_warnings(spec):
        print(f"warning: {warning}", file=sys.stderr)
    return spec


def _write_spec(spec: GenerationSpec, output: str | None) -> int:
    """The spec as YAML to ``output``, or to stdout when None."""
    text = spec_to_yaml(spec)
    if output:
        Path(output).write_text(text, encoding="utf-8")
        print(f"wrote {output}", file=sys.stderr)
    else:
        sys.stdout.write(text)
    return EXIT_OK


def _spec_init(args: argparse.Namespace) -> int:
    return _write_spec(GenerationSpec(), args.output)


def _spec_from_text(args: argparse.Namespace) -> int:
    """Write the base spec plus the brief's edits; every edit and leftover on stderr; exit 2
    with the spec rules' problems (and no file) when the brief contradicts itself."""
    from generators.brief import interpret
    from generators.brief.lines import reading_lines

    text = sys.stdin.read() if args.brief == "-" else args.brief
    base = load_spec(args.base) if args.base else None
    reading = interpret(text, base)
    for line in reading_lines(reading):
        print(line, file=sys.stderr)
    if reading.spec is None:
        raise SpecError(reading.problems)
    if not reading.edits:
        print("nothing in the brief changes the spec", file=sys.stderr)
    for warning in spec_warnings(reading.spec):
        print(f"warning: {warning}", file=sys.stderr)
    return _write_spec(reading.spec, args.output)


def _spec_validate(args: argparse.Namespace) -> int:
    spec = _load(args)
    print(
        f"valid: fingerprint {spec.fingerprint()[:16]}, {spec.households.count:,} households",
        file=sys.stderr,
    )
    return EXIT_OK


def _positive_int(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return int(text)


def _estimate(args: argparse.Namespace) -> int:
    from generators.run.estimate import expected_seconds, load_throughput, render_estimate
    from generators.tables.expected import estimate

    rows = estimate(_load(args))
    throughput = load_throughput()
    timing = expected_seconds(rows, throughput, args.cores) if throughput else None
    print(render_estimate(rows, timing))
    return EXIT_OK


def _generate(args: argparse.Namespace) -> int:
    from generators.cli import generate

    return generate.run(args)


def _validate(args: argparse.Namespace) -> int:
    from generators.cli import validate

    return validate.run(args)


def _docs(args: argparse.Namespace) -> int:
    from generators.cli import docs

    return docs.main(args.output)


HANDLERS = {
    "init": _spec_init,
    "from-text": _spec_from_text,
    "spec-validate": _spec_validate,
    "estimate": _estimate,
    "generate": _generate,
    "validate": _validate,
    "docs": _docs,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; returns the exit code (also used by the console script)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    key = args.command
    if args.command == "spec":
        key = args.spec_command if args.spec_command in ("init", "from-text") else "spec-validate"
    try:
        return HANDLERS[key](args)
    except SpecError as error:
        return _print_problems(error)
    except KeyboardInterrupt:
        print("cancelled; nothing was written", file=sys.stderr)
        return 130


def console_main() -> None:
    """Entry point of the `idgraph` script."""
    sys.exit(main())
