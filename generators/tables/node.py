"""A table of the graph: how it is built (``TableNode``) and what its builder sees (``BuildContext``).

Invariant (``check_graph``): names are unique, a table depends only on tables registered before it,
and its key columns are described.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from pyspark.sql import DataFrame, SparkSession

from generators.spark.session import shuffle_partitions
from generators.spec import GenerationSpec

ROWS_PER_PARTITION = 2_000_000


@dataclass(frozen=True)
class BuildContext:
    """What a node's ``build`` may use: the session, the spec, its declared upstream tables and
    the number of rows it is expected to produce."""

    spark: SparkSession
    spec: GenerationSpec
    upstream: Callable[[str], DataFrame]
    expected_rows: float | None = None

    def fan_out_input(self, name: str) -> DataFrame:
        """Upstream table ``name`` split for a node whose rows fan out from it: into at least
        the session's shuffle partitions (2 x cores locally) and at most ROWS_PER_PARTITION
        output rows each. A small staged table is otherwise read as one partition and the whole
        fan-out runs on one core. Values never depend on partitioning (``generators.synth.rng``)."""
        df = self.upstream(name)
        by_size = math.ceil((self.expected_rows or 0.0) / ROWS_PER_PARTITION)
        return df.repartition(max(shuffle_partitions(self.spark), by_size, 1))


@dataclass(frozen=True)
class TableNode:
    """One generated table. ``columns`` maps every column to its description (written into the
    Delta schema and the data dictionary); ``optional_columns`` are those of them only some
    specs generate; ``key`` is one column or a composite of several; ``expected_rows``
    estimates its size from the spec; ``spark_conf`` gives the Spark SQL settings its write runs
    under (restored after it), when it needs its own."""

    name: str
    build: Callable[[BuildContext], DataFrame]
    depends_on: tuple[str, ...]
    description: str
    columns: Mapping[str, str]
    key: str | tuple[str, ...]
    expected_rows: Callable[[GenerationSpec], float] | None = field(default=None, compare=False)
    optional_columns: frozenset[str] = frozenset()
    spark_conf: Callable[[GenerationSpec], Mapping[str, str]] | None = field(
        default=None, compare=False
    )

    def comments(self, present: Sequence[str]) -> dict[str, str]:
        """The descriptions of a built table's columns (``present``): every column but the
        optional ones it does not have."""
        return {
            column: text
            for column, text in self.columns.items()
            if column in present or column not in self.optional_columns
        }

    @property
    def key_columns(self) -> tuple[str, ...]:
        return (self.key,) if isinstance(self.key, str) else self.key


def check_graph(nodes: Sequence[TableNode]) -> None:
    """Raise ValueError unless names are unique, dependencies come first and keys are columns."""
    seen: set[str] = set()
    for node in nodes:
        if node.name in seen:
            raise ValueError(f"table {node.name!r} is registered twice")
        missing = [d for d in node.depends_on if d not in seen]
        if missing:
            raise ValueError(f"table {node.name!r} depends on {missing}, not registered before it")
        undescribed = [k for k in node.key_columns if k not in node.columns]
        if undescribed:
            raise ValueError(f"table {node.name!r}: key {undescribed} has no column description")
        seen.add(node.name)
