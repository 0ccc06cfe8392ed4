"""Hard checks: integrity, domain, temporal and attribution rules that must hold on every row.

Each check is one Spark aggregate (its violation count); only when it fails are up to
``MAX_SAMPLES`` offending keys (smallest first, so the report is deterministic) brought to the
driver. A table that is absent fails ``table present``; a required column that is absent fails
``columns present``; checks needing a missing table or column are skipped.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import DateType, NumericType, StructType, TimestampType

from generators.spec import MAX_HOUSEHOLD_SIZE, GenerationSpec
from generators.validation import contract as C
from generators.validation.model import MAX_SAMPLES, Check, hard

WEIGHT_TOLERANCE = 1e-6
Tables = Mapping[str, DataFrame]


@dataclass(frozen=True)
class RowRule:
    """A per-row rule of one table: ``broken`` is true on an offending row."""

    name: str
    description: str
    broken: Column
    context: tuple[str, ...] = ()


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
    return hard(f"present:{name}", name, "the table exists", 0 if name in tables else 1, [name])


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
    keyed = _all(F.col(k).isNotNull() for k in keys)
    totals = df.agg(
        F.count("*").alias("rows"),
        F.count(F.when(keyed, 1)).alias("keyed"),
        F.countDistinct(*keys).alias("distinct"),
        *_rule_sums(rules),
    ).first()
    duplicates = totals["keyed"] - totals["distinct"]
    repeated = df.groupBy(*keys).count().where(F.col("count") > 1).select(*keys)
    checks.append(
        hard(
            f"pk:{name}",
            name,
            f"primary key ({', '.join(keys)}) is unique (violations: extra rows)",
            duplicates,
            _samples(repeated) if duplicates else [],
        )
    )
    checks += _rule_checks(name, df, keys, rules, totals)
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
            _any(F.col(c).isNull() for c in required),
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


def _row_checks(name: str, df: DataFrame, keys: list[str], rules: list[RowRule]) -> list[Check]:
    """One aggregate counting every rule's offending rows, then samples of the failing ones."""
    if not rules:
        return []
    return _rule_checks(name, df, keys, rules, df.agg(*_rule_sums(rules)).first())


def _rule_sums(rules: list[RowRule]) -> list[Column]:
    return [F.sum(F.when(r.broken, 1).otherwise(0)).alias(f"_rule{i}") for i, r in enumerate(rules)]


def _rule_checks(
    name: str, df: DataFrame, keys: list[str], rules: list[RowRule], totals
) -> list[Check]:
    checks = []
    for i, rule in enumerate(rules):
        count = totals[f"_rule{i}"] or 0
        shown = list(dict.fromkeys([*keys, *rule.context]))
        samples = _samples(df.where(rule.broken).select(*shown)) if count else []
        checks.append(hard(rule.name, name, rule.description, count, samples))
    return checks


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
                    found & _any(~F.col(c).eqNullSafe(F.col(f"_carried{i}_{c}")) for c in carried),
                    (fk.column,),
                )
            )
    return _row_checks(name, joined, keys, rules)


# ---------------------------------------------------------------- rules across tables


def _needs(tables: Tables, needed: dict[str, tuple[str, ...]]) -> bool:
    return all(t in tables and set(cols) <= set(tables[t].columns) for t, cols in needed.items())


def _household_members(tables: Tables, spec: GenerationSpec) -> list[Check]:
    if not _needs(
        tables,
        {"households": ("household_id", "household_size"), "individuals": ("household_id",)},
    ):
        return []
    members = tables["individuals"].groupBy("household_id").agg(F.count("*").alias("_members"))
    joined = (
        tables["households"]
        .select("household_id", "household_size")
        .join(members, "household_id", "left")
    )
    empty = F.col("_members").isNull()
    wrong = F.coalesce(F.col("_members"), F.lit(0)) != F.col("household_size")
    return _row_checks(
        "households",
        joined,
        ["household_id"],
        [
            RowRule("members:households", "no household without individuals", empty),
            RowRule(
                "size:households.household_size",
                "household_size equals the number of individuals with that household_id",
                wrong,
            ),
        ],
    )


