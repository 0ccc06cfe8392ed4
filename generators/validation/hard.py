"""Hard checks: integrity, domain, temporal and attribution rules that must hold on every row.

Per table, one aggregate counts rows, duplicate keys and every row rule (nulls, domains,
non-negative amounts, ordered pairs); one query joining each parent checks that foreign keys
resolve and carried attributes equal the parent's; then the cross-table rules of ``cross`` run.
Only counts and, for failing checks, up to MAX_SAMPLES offending keys reach the driver. A table
that is absent fails ``present``; a required column that is absent fails ``columns``; checks
needing a missing table or column are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator

from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, NumericType, StructType, TimestampType

from generators.spec import MAX_HOUSEHOLD_SIZE, GenerationSpec
from generators.validation import contract as C
from generators.validation.cross import CROSS_CHECKS, WEIGHT_TOLERANCE
from generators.validation.model import Check, hard
from generators.validation.rules import (
    RowRule,
    Tables,
    all_of,
    any_of,
    row_checks,
    rule_checks,
    rule_sums,
    samples,
)


def hard_checks(tables: Tables, spec: GenerationSpec) -> tuple[list[Check], dict[str, int]]:
    """Every hard check in a stable order (per table, then across tables), and rows per table."""
    checks = [_presence(name, tables) for name in C.TABLES]
    rows: dict[str, int] = {}
    for name in C.TABLES:
        if name in tables:
            table_checks, rows[name] = _table_checks(name, tables[name], spec)
            checks += table_checks
    for name in C.TABLES:
        if name in tables:
            checks += _lookup_checks(name, tables)
    for cross in CROSS_CHECKS:
        checks += cross(tables, spec)
    return checks, rows


def _presence(name: str, tables: Tables) -> Check:
    missing = [] if name in tables else [name]
    return hard(f"present:{name}", name, "the table exists", len(missing), missing)


def _table_checks(name: str, df: DataFrame, spec: GenerationSpec) -> tuple[list[Check], int]:
    """Columns, types, then one aggregate for rows, key uniqueness and every row rule."""
    missing = [c for c in C.REQUIRED[name] if c not in df.columns]
    checks = [
        hard(f"columns:{name}", name, "every required column is present", len(missing), missing),
        _column_types(name, df.schema),
    ]
    keys = list(C.KEYS[name])
    if not set(keys) <= set(df.columns):
        return checks, df.count()
    rules = list(_row_rules(name, df, spec))
    keyed = all_of(F.col(k).isNotNull() for k in keys)
    totals = df.agg(
        F.count("*").alias("rows"),
        F.count(F.when(keyed, 1)).alias("keyed"),
        F.countDistinct(*keys).alias("distinct"),
        *rule_sums(rules),
    ).first()
    duplicates = totals["keyed"] - totals["distinct"]
    repeated = df.groupBy(*keys).count().where(F.col("count") > 1).select(*keys)
    checks.append(
        hard(
            f"pk:{name}",
            name,
            f"primary key ({', '.join(keys)}) is unique (violations: extra rows)",
            duplicates,
            samples(repeated) if duplicates else [],
        )
    )
    checks += rule_checks(name, df, keys, rules, totals)
    return checks, int(totals["rows"])


def _column_types(name: str, schema: StructType) -> Check:
    wrong = [
        f"{f.name}: {f.dataType.simpleString()}"
        for f in schema.fields
        if (f.name.endswith("_ts") and not isinstance(f.dataType, TimestampType))
        or (f.name.endswith("_date") and not isinstance(f.dataType, DateType))
    ]
    return hard(
        f"types:{name}",
        name,
        "*_ts columns are TIMESTAMP and *_date columns are DATE",
        len(wrong),
        wrong,
    )


def _row_rules(name: str, df: DataFrame, spec: GenerationSpec) -> Iterator[RowRule]:
    columns = set(df.columns)
    required = [c for c in C.REQUIRED[name] if c in columns and (name, c) not in C.NULLABLE]
    if required:
        yield RowRule(
            f"not_null:{name}",
            f"required columns are never null ({', '.join(required)})",
            any_of(F.col(c).isNull() for c in required),
        )
    domains = dict(C.DOMAINS)
    domains[("audience_attributes", "segment")] = tuple(spec.audience.segment_names())
    domains[("campaign_audience", "segment")] = tuple(spec.audience.segment_names())
    for (table, column), allowed in domains.items():
        if table == name and column in columns:
            yield RowRule(
                f"domain:{name}.{column}",
                f"{column} is one of {', '.join(allowed)}",
                F.col(column).isNotNull() & ~F.col(column).isin(*allowed),
            )
    for field in df.schema.fields:
        if isinstance(field.dataType, NumericType) and any(
            m in field.name for m in C.NON_NEGATIVE_MARKERS
        ):
            yield RowRule(
                f"non_negative:{name}.{field.name}", f"{field.name} >= 0", F.col(field.name) < 0
            )
    yield from _specific_rules(name, columns)


def _specific_rules(name: str, columns: set[str]) -> Iterator[RowRule]:
    def ordered(low: str, high: str) -> Iterator[RowRule]:
        if {low, high} <= columns:
            yield RowRule(
                f"order:{name}.{low}<={high}", f"{low} <= {high}", F.col(low) > F.col(high)
            )

    if name == "households" and "household_size" in columns:
        yield RowRule(
            "domain:households.household_size",
            f"household_size between 1 and {MAX_HOUSEHOLD_SIZE}",
            ~F.col("household_size").between(1, MAX_HOUSEHOLD_SIZE),
        )
    if name == "individuals" and "age" in columns:
        yield RowRule(
            "domain:individuals.age",
            f"age between 0 and {C.MAX_AGE}",
            ~F.col("age").between(0, C.MAX_AGE),
        )
    if name == "outcome_metrics" and "attribution_weight" in columns:
        yield RowRule(
            "domain:outcome_metrics.attribution_weight",
            "attribution_weight between 0 and 1",
            ~F.col("attribution_weight").between(-WEIGHT_TOLERANCE, 1 + WEIGHT_TOLERANCE),
        )
    yield from ordered("first_seen", "last_seen")
    yield from ordered("first_event_ts", "last_event_ts")
    yield from ordered("start_date", "end_date")
    for column in sorted(columns):
        if column.endswith("_share") or column in C.UNIT_INTERVAL:
            yield RowRule(
                f"domain:{name}.{column}",
                f"{column} between 0 and 1",
                ~F.col(column).between(0, 1),
            )


def _has_fk(fk: C.ForeignKey, tables: Tables) -> bool:
    return (
        fk.child in tables
        and fk.parent in tables
        and fk.column in tables[fk.child].columns
        and fk.parent_column in tables[fk.parent].columns
    )


def _lookup_checks(name: str, tables: Tables) -> list[Check]:
    """Every foreign key of ``name`` resolves and its carried attributes equal the parent's:
    one query joining each parent's (deduplicated) keys, one aggregate."""
    child = tables[name]
    keys = list(C.KEYS[name])
    fks = [fk for fk in C.FOREIGN_KEYS if fk.child == name and _has_fk(fk, tables)]
    if not fks or not set(keys) <= set(child.columns):
        return []
    joined = child
    rules = []
    for i, fk in enumerate(fks):
        parent = tables[fk.parent]
        carried = [c for c in fk.carried if c in child.columns and c in parent.columns]
        lookup = parent.select(
            F.col(fk.parent_column).alias(f"_key{i}"),
            *(F.col(c).alias(f"_carried{i}_{c}") for c in carried),
        ).dropDuplicates([f"_key{i}"])
        joined = joined.join(lookup, F.col(fk.column) == F.col(f"_key{i}"), "left")
        found = F.col(f"_key{i}").isNotNull()
        rules.append(
            RowRule(
                fk.name,
                f"every {fk.child}.{fk.column} exists in {fk.parent}.{fk.parent_column}",
                F.col(fk.column).isNotNull() & ~found,
                (fk.column,),
            )
        )
        if carried:
            rules.append(
                RowRule(
                    f"carried:{fk.child}.{fk.column}->{fk.parent}",
                    f"{', '.join(carried)} equal the {fk.parent} row's",
                    found
                    & any_of(~F.col(c).eqNullSafe(F.col(f"_carried{i}_{c}")) for c in carried),
                    (fk.column,),
                )
            )
    return row_checks(name, joined, keys, rules)
