"""The table graph of a run: build every table in dependency order, stage it, commit them all.

Invariants:
- A node reads only tables it lists in ``depends_on``, and those come earlier in the list, so a
  node sees the rows staged by this run, never a stale committed version.
- Row counts come from the staged files' footers, not from a second Spark job.
- Nothing is visible to readers until every table is staged; then one ``commit`` publishes them.
  On any failure (Ctrl-C included) ``RunFailed`` is emitted, the run's staging is discarded and
  the error re-raised, so every table stays at its previous version or absent.
- Events go to ``on_event`` in the order ``generators.run.events`` documents; nothing is printed.
- With an ``append`` plan (``generators.run.append``) household tables stage only the new
  households' rows and are appended, aggregate tables are rebuilt over committed + new rows and
  overwritten, dimension tables are neither built nor written (nodes read them as committed);
  all in the same one commit. When the plan extends the window, every table but the unchanged
  dimensions is built whole from whole upstream tables (committed + new rows) and stages only
  the plan's ``new_rows`` (appended) or, for tables derived from the whole window, every row
  (overwritten).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from time import perf_counter
from typing import TYPE_CHECKING

from pyspark.sql import Column, DataFrame, SparkSession

from generators.run.events import (
    EventSink,
    RunFailed,
    RunFinished,
    RunStarted,
    TableDone,
    TableProgress,
    TableStarted,
    describe_error,
)
from generators.run.spark_progress import tracked
from generators.spark.session import settings
from generators.spec import GenerationSpec
from generators.storage.writer import StagedTable, TableWriter, WriteMode
from generators.tables.node import BuildContext, TableNode, check_graph

if TYPE_CHECKING:
    from generators.run.append import AppendPlan, Scope


# The highest progress a table reports before TableDone: only TableDone completes it.
UNFINISHED = 0.99


@dataclass(frozen=True)
class RunResult:
    run_id: str
    rows: Mapping[str, int]
    seconds: float


def run_properties(spec: GenerationSpec, run_id: str) -> dict[str, str]:
    """The table properties every table of a run carries (the spec itself included, so a table
    tells exactly how it was made)."""
    return {
        "idgraph.spec_fingerprint": spec.fingerprint(),
        "idgraph.seed": str(spec.seed),
        "idgraph.run_id": run_id,
        "idgraph.spec": spec.canonical_json(),
    }


def run_pipeline(
    spark: SparkSession,
    spec: GenerationSpec,
    writer: TableWriter,
    on_event: EventSink,
    run_id: str,
    nodes: Sequence[TableNode] | None = None,
    append: AppendPlan | None = None,
) -> RunResult:
    """Generate ``nodes`` (default: every registered table) and commit them as one run; with
    ``append``, only what adds the plan's new households (see the module docstring)."""
    from generators.run.append import scopes

    if nodes is None:
        from generators.tables.registry import TABLES

        nodes = TABLES
    check_graph(nodes)
    scope = scopes(nodes)
    built = [n for n in nodes if _is_built(n, scope, append)]
    started = perf_counter()
    expected = {node.name: _expected(node, spec, scope, append) for node in built}
    on_event(RunStarted(run_id, tuple(expected), expected))
    run = _Run(spark, spec, writer, on_event, run_id, scope, {n.name: n for n in nodes}, append)
    current: str | None = None
    try:
        for node in built:
            current = node.name
            run.stage(node, expected[node.name])
        current = None
        writer.commit(list(run.staged.values()), run.modes(), run_properties(spec, run_id))
    except BaseException as error:
        try:
            on_event(RunFailed(current, describe_error(error)))
        finally:
            writer.discard(run_id)
        raise
    rows = {name: table.rows for name, table in run.staged.items()}
    seconds = perf_counter() - started
    on_event(RunFinished(run_id, rows, seconds))
    return RunResult(run_id, rows, seconds)


