"""Shared machinery of the hard checks: per-row rules counted in one aggregate, offending rows
counted and sampled.

Invariants: a rule's violation count is the number of rows where ``broken`` is true (null counts
as not broken); samples are the smallest offending keys (deterministic), at most MAX_SAMPLES,
and are only fetched when a rule fails.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from generators.spark.session import shuffle_partitions
from generators.spec import GenerationSpec
from generators.tables.expected import estimate
from generators.validation.model import MAX_SAMPLES, Check, hard

Tables = Mapping[str, DataFrame]
ROWS_PER_PARTITION = 2_500_000
BROADCAST_KEYS = 5_000_000
SPARSE_RATIO = 4


def shuffle_width(spark: SparkSession, spec: GenerationSpec, table: str) -> int:
    """Partitions for shuffling ``table``'s rows by (nearly) unique keys: about
    ROWS_PER_PARTITION of its expected rows (from the spec) each, at least the session's
    shuffle partitions. Small hash maps are faster (75M event ids: 78 s in 4 partitions with
    a partial aggregate, 48 s in 32 without)."""
    expected = estimate(spec).rows.get(table, 0)
    return max(shuffle_partitions(spark), math.ceil(expected / ROWS_PER_PARTITION))


def referenced(
    parent: DataFrame,
    key: str,
    child: DataFrame,
    child_key: str,
    spec: GenerationSpec,
    tables: tuple[str, str],
) -> DataFrame:
    """``parent``'s rows whose ``key`` is one of ``child``'s ``child_key`` values, when the
    (child, parent) ``tables`` are expected (from the spec) to be a child of at most
    BROADCAST_KEYS rows and under 1/SPARSE_RATIO of its parent's; else ``parent`` unchanged.

    The child's keys are broadcast and the parent is filtered while it is read, so joining the
    child to the result shuffles only the rows it references: at 1M households a response's
    exposure is one of 20.8M, and shuffling them all cost ~5 s per join. The result is meant to
    be joined to ``child`` on those keys: every child row finds the same parent rows as
    before."""
    expected = estimate(spec).rows
    rows, parent_rows = (expected.get(t, 0) for t in tables)
    if rows > BROADCAST_KEYS or rows * SPARSE_RATIO > parent_rows:
        return parent
    keys = child.select(F.col(child_key).alias(key)).where(F.col(key).isNotNull())
    return parent.join(F.broadcast(keys), key, "left_semi")


@dataclass(frozen=True)
class RowRule:
    """A per-row rule of one table: ``broken`` is true on an offending row."""

    name: str
    description: str
    broken: Column
    context: tuple[str, ...] = ()


def row_checks(name: str, df: DataFrame, keys: list[str], rules: list[RowRule]) -> list[Check]:
    """One aggregate counting every rule's offending rows, then samples of the failing ones."""
    if not rules:
        return []
    return rule_checks(name, df, keys, rules, df.agg(*rule_sums(rules)).first())


def rule_sums(rules: list[RowRule], first: int = 0, weight: Column | None = None) -> list[Column]:
    """Aggregate columns ``_rule<first + i>``: offending rows of each rule (to add to a larger
    agg); with ``weight``, each row counts as that many (rows of a pre-aggregated frame)."""
    one = F.lit(1).cast("long") if weight is None else weight
    return [
        F.sum(F.when(r.broken, one).otherwise(0)).alias(f"_rule{first + i}")
        for i, r in enumerate(rules)
    ]


def rule_checks(
    name: str, df: DataFrame, keys: list[str], rules: list[RowRule], totals
) -> list[Check]:
    """The checks of ``rules`` from an aggregate row holding their ``_rule<i>`` counts."""
    checks = []
    for i, rule in enumerate(rules):
        count = totals[f"_rule{i}"] or 0
        shown = list(dict.fromkeys([*keys, *rule.context]))
        shown_rows = samples(df.where(rule.broken).select(*shown)) if count else []
        checks.append(hard(rule.name, name, rule.description, count, shown_rows))
    return checks


def needs(tables: Tables, needed: dict[str, tuple[str, ...]]) -> bool:
    """Every named table is present with the named columns."""
    return all(t in tables and set(cols) <= set(tables[t].columns) for t, cols in needed.items())


def counted(name: str, table: str, description: str, offending: DataFrame) -> Check:
    """A check whose violations are the rows of ``offending`` (keys and context columns)."""
    count = offending.count()
    return hard(name, table, description, count, samples(offending) if count else [])


def samples(offending: DataFrame) -> list[Any]:
    """Up to MAX_SAMPLES rows, smallest first: a scalar for one column, else a dict."""
    rows = offending.orderBy(*offending.columns).limit(MAX_SAMPLES).collect()
    return [row[0] if len(row) == 1 else row.asDict() for row in rows]


def any_of(conditions: Iterable[Column]) -> Column:
    result = F.lit(False)
    for condition in conditions:
        result = result | condition
    return result


def all_of(conditions: Iterable[Column]) -> Column:
    result = F.lit(True)
    for condition in conditions:
        result = result & condition
    return result