def _derived(tables: Tables, spec: GenerationSpec) -> list[Check]:
    """Derived tables agree with what they derive from: viewership_patterns.total_events is the
    individual's number of events (a row for everyone with events, none for anyone else), and
    every individual has audience attributes."""
    checks = []
    if _needs(
        tables,
        {
            "content_engagements": ("individual_id",),
            "viewership_patterns": ("individual_id", "total_events"),
        },
    ):
        counted = (
            tables["content_engagements"]
            .groupBy("individual_id")
            .agg(F.count("*").alias("_events"))
        )
        joined = (
            tables["viewership_patterns"]
            .select("individual_id", "total_events")
            .join(counted, "individual_id", "full")
        )
        checks += _row_checks(
            "viewership_patterns",
            joined,
            ["individual_id"],
            [
                RowRule(
                    "derived:viewership_patterns.total_events",
                    "total_events equals the individual's content_engagements rows",
                    ~F.col("total_events").eqNullSafe(F.col("_events")),
                    ("total_events", "_events"),
                )
            ],
        )
    if _needs(
        tables, {"individuals": ("individual_id",), "audience_attributes": ("individual_id",)}
    ):
        missing = (
            tables["individuals"]
            .select("individual_id")
            .join(
                tables["audience_attributes"].select("individual_id"), "individual_id", "left_anti"
            )
        )
        checks.append(
            _counted(
                "coverage:audience_attributes",
                "audience_attributes",
                "every individual has an audience_attributes row",
                missing,
            )
        )
    return checks


def _exposure_rules(tables: Tables, spec: GenerationSpec) -> list[Check]:
    """Exposures inside their flight days; delivered ones within the daily and flight caps."""
    if not _needs(
        tables,
        {
            "campaign_exposures": ("exposure_id", "individual_id", "campaign_id", "exposure_ts"),
            "campaigns": ("campaign_id", "start_date", "end_date"),
        },
    ):
        return []
    exposures = tables["campaign_exposures"]
    flights = F.broadcast(tables["campaigns"])
    day = F.to_date("exposure_ts")
    checks = _row_checks(
        "campaign_exposures",
        exposures.join(flights.select("campaign_id", "start_date", "end_date"), "campaign_id"),
        ["exposure_id"],
        [
            RowRule(
                "window:campaign_exposures.exposure_ts",
                "exposure_ts falls within its campaign's start_date..end_date (inclusive days)",
                (day < F.col("start_date")) | (day > F.col("end_date")),
            )
        ],
    )
    caps = ("frequency_cap_per_day", "frequency_cap_per_flight")
    if not set(caps) <= set(tables["campaigns"].columns):
        return checks
    if "is_co_exposure" in exposures.columns:
        exposures = exposures.where(~F.col("is_co_exposure"))
    limits = flights.select("campaign_id", *caps)
    for cap, grouping, what in (
        ("frequency_cap_per_day", [*PAIR, day.alias("day")], "per person and UTC day"),
        ("frequency_cap_per_flight", list(PAIR), "per person over the flight"),
    ):
        counts = exposures.groupBy(*grouping).agg(F.count("*").alias("_exposures"))
        checks += _row_checks(
            "campaign_exposures",
            counts.join(limits, "campaign_id"),
            [c if isinstance(c, str) else "day" for c in grouping],
            [
                RowRule(
                    f"cap:campaign_exposures.{cap}",
                    f"delivered exposures {what} <= the campaign's {cap}",
                    F.col("_exposures") > F.col(cap),
                )
            ],
        )
    return checks


def _holdout_unexposed(tables: Tables, spec: GenerationSpec) -> list[Check]:
    if not _needs(
        tables,
        {
            "campaign_exposures": ("exposure_id", *PAIR),
            "campaign_audience": (*PAIR, "is_holdout"),
        },
    ):
        return []
    holdout = tables["campaign_audience"].where(F.col("is_holdout")).select(*PAIR)
    exposed = tables["campaign_exposures"].select("exposure_id", *PAIR).join(holdout, list(PAIR))
    return [
        _counted(
            "holdout:campaign_exposures",
            "campaign_exposures",
            "no one in a campaign's holdout is exposed to it (co-exposures included)",
            exposed.select("exposure_id"),
        )
    ]


def _response_exposure(tables: Tables, spec: GenerationSpec) -> list[Check]:
    columns = ("exposure_id", "individual_id", "campaign_id")
    if not _needs(
        tables,
        {
            "response_events": ("response_id", *columns, "response_ts"),
            "campaign_exposures": (*columns, "exposure_ts"),
        },
    ):
        return []
    joined = (
        tables["response_events"]
        .where(F.col("exposure_id").isNotNull())
        .join(_exposures_as_touch(tables), "exposure_id")
    )
    return _row_checks(
        "response_events",
        joined,
        ["response_id"],
        [
            RowRule(
                "consistent:response_events.exposure_id",
                "a response's exposure has the same individual and campaign",
                _other_touch(),
            ),
            RowRule(
                "order:response_events.response_ts>=exposure_ts",
                "response_ts >= the exposure_ts of its exposure",
                F.col("response_ts") < F.col("_touch_ts"),
            ),
        ],
    )