@dataclass
class _Run:
    """The state of one run: what it has staged so far."""

    spark: SparkSession
    spec: GenerationSpec
    writer: TableWriter
    on_event: EventSink
    run_id: str
    scope: Mapping[str, Scope]
    nodes: Mapping[str, TableNode]
    append: AppendPlan | None = None
    staged: dict[str, StagedTable] = field(default_factory=dict)

    def modes(self) -> dict[str, WriteMode]:
        """Each staged table's write mode: the spec's, or per table for an append."""
        return {name: self.mode(name) for name in self.staged}

    def mode(self, name: str) -> WriteMode:
        if self.append is None:
            return self.spec.output.mode
        if self.append.extends_window:
            return "append" if self.new_rows(self.nodes[name]) is not None else "overwrite"
        return "overwrite" if self.scope[name] == "aggregate" else "append"

    def read(self, reader: TableNode, name: str) -> DataFrame:
        """Table ``name`` as node ``reader`` sees it: this run's staged rows; for an append,
        dimensions as committed and, for an aggregate reader (any reader when the window is
        extended), committed + new rows."""
        if self.append is None:
            return self.writer.read_staged(self.staged[name])
        if name not in self.staged:
            return self.writer.read(name)
        new = self.writer.read_staged(self.staged[name])
        whole = self.append.extends_window or (
            self.scope[reader.name] == "aggregate" and self.scope[name] == "household"
        )
        if whole and self.mode(name) == "append":
            return self.writer.read(name).unionByName(new)
        return new

    def new_rows(self, node: TableNode) -> Column | None:
        """For an append, which rows of the table are added (None: all, see ``AppendPlan``)."""
        if self.append is None:
            return None
        if not self.append.extends_window and self.scope[node.name] != "household":
            return None
        return self.append.new_rows(node.name, node.columns)

    def rows_to_stage(self, node: TableNode, df: DataFrame) -> DataFrame:
        """For an append, only the rows it adds (all of a table it rewrites)."""
        condition = self.new_rows(node)
        return df if condition is None else df.where(condition)

    def stage(self, node: TableNode, expected: int | None) -> None:
        self.on_event(TableStarted(node.name, expected))
        started = perf_counter()

        def upstream(name: str) -> DataFrame:
            if name not in node.depends_on:
                raise KeyError(f"table {node.name!r} reads {name!r}: add it to depends_on")
            return self.read(node, name)

        def progress(fraction: float) -> None:
            # Jobs of a table run one after another (reference constants, then the write): the
            # tasks known so far may all be done long before the table is.
            fraction = min(fraction, UNFINISHED)
            done = None if expected is None else round(fraction * expected)
            self.on_event(TableProgress(node.name, fraction, done))

        conf = node.spark_conf(self.spec) if node.spark_conf else {}
        with (
            tracked(self.spark, f"{self.run_id}/{node.name}", progress),
            settings(self.spark, conf),
        ):
            df = self.rows_to_stage(
                node, node.build(BuildContext(self.spark, self.spec, upstream, expected))
            )
            result = self.writer.stage(
                node.name, df, node.comments(df.columns), node.description, run_id=self.run_id
            )
        self.staged[node.name] = result
        seconds = perf_counter() - started
        self.on_event(TableDone(node.name, result.rows, seconds, result.bytes))


def _is_built(node: TableNode, scope: Mapping[str, Scope], append: AppendPlan | None) -> bool:
    """Dimension tables are not built by an append, unless a longer window adds rows to them."""
    if append is None or scope[node.name] != "dimension":
        return True
    return append.extends_window and append.new_rows(node.name, node.columns) is not None


def _expected(
    node: TableNode, spec: GenerationSpec, scope: Mapping[str, Scope], append: AppendPlan | None
) -> int | None:
    """Rows the node is expected to stage (for an extension: to build)."""
    if node.expected_rows is None:
        return None
    rows = node.expected_rows(spec)
    if append is not None and not append.extends_window and scope[node.name] == "household":
        rows *= 1 - append.from_household / spec.households.count
    return round(rows)
