"""Hard checks: integrity, domain, temporal and attribution rules that must hold on every row.

Per table, one Spark job counts rows, duplicate keys, every row rule (nulls, domains,
non-negative amounts, ordered pairs) and every foreign-key rule (the key resolves, carried
attributes equal the parent's); then the cross-table rules of ``cross`` run. Inside that job each
count is its own narrow aggregate: row rules in one pass over the table, key uniqueness over the
key columns alone, and each foreign key over the child's distinct (key, carried attributes)
with their row counts, joined to the parent's keys (only those a much smaller child references:
``rules.referenced``). A wide child (75M events at 1M households) is therefore never shuffled
whole, nor a wide parent for a small child, and the counts equal those over the row-by-row join.
A key that follows from two others (``contract.Chain``: an event's person through its
identifier's row) is not looked up when they pass; otherwise a second job counts it.
Only counts and, for failing checks, up to MAX_SAMPLES offending keys reach the driver. A table
that is absent fails ``present``; a required column that is absent fails ``columns``; checks
needing a missing table or column are skipped.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, IntegralType, NumericType, StructType, TimestampType

from generators.spec import MAX_HOUSEHOLD_SIZE, GenerationSpec
from generators.synth.seasonality import window_end_epoch, window_start_epoch
from generators.validation import contract as C
from generators.validation.cross import CROSS_CHECKS, WEIGHT_TOLERANCE
from generators.validation.model import Check, hard
from generators.validation.rules import (
    RowRule,
    Tables,
    all_of,
    any_of,
    referenced,
    rule_checks,
    rule_sums,
    samples,
    shuffle_width,
)

BLOCK_SHIFT = 6
BLOCK_BITS = 2**BLOCK_SHIFT  # keys per bitmap of the distinct count: the bits of a long


def hard_checks(tables: Tables, spec: GenerationSpec) -> tuple[list[Check], dict[str, int]]:
    """Every hard check in a stable order (per table, then foreign keys per table, then across
    tables), and rows per table."""
    checks = [_presence(name, tables) for name in C.TABLES]
    rows: dict[str, int] = {}
    lookups: list[Check] = []
    passed: set[str] = set()  # names of the checks passed so far (parents come first)
    for name in C.TABLES:
        if name in tables:
            table_checks, lookup_checks, rows[name] = _table_checks(name, tables, spec, passed)
            checks += table_checks
            lookups += lookup_checks
            passed |= {c.name for c in table_checks + lookup_checks if c.ok}
    checks += lookups
    for cross in CROSS_CHECKS:
        checks += cross(tables, spec)
    return checks, rows


def _presence(name: str, tables: Tables) -> Check:
    missing = [] if name in tables else [name]
    return hard(f"present:{name}", name, "the table exists", len(missing), missing)


def _table_checks(
    name: str, tables: Tables, spec: GenerationSpec, passed: set[str]
) -> tuple[list[Check], list[Check], int]:
    """Columns and types, then one Spark job: rows, key uniqueness, every row rule and every
    foreign-key rule but those that follow from others (``contract.CHAINS``; ``passed``: the
    checks of earlier tables that passed). A chained key whose premises fail is looked up in a
    second job. Returns the table's checks, its foreign-key checks and its row count."""
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
    chains = [c for c in C.CHAINS if c.implied.child == name and _chain_holds_columns(c, tables)]
    chained = {c.implied for c in chains}
    direct = [fk for fk in _foreign_keys(name, tables) if fk not in chained]
    parents = _parents(name, tables, spec, passed, direct)
    lookups = [rule for parent in parents for rule in parent.rules]
    keyed = all_of(F.col(k).isNotNull() for k in keys)
    totals = _one_row(
        df.agg(
            F.count("*").alias("rows"),
            F.count(F.when(keyed, 1)).alias("keyed"),
            *rule_sums(rules),
            *(_gap(chain).alias(f"_gap{i}") for i, chain in enumerate(chains)),
        ),
        _distinct_count(name, df.where(keyed).select(*keys), spec),
        *_lookup_counts(df, parents, first_rule=len(rules)),
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
    joined = _joined(df, parents)
    both = rule_checks(name, joined, keys, rules + lookups, totals)
    checks += both[: len(rules)]
    found = both[len(rules) :]
    known = passed | {c.name for c in checks + found if c.ok}
    for i, chain in enumerate(chains):
        if totals[f"_gap{i}"] == 0 and _premises(chain) <= known:
            found += _implied(chain, tables)
        else:
            found += _lookup_checks(name, keys, tables, spec, passed, [chain.implied])
    return checks, found, int(totals["rows"])


def _distinct_count(name: str, keys: DataFrame, spec: GenerationSpec) -> DataFrame:
    """One row, ``distinct``: how many distinct rows ``keys`` (non-null) has.

    A single integral key is counted by blocks of BLOCK_BITS consecutive values: each block's
    keys OR-ed into one bitmap, whose set bits are the block's distinct keys. Generated keys are
    dense within a parent (an individual's events, a pair's exposures), so the map side folds
    most rows of a block into one before the shuffle (75M event ids at 1M households: 32 s
    shuffling every key). Other keys are hash-partitioned by their columns (``shuffle_width``)
    and deduplicated: (nearly) unique keys would not shrink in a map-side aggregate.
    """
    column = keys.schema.fields[0]
    if len(keys.columns) == 1 and isinstance(column.dataType, IntegralType):
        key = F.col(column.name).cast("long")
        offset = key.bitwiseAND(F.lit(BLOCK_BITS - 1)).cast("int")
        bit = F.call_function("shiftleft", F.lit(1).cast("long"), offset)  # Python's: int shift
        blocks = keys.groupBy(F.shiftright(key, BLOCK_SHIFT).alias("_block")).agg(
            F.bit_or(bit).alias("_bits")
        )
        return blocks.agg(F.coalesce(F.sum(F.bit_count("_bits")), F.lit(0)).alias("distinct"))
    partitions = shuffle_width(keys.sparkSession, spec, name)
    distinct = keys.repartition(partitions, *keys.columns).distinct()
    return distinct.agg(F.count("*").alias("distinct"))


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
    if name == "identity_mappings":
        yield from _identity_rules(columns, spec)


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
    yield from ordered("true_valid_from", "true_valid_to")
    yield from ordered("first_event_ts", "last_event_ts")
    yield from ordered("start_date", "end_date")
    for column in sorted(columns):
        if column.endswith("_share") or column in C.UNIT_INTERVAL:
            yield RowRule(
                f"domain:{name}.{column}",
                f"{column} between 0 and 1",
                ~F.col(column).between(0, 1),
            )


def _identity_rules(columns: set[str], spec: GenerationSpec) -> Iterator[RowRule]:
    """Identifiers are seen, and valid, inside the engagement window; only probabilistic links
    are wrong, and a link that is not wrong is to a person of its true household."""
    start = F.timestamp_seconds(F.lit(window_start_epoch(spec)))
    end = F.timestamp_seconds(F.lit(window_end_epoch(spec)))
    times = [
        c for c in ("first_seen", "last_seen", "true_valid_from", "true_valid_to") if c in columns
    ]
    if times:
        yield RowRule(
            "window:identity_mappings",
            f"{', '.join(times)} fall inside the engagement window",
            any_of((F.col(c) < start) | (F.col(c) > end) for c in times),
        )
    if {"is_wrong_link", "link_source", "household_id", "true_household_id"} <= columns:
        wrong = F.col("is_wrong_link")
        yield RowRule(
            "truth:identity_mappings.is_wrong_link",
            "only probabilistic links are wrong, and a link that is not wrong is to a person of "
            "true_household_id",
            (wrong & (F.col("link_source") != "probabilistic_match"))
            | (~wrong & (F.col("household_id") != F.col("true_household_id"))),
        )


def _foreign_keys(name: str, tables: Tables) -> list[C.ForeignKey]:
    """The foreign keys of ``name`` whose parent and columns are present."""
    return [fk for fk in C.FOREIGN_KEYS if fk.child == name and _has_fk(fk, tables)]


def _has_fk(fk: C.ForeignKey, tables: Tables) -> bool:
    return (
        fk.child in tables
        and fk.parent in tables
        and fk.column in tables[fk.child].columns
        and fk.parent_column in tables[fk.parent].columns
    )


@dataclass(frozen=True)
class _Parent:
    """A foreign key of the checked table. ``lookup`` has the parent's keys once each (``key``)
    and, when attributes are carried, the fingerprint of the smallest version of them
    (``carried``): the parent's rows as they are when its key was checked unique, else grouped
    by key; ``columns`` adds the child's foreign key and that fingerprint (``own``);
    ``rules`` read the child's columns after ``columns`` and the lookup's."""

    lookup: DataFrame
    key: str
    foreign_key: str
    own: dict[str, Column]
    rules: tuple[RowRule, ...]

    def columns(self, child: DataFrame) -> DataFrame:
        return child.withColumns(self.own) if self.own else child

    def match(self, child: DataFrame) -> DataFrame:
        """``child`` (after ``columns``) left-joined to the lookup: no row is repeated."""
        return child.join(self.lookup, F.col(self.foreign_key) == F.col(self.key), "left")


def fingerprint(columns: list[str]) -> Column:
    """A 64-bit hash of the values of ``columns``, nulls included (a null and a value differ).

    Carried attributes are compared by fingerprint: a fixed-width value that Spark aggregates
    and joins without sorting strings; two different versions collide with probability 2^-64.
    """
    return F.xxhash64(*(F.col(c) for c in columns), *(F.col(c).isNull() for c in columns))


def _parents(
    name: str, tables: Tables, spec: GenerationSpec, passed: set[str], fks: list[C.ForeignKey]
) -> list[_Parent]:
    """The foreign keys ``fks`` of ``name``, with the rules that the key resolves and that its
    carried attributes equal the parent's. A parent whose key passed its uniqueness check and
    is the referenced column alone is used as it is (grouping 27M unique keys by key cost more
    than the rest of the lookup at 1M households), cut to the keys a much smaller child
    references (``referenced``)."""
    child = tables[name]
    parents = []
    for i, fk in enumerate(fks):
        parent = tables[fk.parent]
        carried = [c for c in fk.carried if c in child.columns and c in parent.columns]
        key, own, theirs = f"_key{i}", f"_own{i}", f"_carried{i}"
        parent_key = F.col(fk.parent_column).alias(key)
        if f"pk:{fk.parent}" in passed and C.KEYS[fk.parent] == (fk.parent_column,):
            carried_columns = [fingerprint(carried).alias(theirs)] if carried else []
            lookup = referenced(
                parent.select(parent_key, *carried_columns),
                key,
                child,
                fk.column,
                spec,
                (fk.child, fk.parent),
            )
        elif carried:
            lookup = parent.groupBy(parent_key).agg(F.min(fingerprint(carried)).alias(theirs))
        else:
            lookup = parent.select(parent_key).distinct()
        found = F.col(key).isNotNull()
        rules = [
            RowRule(fk.name, _resolves(fk), F.col(fk.column).isNotNull() & ~found, (fk.column,))
        ]
        if carried:
            rules.append(
                RowRule(
                    fk.carried_name,
                    _equal(fk, carried),
                    found & (F.col(own) != F.col(theirs)),
                    (fk.column,),
                )
            )
        fingerprints = {own: fingerprint(carried)} if carried else {}
        parents.append(_Parent(lookup, key, fk.column, fingerprints, tuple(rules)))
    return parents


def _resolves(fk: C.ForeignKey) -> str:
    return f"every {fk.child}.{fk.column} exists in {fk.parent}.{fk.parent_column}"


def _equal(fk: C.ForeignKey, carried: list[str]) -> str:
    return f"{', '.join(carried)} equal the {fk.parent} row's"


def _chain_holds_columns(chain: C.Chain, tables: Tables) -> bool:
    """Every column the chain's keys name is present, so their checks covered all of it."""
    return _has_fk(chain.implied, tables) and all(
        _has_fk(fk, tables)
        and set(fk.carried) <= set(tables[fk.child].columns) & set(tables[fk.parent].columns)
        for fk in (chain.first, chain.second)
    )


def _gap(chain: C.Chain) -> Column:
    """Rows the chain does not reach: the implied key is set, the first key is null."""
    implied, first = F.col(chain.implied.column), F.col(chain.first.column)
    return F.count(F.when(implied.isNotNull() & first.isNull(), 1))


def _premises(chain: C.Chain) -> set[str]:
    """The checks that must pass for ``chain.implied`` to follow."""
    first, second = chain.first, chain.second
    return {first.name, first.carried_name, second.name} | (
        {second.carried_name} if second.carried else set()
    )


def _implied(chain: C.Chain, tables: Tables) -> list[Check]:
    """The passed checks of a key that follows from its chain (see ``contract.Chain``)."""
    fk, through = chain.implied, f" (through {chain.first.parent})"
    checks = [hard(fk.name, fk.child, _resolves(fk) + through, 0)]
    if fk.carried:
        checks.append(hard(fk.carried_name, fk.child, _equal(fk, list(fk.carried)) + through, 0))
    return checks


def _lookup_checks(
    name: str,
    keys: list[str],
    tables: Tables,
    spec: GenerationSpec,
    passed: set[str],
    fks: list[C.ForeignKey],
) -> list[Check]:
    """The rules of foreign keys ``fks``, counted in a job of their own."""
    df = tables[name]
    parents = _parents(name, tables, spec, passed, fks)
    totals = _one_row(*_lookup_counts(df, parents, first_rule=0)).first()
    rules = [rule for parent in parents for rule in parent.rules]
    return rule_checks(name, _joined(df, parents), keys, rules, totals)


def _joined(df: DataFrame, parents: list[_Parent]) -> DataFrame:
    """``df`` joined to every parent's lookup, for sampling the rows of failing rules."""
    for parent in parents:
        df = parent.match(parent.columns(df))
    return df


def _lookup_counts(df: DataFrame, parents: list[_Parent], first_rule: int) -> list[DataFrame]:
    """Per parent, one row of ``_rule<i>`` counts (numbered from ``first_rule``): offending rows
    of ``df``, counted over its distinct (key, fingerprint) values weighted by their rows."""
    counts, number = [], first_rule
    for parent in parents:
        distinct = (
            parent.columns(df)
            .groupBy(parent.foreign_key, *parent.own)
            .agg(F.count("*").alias("_rows"))
        )
        counts.append(
            parent.match(distinct).agg(
                *rule_sums(list(parent.rules), first=number, weight=F.col("_rows"))
            )
        )
        number += len(parent.rules)
    return counts


def _one_row(*aggregates: DataFrame) -> DataFrame:
    """Single-row aggregates side by side: one Spark job computes them all."""
    row = aggregates[0]
    for other in aggregates[1:]:
        row = row.crossJoin(other)
    return row
