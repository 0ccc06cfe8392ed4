"""Aggregates whose result does not depend on the order in which Spark meets the rows.

A double sum rounds after every addition, so its result depends on partitioning; Spark's
decimal sums are exact but slow (``BigDecimal`` per row beyond 18 digits). These sum fixed-point
longs instead: exact, and as fast as a count.
"""

from __future__ import annotations

from pyspark.sql import Column
from pyspark.sql import functions as F

# A probability is summed as two 30-bit limbs of its value in units of 2^-60: each limb's sum
# stays exact in a long for up to 2^33 rows.
LIMB = float(2**30)
CENTS = 100.0


def count_where(condition: Column) -> Column:
    """Aggregate: rows where ``condition`` is true (long)."""
    return F.sum(F.when(condition, 1).otherwise(0)).cast("long")


def exact_mean(probability: Column, condition: Column | None = None) -> Column:
    """Aggregate: mean of ``probability`` (in [0, 1]) over the rows where ``condition`` (every
    row when None); null when there are none. Each value counts to 2^-60; the mean is one
    double rounding of the exact sum divided by the rows."""
    where = F.lit(True) if condition is None else condition
    scaled = F.when(where, probability * F.lit(LIMB))
    high = F.floor(scaled)
    low = F.floor((scaled - high) * F.lit(LIMB) + F.lit(0.5))
    total = F.sum(high).cast("double") + F.sum(low).cast("double") / F.lit(LIMB)
    return F.try_divide(total / F.lit(LIMB), count_where(where & probability.isNotNull()))


def exact_money(usd: Column, condition: Column) -> Column:
    """Aggregate: sum of ``usd`` (whole cents) over the rows where ``condition``; 0 for none."""
    cents = F.floor(F.when(condition, usd) * F.lit(CENTS) + F.lit(0.5))
    return F.coalesce(F.sum(cents), F.lit(0)).cast("double") / F.lit(CENTS)
