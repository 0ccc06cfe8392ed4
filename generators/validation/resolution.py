"""The report's "Identity resolution reference" section: how far a plain resolver gets on this
world's identity graph, scored against its truth, so a world's difficulty has a number.

The resolver is the one practitioners start with: connect person keys (``individual_id``) that
share an identifier (type and value), leaving out identifiers linked to more than
MAX_KEYS_PER_IDENTIFIER keys (an address of many people is a public network, not a household),
and take connected components:

- **household level**: components over every identifier, scored on person keys against their
  household (``household_id``): which people live together;
- **person level**: components over the identifiers that are not household-shared
  (``is_household_shared`` false on all their rows), each identifier given the component of its
  smallest person key, scored on identifiers against their true owner
  (``true_owner_individual_id``; the smallest, for an address many people share): which
  identifiers belong to one person.

Scores are pairwise: precision is the share of pairs put together that truly belong together,
recall the share of pairs that belong together that were put together, F1 their harmonic mean.
Without noise both levels are about 1 (households whose members share no identifier split).

Scale: the graph is scored on a deterministic sample, the rows of the first SAMPLE_HOUSEHOLDS
households (the whole world when it is smaller), whatever the world's size, so the section
costs the same at any scale. Networks are pools within blocks of 1,024 or 8,192 households, and links
to another household point at one with a lower id, so the sample keeps them all except those
from later households into the sample's last ones. Spark reduces the sample to the edges
between person keys (one star per shared identifier, a few hundred thousand pairs) and the
driver takes their connected components with scipy: label propagation in Spark needs one job
per step of the longest chain of links, and shared networks make chains long. Spark then
counts the identifier pairs per (component, owner).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from generators.validation.rules import needs

Tables = Mapping[str, DataFrame]
SAMPLE_HOUSEHOLDS = 32_768
MAX_KEYS_PER_IDENTIFIER = 10
COLUMNS = (
    "individual_id",
    "household_id",
    "identifier_type",
    "identifier_value",
    "is_household_shared",
    "true_owner_individual_id",
)


@dataclass
class Score:
    """Pairwise precision, recall and F1 of one level."""

    level: str
    unit: str
    precision: float
    recall: float
    clusters: int
    true_entities: int

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


@dataclass
class ResolutionSection:
    """The reference resolver's scores on the sample of ``households`` households."""

    households: int
    max_keys_per_identifier: int
    scores: list[Score]

    def to_dict(self) -> dict[str, Any]:
        return {
            "sample_households": self.households,
            "max_keys_per_identifier": self.max_keys_per_identifier,
            "scores": [asdict(s) | {"f1": round(s.f1, 4)} for s in self.scores],
        }


def reference_resolution(tables: Tables) -> ResolutionSection | None:
    """The section, or None when identity_mappings (or a column it needs) is absent."""
    if not needs(tables, {"identity_mappings": COLUMNS}):
        return None
    rows = tables["identity_mappings"].where(F.col("household_id") < SAMPLE_HOUSEHOLDS)
    links = rows.select(
        F.xxhash64("identifier_type", "identifier_value").alias("identifier"),
        F.col("individual_id").alias("key"),
        "household_id",
        "is_household_shared",
        F.col("true_owner_individual_id").alias("owner"),
    ).cache()
    try:
        return _score(links)
    finally:
        links.unpersist()


def _score(links: DataFrame) -> ResolutionSection:
    identifiers = links.groupBy("identifier").agg(
        F.countDistinct("key").alias("keys"),
        F.min("key").alias("first"),
        F.max(F.col("is_household_shared").cast("int")).alias("shared"),
        F.min("owner").alias("owner"),
    )
    linking = identifiers.where((F.col("keys") >= 2) & (F.col("keys") <= MAX_KEYS_PER_IDENTIFIER))
    edges = (
        links.join(linking, "identifier")
        .where(F.col("key") != F.col("first"))
        .select(F.col("first").alias("a"), F.col("key").alias("b"), "shared")
        .distinct()
        .toPandas()
    )
    people = links.select("key", "household_id").distinct().toPandas()
    keys = np.sort(people["key"].to_numpy())
    households = _components(keys, edges)
    persons = _components(keys, edges[edges["shared"] == 0])
    truth = people.set_index("key").loc[keys, "household_id"].to_numpy()
    household_score = _pairs("household", "person keys", households, truth)
    labels = links.sparkSession.createDataFrame(pd.DataFrame({"first": keys, "component": persons}))
    person_score = _identifier_pairs(identifiers.join(labels, "first"))
    households_sampled = int(people["household_id"].nunique())
    return ResolutionSection(
        households_sampled, MAX_KEYS_PER_IDENTIFIER, [household_score, person_score]
    )


def _components(keys: np.ndarray, edges: pd.DataFrame) -> np.ndarray:
    """The connected component of each of ``keys`` (sorted) over ``edges`` (a, b)."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    a = np.searchsorted(keys, edges["a"].to_numpy())
    b = np.searchsorted(keys, edges["b"].to_numpy())
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(len(keys), len(keys)))
    return connected_components(graph, directed=False)[1]


def _pairs(level: str, unit: str, predicted: np.ndarray, truth: np.ndarray) -> Score:
    """Pairwise scores of a clustering of items (``predicted`` labels) against ``truth``."""
    frame = pd.DataFrame({"p": predicted, "t": truth})

    def pairs(by: list[str]) -> tuple[int, int]:
        n = frame.groupby(by).size().to_numpy().astype(np.int64)
        return int((n * (n - 1) // 2).sum()), len(n)

    return _scored(level, unit, pairs(["p", "t"])[0], pairs(["p"]), pairs(["t"]))


def _identifier_pairs(scored: DataFrame) -> Score:
    """Pairwise scores of identifiers (``component``) against their owner, counted in Spark."""

    def pairs(by: list[str]) -> tuple[int, int]:
        n = F.col("count")
        row = (
            scored.groupBy(*by)
            .count()
            .agg(F.sum(n * (n - 1) / 2).cast("long").alias("pairs"), F.count("*").alias("groups"))
            .first()
        )
        return int(row["pairs"] or 0), int(row["groups"])

    both = pairs(["component", "owner"])[0]
    return _scored("person", "identifiers", both, pairs(["component"]), pairs(["owner"]))


def _scored(
    level: str, unit: str, hits: int, predicted: tuple[int, int], true: tuple[int, int]
) -> Score:
    """The score from the pairs put together and truly together ``hits``, and (pairs, groups)
    of the prediction and of the truth."""
    return Score(
        level,
        unit,
        precision=round(hits / predicted[0], 4) if predicted[0] else 1.0,
        recall=round(hits / true[0], 4) if true[0] else 1.0,
        clusters=predicted[1],
        true_entities=true[1],
    )
