"""The statistics behind the statistical checks, on small driver-side arrays (no Spark).

Tolerances of share comparisons grow with sampling noise, so small runs are not flagged for
noise alone: ``max(floor, 3 × expected TVD of a sample of n from the target)``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import stats as sps

MIN_EXPECTED = 5.0


def shares(counts: Mapping[str, int]) -> dict[str, float]:
    total = sum(counts.values())
    return {k: (v / total if total else 0.0) for k, v in counts.items()}


def total_variation(observed: Mapping[str, float], target: Mapping[str, float]) -> float:
    """Half the L1 distance between two share maps (labels missing from one count as 0)."""
    labels = set(observed) | set(target)
    return 0.5 * sum(abs(observed.get(k, 0.0) - target.get(k, 0.0)) for k in labels)


def sampling_tvd(target: Mapping[str, float], n: int) -> float:
    """Expected TVD between ``target`` and the shares of a multinomial sample of size n."""
    if n <= 0:
        return 1.0
    total = sum(target.values())
    return 0.5 * sum(
        math.sqrt(2 / math.pi) * math.sqrt((p / total) * (1 - p / total) / n)
        for p in target.values()
    )


def tvd_tolerance(target: Mapping[str, float], n: int, floor: float) -> float:
    """Allowed TVD: the floor, or three times the sampling noise of n draws if larger."""
    return max(floor, 3 * sampling_tvd(target, n))


def pooled_chi_square(
    observed: Sequence[float], probabilities: Sequence[float]
) -> tuple[float, int, float]:
    """(chi-square, degrees of freedom, p-value) after pooling adjacent bins until each
    expects at least MIN_EXPECTED counts."""
    obs = np.asarray(observed, dtype=float)
    prob = np.asarray(probabilities, dtype=float)
    expected = prob / prob.sum() * obs.sum()
    pooled_obs, pooled_exp, acc_o, acc_e = [], [], 0.0, 0.0
    for o, e in zip(obs, expected, strict=True):
        acc_o, acc_e = acc_o + o, acc_e + e
        if acc_e >= MIN_EXPECTED:
            pooled_obs.append(acc_o)
            pooled_exp.append(acc_e)
            acc_o, acc_e = 0.0, 0.0
    if pooled_exp:
        pooled_obs[-1] += acc_o
        pooled_exp[-1] += acc_e
    if len(pooled_exp) < 2:
        return 0.0, 0, 1.0
    o, e = np.asarray(pooled_obs), np.asarray(pooled_exp)
    statistic = float(((o - e) ** 2 / e).sum())
    dof = len(e) - 1
    return statistic, dof, float(sps.chi2.sf(statistic, dof))


def correlation(observed: Sequence[float], expected: Sequence[float]) -> float:
    """Pearson correlation; 0 when either side is constant (no shape to match)."""
    o, e = np.asarray(observed, dtype=float), np.asarray(expected, dtype=float)
    if len(o) < 2 or o.std() == 0 or e.std() == 0:
        return 0.0
    return float(np.corrcoef(o, e)[0, 1])


def rate_difference_ci(
    hits_a: int, n_a: int, hits_b: int, n_b: int, z: float = 1.959964
) -> tuple[float, float, float]:
    """(difference a - b of two proportions, lower, upper) with a Wald 95% interval."""
    if n_a == 0 or n_b == 0:
        return 0.0, -math.inf, math.inf
    pa, pb = hits_a / n_a, hits_b / n_b
    half = z * math.sqrt(pa * (1 - pa) / n_a + pb * (1 - pb) / n_b)
    return pa - pb, pa - pb - half, pa - pb + half


def allowed_misses(n: int, rate: float = 0.05, confidence: float = 0.999) -> int:
    """Most 95%-interval misses among n independent intervals still plausible by chance."""
    return int(sps.binom.ppf(confidence, n, rate)) if n else 0
