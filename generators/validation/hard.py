"""Hard checks: integrity, domain, temporal and attribution rules that must hold on every row.

Per table, one aggregate over the table left-joined to its parents' keys counts rows, duplicate
keys, every row rule (nulls, domains, non-negative amounts, ordered pairs) and every foreign-key
rule (the key resolves, carried attributes equal the parent's); then the cross-table rules of
``cross`` run.
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
    rule_checks,
    rule_sums,
    samples,
)


def hard_checks(tables: Tables, spec: GenerationSpec) -> tuple[list[Check], dict[str, int]]:
    """Every hard check in a stable order (per table, then foreign keys per table, then across
    tables), and rows per table."""
    checks = [_presence(name, tables) for name in C.TABLES]
    rows: dict[str, int] = {}
    lookups: list[Check] = []
    for name in C.TABLES:
        if name in tables:
            table_checks, lookup_checks, rows[name] = _table_checks(name, tables, spec)
            checks += table_checks
            lookups += lookup_checks
    checks += lookups
    for cross in CROSS_CHECKS:
        checks += cross(tables, spec)
    return checks, rows


def _presence(name: str, tables: Tables) -> Check:
    missing = [] if name in tables else [name]
    return hard(f"present:{name}", name, "the table exists", len(missing), missing)


def _table_checks(
    name: str, tables: Tables, spec: GenerationSpec
) -> tuple[list[Check], list[Check], int]:
    """Columns and types, then one query over the table joined to its parents' keys: rows, key
    uniqueness, every row rule and every foreign-key rule. Returns the table's checks, its
    foreign-key checks and its row count."""
    df = tables[name]
    missing = [c for c in C.REQUIRED[name] if c not in df.columns]
    checks = [
        hard(f"columns:{name}", name, "every required column is present", len(missing), missing),
        _column_types(name, df.schema),
    ]
    keys = list(C.KEYS[name])
    if not set(keys) <= set(df.columns):
        return checks, [], df.count()
    rules = list(_row_rules(name, df, spec))
    joined, lookups = _with_parents(name, tables)
    keyed = all_of(F.col(k).isNotNull() for k in keys)
    totals = joined.agg(
        F.count("*").alias("rows"),
        F.count(F.when(keyed, 1)).alias("keyed"),
        F.countDistinct(*keys).alias("distinct"),
        *rule_sums(rules + lookups),
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
    both = rule_checks(name, joined, keys, rules + lookups, totals)
    return checks + both[: len(rules)], both[len(rules) :], int(totals["rows"])


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


def _with_parents(name: str, tables: Tables) -> tuple[DataFrame, list[RowRule]]:
    """``name`` left-joined to each parent's (deduplicated) keys and carried attributes, so no
    row is repeated, and the rules that every foreign key resolves and its carried attributes
    equal the parent's."""
    joined = tables[name]
    rules = []
    fks = [fk for fk in C.FOREIGN_KEYS if fk.child == name and _has_fk(fk, tables)]
    for i, fk in enumerate(fks):
        parent = tables[fk.parent]
        carried = [c for c in fk.carried if c in joined.columns and c in parent.columns]
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
    return joined, rules
