"""Sampling tables built on the driver from a spec and evaluated as Spark Column expressions.

Small distributions (hours, days of a window, a Beta's quantiles) are turned into constant arrays
once on the driver; each row then picks from them in O(1) with one counter-based uniform, so draws
stay pure functions of ``(seed, stream, keys)`` and need no join.

Invariants:
- ``AliasTable`` (Vose's alias method) draws index ``i`` with probability ``weights[i] / sum``;
  zero-weight indexes are never drawn (up to float rounding of the acceptance test).
- ``quantile_draw`` is monotone in ``u`` and stays within ``[quantiles[0], quantiles[-1]]``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from pyspark.sql import Column
from pyspark.sql import functions as F


@dataclass(frozen=True)
class AliasTable:
    """Vose alias table: bucket ``i`` keeps itself with ``accept[i]``, else yields ``alias[i]``."""

    accept: tuple[float, ...]
    alias: tuple[int, ...]

    @classmethod
    def of(cls, weights: Sequence[float]) -> AliasTable:
        if not weights or any(w < 0 for w in weights) or sum(weights) <= 0:
            raise ValueError("alias table needs non-negative weights with a positive sum")
        n = len(weights)
        total = float(sum(weights))
        scaled = [w * n / total for w in weights]
        accept, alias = [1.0] * n, list(range(n))
        small = [i for i, p in enumerate(scaled) if p < 1.0]
        large = [i for i, p in enumerate(scaled) if p >= 1.0]
        while small and large:
            s, g = small.pop(), large.pop()
            accept[s], alias[s] = scaled[s], g
            scaled[g] -= 1.0 - scaled[s]
            (small if scaled[g] < 1.0 else large).append(g)
        return cls(tuple(accept), tuple(alias))

    def draw(self, u: Column) -> Column:
        """The drawn index (int) for a uniform ``u`` in [0, 1): bucket from its integer part
        after scaling, acceptance from its fractional part."""
        scaled = u * F.lit(float(len(self.accept)))
        bucket = F.floor(scaled).cast("int")
        keep = (scaled - bucket) < element(self.accept, bucket)
        return F.when(keep, bucket).otherwise(element(self.alias, bucket))


def quantile_draw(u: Column, quantiles: Sequence[float]) -> Column:
    """Inverse-CDF draw by linear interpolation between equally spaced quantiles
    (``quantiles[j]`` is the ``j / (len - 1)`` quantile)."""
    steps = len(quantiles) - 1
    scaled = u * F.lit(float(steps))
    j = F.least(F.floor(scaled).cast("int"), F.lit(steps - 1))
    low, high = element(quantiles, j), element(quantiles, j + F.lit(1))
    return low + (scaled - j) * (high - low)


def element(values: Sequence[float | int | str | bool], index: Column) -> Column:
    """``values[index]`` (0-based) from a constant array."""
    return F.element_at(constant_array(values), index + F.lit(1))


def constant_array(values: Sequence[float | int | str | bool]) -> Column:
    """A literal array of ``values``. Numeric arrays go to Spark as one SQL array literal (one
    call, however long; one literal per element costs a driver round trip each): integers as
    int (bigint beyond 32 bits), mixed numbers as double, written exactly (``repr``)."""
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        return F.array(*(F.lit(v) for v in values))
    if all(isinstance(v, int) for v in values):
        suffix = "" if all(-(2**31) < v < 2**31 for v in values) else "L"
        items = [f"{v}{suffix}" for v in values]
    else:
        if not all(math.isfinite(v) for v in values):
            raise ValueError("constant arrays hold finite numbers only")
        items = [f"{float(v)!r}D" for v in values]
    return F.expr(f"array({', '.join(items)})")


def round_half_up(x: Column) -> Column:
    """``round(x)`` (double) for a non-negative double ``x``, without the decimal conversion
    Spark's ``round`` makes per row (``BigDecimal.valueOf``: a tenth of content_engagements'
    CPU). Equal to ``F.round(x)`` except where ``x + 0.5`` rounds up in floating point
    (x = 0.5 - 2^-54 and the like)."""
    return F.floor(x + F.lit(0.5)).cast("double")


def running_sums(weights: Sequence[Column]) -> list[Column]:
    """Cumulative sums ``w0, w0 + w1, ..``: compute them once per row (e.g. per person before a
    fan-out) and draw many times with ``pick``."""
    sums = [weights[0]]
    for weight in weights[1:]:
        sums.append(sums[-1] + weight)
    return sums


def pick(u: Column, labels: Sequence[object], sums: Sequence[Column]) -> Column:
    """The label of the first running sum exceeding ``u × total`` (inverse CDF over per-row
    weights; ``sums`` from ``running_sums`` with a positive total). Zero-weight labels are never
    drawn; a plain CASE chain, so it compiles to Java code, unlike higher-order functions."""
    threshold = u * sums[-1]
    expr = F.lit(labels[-1])
    for label, edge in zip(reversed(labels[:-1]), reversed(sums[:-1]), strict=True):
        expr = F.when(threshold < edge, F.lit(label)).otherwise(expr)
    return expr
