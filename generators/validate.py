"""The validation report: hard checks, statistical checks, and `idgraph validate`.

``validate_tables`` checks DataFrames against a spec and returns a ``Report``;
``validate_run`` also writes the report folder (report.json, report.md, PNG plots) and is what
``idgraph generate`` calls after a run; ``run`` is the CLI command. Everything is computed in
Spark: only aggregates and a few offending keys reach the driver. A report passes when every
hard check passes; statistical checks can only warn.

Exit codes of ``run``: 0 every hard check passes, 1 some fail (or validation could not run),
2 bad input (missing warehouse, unknown catalog or schema), always without a traceback.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

from generators.spec import GenerationSpec
from generators.spec_errors import SpecError
from generators.spec_io import parse_spec, parse_spec_text
from generators.storage import LocalDeltaWarehouse, TableWriter
from generators.validation import contract
from generators.validation.activity import activity_checks
from generators.validation.attribution import attribution_vs_truth
from generators.validation.campaign_checks import campaign_checks
from generators.validation.hard import hard_checks
from generators.validation.model import Report
from generators.validation.population import population_checks
from generators.validation.report import to_json, write_report

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2
REPORTS = "_reports"
RUN_ID_PROPERTY = "idgraph.run_id"
SPEC_PROPERTY = "idgraph.spec"
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")

__all__ = ["Report", "run", "validate_run", "validate_tables"]


def validate_tables(
    spark: SparkSession,
    tables: Mapping[str, DataFrame],
    spec: GenerationSpec,
    *,
    report_id: str = "tables",
    spec_source: str = "given",
) -> Report:
    """Every check of ``tables`` (name → DataFrame, absent tables simply missing) against
    ``spec``'s targets. Nothing is written."""
    del spark  # the DataFrames carry their session; kept for a uniform API
    present = {name: df for name, df in tables.items() if name in contract.TABLES}
    checks, rows = hard_checks(present, spec)
    checks += population_checks(present, spec)
    checks += activity_checks(present, spec)
    checks += campaign_checks(present, spec)
    return Report(
        catalog=spec.output.catalog,
        schema=spec.output.schema_name,
        report_id=report_id,
        spec_fingerprint=spec.fingerprint(),
        spec_source=spec_source,
        rows=rows,
        checks=checks,
        notes=_notes(present, spec_source),
        attribution=attribution_vs_truth(present),
    )


def _notes(tables: Mapping[str, DataFrame], spec_source: str) -> list[str]:
    """What the reader should know about the checks that could not be made as intended."""
    notes = []
    if spec_source.startswith("default"):
        notes.append(
            "No spec is stored with these tables: statistical targets are the default spec's."
        )
    missing = [t for t in contract.TABLES if t not in tables]
    if missing:
        notes.append(
            f"Absent tables ({', '.join(missing)}): the checks that need them were skipped."
        )
    return notes


def validate_run(
    spark: SparkSession,
    writer_or_tables: TableWriter | Mapping[str, DataFrame],
    spec: GenerationSpec,
    report_dir: str | Path | None = None,
    *,
    run_id: str | None = None,
    spec_source: str = "the run's spec",
) -> Report:
    """Validate a run's tables and write the report folder.

    ``report_dir`` defaults to ``<schema folder>/_reports/<run_id or fingerprint-N>`` for a
    local warehouse; with plain DataFrames it is required.
    """
    if isinstance(writer_or_tables, Mapping):
        tables = dict(writer_or_tables)
    else:
        tables = read_tables(writer_or_tables)
    if report_dir is None:
        if not isinstance(writer_or_tables, LocalDeltaWarehouse):
            raise ValueError("report_dir is required unless tables come from a local warehouse")
        report_dir = default_report_dir(writer_or_tables.schema_path, spec, run_id)
    folder = Path(report_dir)
    report = validate_tables(
        spark, tables, spec, report_id=run_id or folder.name, spec_source=spec_source
    )
    write_report(report, folder)
    return report


def read_tables(writer: TableWriter) -> dict[str, DataFrame]:
    """The committed tables of the contract that exist in ``writer``."""
    return {name: writer.read(name) for name in contract.TABLES if writer.exists(name)}


def default_report_dir(schema_path: Path, spec: GenerationSpec, run_id: str | None) -> Path:
    """``_reports/<run_id>``, else ``_reports/<fingerprint prefix>-<next free number>``."""
    reports = schema_path / REPORTS
    if run_id:
        return reports / run_id
    prefix = spec.fingerprint()[:12]
    taken = {p.name for p in reports.glob(f"{prefix}-*")} if reports.is_dir() else set()
    number = 1
    while f"{prefix}-{number}" in taken:
        number += 1
    return reports / f"{prefix}-{number}"


def recover_spec(warehouse: LocalDeltaWarehouse) -> tuple[GenerationSpec, str, str | None]:
    """(spec, where it came from, run id) of the committed tables.

    The spec stored with the tables when there is one; otherwise the default spec with the
    stored catalog and schema (statistical targets are then the defaults: the report says so).
    """
    from deltalake import DeltaTable

    properties: dict[str, str] = {}
    for name in contract.TABLES:
        if warehouse.exists(name):
            properties = dict(DeltaTable(str(warehouse.table_path(name))).metadata().configuration)
            break
    run_id = properties.get(RUN_ID_PROPERTY)
    text = properties.get(SPEC_PROPERTY)
    if text:
        try:
            return parse_spec(parse_spec_text(text)), "stored with the tables", run_id
        except SpecError:
            pass
    fallback = parse_spec({"output": {"catalog": warehouse.catalog, "schema": warehouse.schema}})
    return fallback, "default spec (no spec stored with the tables)", run_id


# ---------------------------------------------------------------- the command


def run(args: argparse.Namespace) -> int:
    """`idgraph validate [--warehouse DIR] --catalog C --schema S [--json FILE] [--report-dir DIR]`."""
    warehouse_dir = Path(args.warehouse or os.environ.get("IDGRAPH_WAREHOUSE") or "warehouse")
    problem = _target_problem(warehouse_dir, args.catalog, args.schema)
    if problem:
        print(f"error: {problem}", file=sys.stderr)
        return EXIT_INVALID
    try:
        from generators.session import get_spark

        spark = get_spark(
            master=getattr(args, "master", None), remote=getattr(args, "remote", None)
        )
        warehouse = LocalDeltaWarehouse(warehouse_dir, args.catalog, args.schema, spark)
        spec, source, run_id = recover_spec(warehouse)
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
