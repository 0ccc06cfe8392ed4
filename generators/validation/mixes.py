"""Share comparisons of categorical columns against the spec's weights (total variation distance).

``label_counts`` counts several categorical columns of one table in a single aggregate (values
outside the expected labels, nulls included, count as 'other'); only those counts reach the
driver. The tolerance grows with sampling noise (see ``measures.tvd_tolerance``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from generators.validation.measures import shares, total_variation, tvd_tolerance
from generators.validation.model import Check, stat

TVD_FLOOR = 0.02
OTHER = "other"


@dataclass(frozen=True)
class Mix:
    """A categorical expression counted over the rows where ``where`` holds."""

    expr: Column
    labels: Sequence[object]
    where: Column = field(default_factory=lambda: F.lit(True))


def label_counts(df: DataFrame, mixes: Mapping[str, Mix]) -> dict[str, dict[str, int]]:
    """For each named mix: rows per expected label, plus 'other' when any row has another value."""
    aggregates = []
    for i, mix in enumerate(mixes.values()):
        aggregates += [
            F.count(F.when(mix.where & (mix.expr == F.lit(v)), 1)).alias(f"_m{i}_{j}")
            for j, v in enumerate(mix.labels)
        ]
        known = F.coalesce(mix.expr.isin(*mix.labels), F.lit(False))
        aggregates.append(F.count(F.when(mix.where & ~known, 1)).alias(f"_m{i}_other"))
    row = df.agg(*aggregates).first()
    result = {}
    for i, (name, mix) in enumerate(mixes.items()):
        labels = mix.labels
        counts = {str(v): row[f"_m{i}_{j}"] for j, v in enumerate(labels)}
        if row[f"_m{i}_other"]:
            counts[OTHER] = row[f"_m{i}_other"]
        result[name] = counts
    return result


def mix_check(
    name: str,
    table: str,
    description: str,
    counts: Mapping[str, int],
    target: Mapping[str, float],
    floor: float = TVD_FLOOR,
) -> Check:
    """Observed shares vs target weights: warn when TVD exceeds the tolerance."""
    n = sum(counts.values())
    total = sum(target.values()) or 1.0
    wanted = {k: w / total for k, w in target.items()}
    seen = shares(counts)
    distance = total_variation(seen, wanted)
    tolerance = tvd_tolerance(wanted, n, floor)
    labels = list(wanted) + sorted(set(seen) - set(wanted))
    return stat(
        name,
        table,
        description,
        within=n > 0 and distance <= tolerance,
        target={k: round(wanted.get(k, 0.0), 6) for k in labels},
        observed={k: round(seen.get(k, 0.0), 6) for k in labels},
        statistic=f"TVD {distance:.4f} over n={n:,}",
        tolerance=f"TVD <= {tolerance:.4f}",
        data={
            "labels": labels,
            "target": [wanted.get(k, 0.0) for k in labels],
            "observed": [seen.get(k, 0.0) for k in labels],
            "n": n,
        },
    )
