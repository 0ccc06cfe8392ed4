"""`idgraph validate`: the validation report of the tables committed in a local warehouse.

Exit codes: 0 every hard check passes, 1 some fail (or validation could not run), 2 bad input
(missing warehouse, unknown catalog or schema), always without a traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from pathlib import Path

from generators.storage import LocalDeltaWarehouse
from generators.tables.expected import estimate
from generators.validation import contract
from generators.validation.report import to_json
from generators.validation.runner import recover_spec, validate_run

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")


def run(args: argparse.Namespace) -> int:
    """`idgraph validate [--warehouse DIR] --catalog C --schema S [--json FILE] [--report-dir DIR]`."""
    warehouse_dir = Path(args.warehouse or os.environ.get("IDGRAPH_WAREHOUSE") or "warehouse")
    problem = _target_problem(warehouse_dir, args.catalog, args.schema)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_INVALID
    try:
        from generators.spark.session import get_spark, is_short_run

        spec, source, run_id = recover_spec(
            LocalDeltaWarehouse(warehouse_dir, args.catalog, args.schema)
        )
        spark = get_spark(
            master=getattr(args, "master", None),
            remote=getattr(args, "remote", None),
            short_run=is_short_run(estimate(spec).total),
        )
        warehouse = LocalDeltaWarehouse(warehouse_dir, args.catalog, args.schema, spark)
        report = validate_run(
            spark, warehouse, spec, args.report_dir, run_id=run_id, spec_source=source
        )
        if args.json:
            Path(args.json).write_text(to_json(report), encoding="utf-8")
    except Exception as error:  # a report that cannot be produced is a failed validation
        print(f"error: validation could not run: {type(error).__name__}: {error}", file=sys.stderr)
        return EXIT_FAILED
    for line in report.summary_lines():
        print(line)
    return EXIT_OK if report.passed else EXIT_FAILED


def _target_problem(warehouse: Path, catalog: str, schema: str) -> str | None:
    """Why ``warehouse/catalog/schema`` cannot be validated, or None."""
    for what, name in (("catalog", catalog), ("schema", schema)):
        if not _IDENTIFIER.fullmatch(name):
            return f"--{what} {name!r} is not a valid identifier (letters, digits, _; not starting with a digit)"
    if not warehouse.is_dir():
        return (
            f"warehouse {str(warehouse)!r} does not exist; pass --warehouse DIR or set "
            "IDGRAPH_WAREHOUSE to the folder `idgraph generate` wrote to"
        )
    folder = warehouse / catalog / schema
    if folder.is_dir() and any((folder / t / "_delta_log").is_dir() for t in contract.TABLES):
        return None
    known = sorted(
        f"{p.parent.name}.{p.name}"
        for p in warehouse.glob("*/*")
        if p.is_dir() and any((p / t / "_delta_log").is_dir() for t in contract.TABLES)
    )
    hint = (
        f"; schemas found: {', '.join(known)}" if known else "; the warehouse holds no tables yet"
    )
    return f"no idgraph tables in {catalog}.{schema} under {str(warehouse)!r}{hint}"
