"""Running the validation report: hard checks and statistical checks over a run's tables.

``validate_tables`` checks DataFrames against a spec and returns a ``Report``;
``validate_run`` also writes the report folder (report.json, report.md, PNG plots) and is what
``idgraph generate`` calls after a run (``idgraph validate`` is ``generators.cli.validate``).
Everything is computed in Spark: only aggregates and a few offending keys reach the driver. A
report passes when every hard check passes; statistical checks can only warn.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

from generators.spec import GenerationSpec
from generators.spec.errors import SpecError
from generators.spec.io import parse_spec, parse_spec_text
from generators.storage import LocalDeltaWarehouse, TableWriter
from generators.validation import contract
from generators.validation.activity import activity_checks
from generators.validation.attribution import attribution_vs_truth
from generators.validation.campaign_checks import campaign_checks
from generators.validation.hard import hard_checks
from generators.validation.model import Report
from generators.validation.noise import noise_checks
from generators.validation.population import population_checks
from generators.validation.report import write_report
from generators.validation.resolution import reference_resolution

REPORTS = "_reports"
RUN_ID_PROPERTY = "idgraph.run_id"
SPEC_PROPERTY = "idgraph.spec"

__all__ = ["Report", "validate_run", "validate_tables"]


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
    checks += noise_checks(present, spec)
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
        resolution=reference_resolution(present),
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
