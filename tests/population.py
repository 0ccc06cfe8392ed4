"""Test helpers for the population tables (households, individuals, identity_mappings).

``population`` builds the three tables of a spec the way the pipeline chains them (each from the
previous DataFrame), cached; ``content_hash`` is an order-independent fingerprint of a table.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from generators.spec import GenerationSpec
from generators.tables import households, identity_mappings, individuals


@dataclass(frozen=True)
class Population:
    households: DataFrame
    individuals: DataFrame
    identity: DataFrame


def small_spec(
    count: int = 2000, seed: int = 42, spec_version: int | None = None, **sections: object
) -> GenerationSpec:
    """The default spec with ``count`` households, ``seed``, ``spec_version`` (the latest when
    None) and section overrides."""
    data: dict[str, object] = {"seed": seed, "households": {"count": count}}
    if spec_version is not None:
        data["spec_version"] = spec_version
    for name, value in sections.items():
        merged = dict(data.get(name, {}))  # type: ignore[arg-type]
        merged.update(value)  # type: ignore[arg-type]
        data[name] = merged
    return GenerationSpec.model_validate(data)


def population(spark: SparkSession, spec: GenerationSpec, with_identity: bool = True) -> Population:
    """The three tables of ``spec``, cached (identity left lazy unless ``with_identity``)."""
    hh = households.households(spark, spec).cache()
    people = individuals.individuals(spec, hh).cache()
    ids = identity_mappings.identity_mappings(spec, people)
    return Population(hh, people, ids.cache() if with_identity else ids)


def content_hash(df: DataFrame) -> tuple[int, int]:
    """(rows, exact sum of per-row xxhash64 over all columns): equal for equal multisets of rows."""
    row_hash = F.xxhash64(*(F.col(c) for c in df.columns)).cast("decimal(38,0)")
    result = df.agg(F.count(F.lit(1)), F.sum(row_hash)).first()
    return int(result[0]), int(result[1] or 0)


def violations(df: DataFrame, rules: dict[str, object]) -> dict[str, int]:
    """Per named rule (a boolean Column true on an offending row), the count of offending rows,
    all in one aggregate."""
    counts = df.agg(
        *(F.sum(F.when(rule, 1).otherwise(0)).alias(name) for name, rule in rules.items())
    ).first()
    return {name: int(counts[name] or 0) for name in rules}