def _attribution(tables: Tables, spec: GenerationSpec) -> list[Check]:
    """Weights sum to 1 per (response, model); every conversion is attributed by every
    configured model; only conversions are attributed; touches precede their conversion."""
    if not _needs(
        tables,
        {
            "outcome_metrics": (
                "outcome_id",
                "response_id",
                "attribution_model",
                "attribution_weight",
            ),
            "response_events": ("response_id", "response_type", "response_ts"),
        },
    ):
        return []
    outcomes, responses = tables["outcome_metrics"], tables["response_events"]
    sums = outcomes.groupBy("response_id", "attribution_model").agg(
        F.sum("attribution_weight").alias("_total")
    )
    models = F.array(*(F.lit(m) for m in spec.responses.attribution.models))
    wanted = responses.where(F.col("response_type") == C.CONVERSION).select(
        "response_id", F.explode(models).alias("attribution_model")
    )
    kinds = responses.select("response_id", "response_type", F.col("response_ts").alias("_at"))
    attributed = outcomes.join(kinds, "response_id")
    checks = _row_checks(
        "outcome_metrics",
        wanted.join(sums, ["response_id", "attribution_model"], "full"),
        ["response_id", "attribution_model"],
        [
            RowRule(
                "sum:outcome_metrics.attribution_weight",
                f"attribution_weight sums to 1 (±{WEIGHT_TOLERANCE:g}) per conversion and "
                "configured attribution model",
                F.abs(F.coalesce(F.col("_total"), F.lit(0.0)) - F.lit(1.0))
                > F.lit(WEIGHT_TOLERANCE),
            )
        ],
    )
    checks += _row_checks(
        "outcome_metrics",
        attributed,
        ["outcome_id"],
        [
            RowRule(
                "conversion:outcome_metrics.response_id",
                "outcome rows attribute conversions only",
                F.col("response_type") != C.CONVERSION,
            )
        ],
    )
    if _needs(
        tables,
        {
            "outcome_metrics": ("exposure_id", *PAIR),
            "campaign_exposures": ("exposure_id", *PAIR, "exposure_ts"),
        },
    ):
        touched = attributed.where(F.col("exposure_id").isNotNull()).join(
            _exposures_as_touch(tables), "exposure_id"
        )
        checks += _row_checks(
            "outcome_metrics",
            touched,
            ["outcome_id"],
            [
                RowRule(
                    "consistent:outcome_metrics.exposure_id",
                    "a credited touch is an exposure of the same individual and campaign",
                    _other_touch(),
                ),
                RowRule(
                    "order:outcome_metrics.touch<=conversion",
                    "a credited touch happens no later than the conversion",
                    F.col("_touch_ts") > F.col("_at"),
                ),
            ],
        )
    return checks


def _exposures_as_touch(tables: Tables) -> DataFrame:
    return tables["campaign_exposures"].select(
        "exposure_id",
        F.col("individual_id").alias("_touch_individual"),
        F.col("campaign_id").alias("_touch_campaign"),
        F.col("exposure_ts").alias("_touch_ts"),
    )


def _other_touch() -> Column:
    return (F.col("individual_id") != F.col("_touch_individual")) | (
        F.col("campaign_id") != F.col("_touch_campaign")
    )


PAIR = ("individual_id", "campaign_id")
CROSS_CHECKS: tuple[Callable[[Tables, GenerationSpec], list[Check]], ...] = (
    _household_members,
    _derived,
    _exposure_rules,
    _holdout_unexposed,
    _response_exposure,
    _attribution,
)


# ---------------------------------------------------------------- helpers


def _counted(name: str, table: str, description: str, offending: DataFrame) -> Check:
    """A check whose violations are the rows of ``offending`` (keys and context columns)."""
    count = offending.count()
    return hard(name, table, description, count, _samples(offending) if count else [])


def _samples(offending: DataFrame) -> list[Any]:
    """Up to MAX_SAMPLES rows, smallest first: a scalar for one column, else a dict."""
    rows = offending.orderBy(*offending.columns).limit(MAX_SAMPLES).collect()
    return [row[0] if len(row) == 1 else row.asDict() for row in rows]


def _any(conditions: Iterable[Column]) -> Column:
    result = F.lit(False)
    for condition in conditions:
        result = result | condition
    return result


def _all(conditions: Iterable[Column]) -> Column:
    result = F.lit(True)
    for condition in conditions:
        result = result & condition
    return result
