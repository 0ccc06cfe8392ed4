"""households: one row per household, ``household_id`` = 0 .. households.count - 1.

Every attribute is a pure function of ``(seed, household_id)`` (streams ``households.*``):

- ``household_size``: categorical over ``size.min .. size.max`` with p_k ∝ base_k·e^(θk). base is
  the census shape (``census.values("household_size")``, sizes 1-6 and 7+); when ``size.max`` > 7
  the 7+ share is spread over 7 .. max with a geometric tail of ratio p6/p5 (census). base is
  truncated to [min, max] and θ is solved on the driver by bisection so the mean equals
  ``size.average`` exactly (``size_pmf``).
- ``state``: categorical over ``households.states``; ``zip_code``: a 3-digit prefix drawn uniformly
  among the state's prefixes (``census.values("zip3_ranges")``) followed by two digits 01-99,
  so the 5-digit code is always inside the state's ranges.
- ``urbanicity``: categorical over ``households.urbanicity`` (independent of state).
- ``income_bracket``: bracket j (0 = under_25k .. 6 = 200k_plus) has odds
  w*_j · exp(j · δ), δ = INCOME_TILT · (ln r_state + ln r_size), where r_state and r_size are the
  median household income of the state and of households of that size (7 or more persons share
  the 7+ median) divided by the US median: ACS 2018 1-year B19013 and B19019
  (``census.median_ratios`` of ``state_median_income`` and ``household_size_median_income``).
  A household in a richer state or with more (earning) members shifts towards higher brackets.
  The base weights w* are raked on the driver (iterative proportional fitting over the state and
  size mixes of the spec) so the expected overall bracket mix equals ``households.income_brackets``.
- ``household_income_usd``: whole dollars uniform inside the bracket (under_25k from 1,000;
  200k_plus a Pareto tail from 200,000 with density exponent 3, capped at 10,000,000).
- ``created_at``: a whole-second TIMESTAMP uniform in the CREATED_LOOKBACK_DAYS before
  ``engagement.start_date`` 00:00 UTC (always strictly before the window).
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from generators.spec import INCOME_BRACKETS, GenerationSpec, census
from generators.synth import rng
from generators.synth.sampling import AliasTable, element
from generators.synth.seasonality import window_start_epoch

if TYPE_CHECKING:
    from generators.tables.node import BuildContext

DESCRIPTION = (
    "Households: size, geography (state, zip code, urbanicity) and income, one row per household."
)
COLUMNS = {
    "household_id": "Household key, 0 .. households.count - 1.",
    "household_size": "Number of people in the household; equals its rows in individuals.",
    "state": "USPS state code (spec households.states).",
    "zip_code": "5-digit ZIP code whose 3-digit prefix belongs to the state.",
    "urbanicity": "urban, suburban or rural (spec households.urbanicity).",
    "income_bracket": "Annual household income bracket; shifted by state and size, overall mix "
    "as in spec households.income_brackets.",
    "household_income_usd": "Annual household income in whole US dollars, inside income_bracket.",
    "created_at": "When the household record was created (UTC), before the engagement window.",
}

# Census blocks of median household income (USD) by state and by household size; only their
# ratios to the published US median are used, to shift bracket odds (the overall mix stays the
# spec's). Key "7" of the size block is 7 or more persons.
STATE_MEDIAN_INCOME_BLOCK = "state_median_income"
SIZE_MEDIAN_INCOME_BLOCK = "household_size_median_income"
SIZE_MEDIAN_INCOME_TOP = 7
# Bracket-index shift per unit of log income ratio: d E[log income] / dδ ≈ 1.83 over the census
# bracket mix, so δ = 0.55 · ln(ratio) moves mean log income by about ln(ratio).
INCOME_TILT = 0.55
# Inclusive whole-dollar bounds per bracket; the open top bracket uses a Pareto tail.
BRACKET_BOUNDS = {
    "under_25k": (1_000, 24_999),
    "25k_50k": (25_000, 49_999),
    "50k_75k": (50_000, 74_999),
    "75k_100k": (75_000, 99_999),
    "100k_150k": (100_000, 149_999),
    "150k_200k": (150_000, 199_999),
}
TOP_BRACKET_MIN = 200_000
TOP_BRACKET_CAP = 10_000_000
TOP_BRACKET_DENSITY_EXPONENT = 3.0
CREATED_LOOKBACK_DAYS = 5 * 365
RAKING_ITERATIONS = 500


def tilt_to_mean(base: dict[int, float], mean: float) -> dict[int, float]:
    """The exponential tilt p_k ∝ base_k·e^(θk) of a pmf on integers whose mean is ``mean``.

    θ by bisection (the tilted mean grows with θ); ``mean`` must lie within the support.
    """
    support = sorted(k for k, w in base.items() if w > 0)
    if not support[0] <= mean <= support[-1]:
        raise ValueError(f"mean {mean} is outside the support {support[0]}..{support[-1]}")
    if support[0] == support[-1]:
        return {support[0]: 1.0}
    logs = {k: math.log(base[k]) for k in support}

    def tilted(theta: float) -> dict[int, float]:
        top = max(logs[k] + theta * k for k in support)
        raw = {k: math.exp(logs[k] + theta * k - top) for k in support}
        total = sum(raw.values())
        return {k: v / total for k, v in raw.items()}

    low, high = -50.0, 50.0
    for _ in range(200):
        mid = (low + high) / 2
        if sum(k * p for k, p in tilted(mid).items()) < mean:
            low = mid
        else:
            high = mid
    return tilted((low + high) / 2)


def size_pmf(spec: GenerationSpec) -> dict[int, float]:
    """Household size probabilities on size.min .. size.max (see the module docstring)."""
    size = spec.households.size
    shares = {int(k): float(v) for k, v in census.values("household_size").items()}
    ratio = shares[6] / shares[5]
    top = max(size.max, 7)
    tail = [ratio ** (k - 7) for k in range(7, top + 1)]
    base = {k: shares[k] for k in range(1, 7)}
    base |= {k: shares[7] * t / sum(tail) for k, t in zip(range(7, top + 1), tail, strict=True)}
    truncated = {k: w for k, w in base.items() if size.min <= k <= size.max}
    return tilt_to_mean(truncated, size.average)


def mean_size(spec: GenerationSpec) -> float:
    """Expected members per household."""
    return sum(k * p for k, p in size_pmf(spec).items())


def income_bracket_model(spec: GenerationSpec) -> tuple[dict[str, float], dict[str, float]]:
    """Raked base weights w*_j (brackets with positive spec weight) and the shift δ per state.

    The shift of a household is ``state_shift[state] + size_shift(size)``; w* makes the expected
    bracket mix over the spec's state and size mixes equal ``households.income_brackets``.
    """
    target_map = {b: w for b, w in spec.households.income_brackets.items() if w > 0}
    brackets = [b for b in INCOME_BRACKETS if b in target_map]
    index = np.array([INCOME_BRACKETS.index(b) for b in brackets], dtype=float)
    target = np.array([target_map[b] for b in brackets]) / sum(target_map.values())
    states = {s: w for s, w in spec.households.states.items() if w > 0}
    ratios = census.median_ratios(STATE_MEDIAN_INCOME_BLOCK)
    state_shift = {s: INCOME_TILT * math.log(ratios[s]) for s in states}
    sizes = size_pmf(spec)
    share = np.array([ws * pk for ws in states.values() for pk in sizes.values()])
    shift = np.array([state_shift[s] + size_shift(k) for s in states for k in sizes])
    tilt = np.exp(shift[:, None] * index[None, :])
    share /= share.sum()
    weights = target.copy()
    for _ in range(RAKING_ITERATIONS):
        odds = weights[None, :] * tilt
        marginal = share @ (odds / odds.sum(axis=1, keepdims=True))
        if np.max(np.abs(marginal - target)) < 1e-12:
            break
        weights *= target / marginal
    weights /= weights.sum()
    return dict(zip(brackets, weights.tolist(), strict=True)), state_shift


def size_shift(size: int) -> float:
    """Bracket-index shift of a household of ``size`` people."""
    ratios = census.median_ratios(SIZE_MEDIAN_INCOME_BLOCK)
    return INCOME_TILT * math.log(ratios[str(min(size, SIZE_MEDIAN_INCOME_TOP))])


def households(spark: SparkSession, spec: GenerationSpec) -> DataFrame:
    """The households table of a spec."""
    seed = spec.seed
    hid = F.col("household_id")
    states = [s for s, w in spec.households.states.items() if w > 0]
    state_index = AliasTable.of([spec.households.states[s] for s in states]).draw(
        rng.uniform(seed, "households.state", hid)
    )
    frame = (
        spark.range(spec.households.count)
        .withColumnRenamed("id", "household_id")
        .withColumn(
            "household_size",
            rng.categorical(seed, "households.size", hid, weights=size_pmf(spec)).cast("int"),
        )
        .withColumn("_state", state_index)
        .withColumn(
            "income_bracket",
            _income_bracket(spec, states, F.col("_state"), F.col("household_size")),
        )
    )
    return frame.select(
        "household_id",
        "household_size",
        element(states, F.col("_state")).alias("state"),
        _zip_code(seed, states, F.col("_state"), hid).alias("zip_code"),
        rng.categorical(
            seed, "households.urbanicity", hid, weights=spec.households.urbanicity
        ).alias("urbanicity"),
        "income_bracket",
        _income_usd(seed, F.col("income_bracket"), hid).alias("household_income_usd"),
        _created_at(spec, hid).alias("created_at"),
    )


def build(ctx: BuildContext) -> DataFrame:
    """Pipeline entry point."""
    return households(ctx.spark, ctx.spec)


def expected_rows(spec: GenerationSpec) -> float:
    return float(spec.households.count)


def _zip_code(seed: int, states: list[str], state_index: Column, hid: Column) -> Column:
    ranges = census.values("zip3_ranges")
    prefixes: list[int] = []
    offsets, counts = [], []
    for state in states:
        own = [p for low, high in ranges[state] for p in range(low, high + 1)]
        offsets.append(len(prefixes))
        counts.append(len(own))
        prefixes.extend(own)
    pick = F.floor(
        rng.uniform(seed, "households.zip3", hid) * element(counts, state_index).cast("double")
    ).cast("int")
    prefix = element(prefixes, element(offsets, state_index) + pick)
    last_two = rng.between(seed, "households.zip2", hid, low=1, high=99)
    return F.lpad((prefix.cast("long") * F.lit(100) + last_two).cast("string"), 5, "0")


def _income_bracket(
    spec: GenerationSpec, states: list[str], state_index: Column, size: Column
) -> Column:
    base, state_shift = income_bracket_model(spec)
    sizes = sorted(size_pmf(spec))
    shift = element([state_shift[s] for s in states], state_index) + element(
        [size_shift(k) for k in sizes], size - F.lit(sizes[0])
    )
    weights = [
        (b, F.lit(w) * F.exp(F.lit(float(INCOME_BRACKETS.index(b))) * shift))
        for b, w in base.items()
    ]
    u = rng.uniform(spec.seed, "households.income_bracket", F.col("household_id"))
    return rng.choose_weighted(u, weights)


def _income_usd(seed: int, bracket: Column, hid: Column) -> Column:
    u = rng.uniform(seed, "households.income", hid)
    top = rng.power_law(
        seed,
        "households.income_top",
        hid,
        alpha=TOP_BRACKET_DENSITY_EXPONENT,
        xmin=float(TOP_BRACKET_MIN),
        xmax=float(TOP_BRACKET_CAP),
    )
    expr = F.floor(top).cast("long")
    for name, (low, high) in BRACKET_BOUNDS.items():
        inside = F.lit(low) + F.floor(u * F.lit(float(high - low + 1))).cast("long")
        expr = F.when(bracket == F.lit(name), inside).otherwise(expr)
    return expr


def _created_at(spec: GenerationSpec, hid: Column) -> Column:
    lookback = CREATED_LOOKBACK_DAYS * 86_400
    back = rng.between(spec.seed, "households.created_at", hid, low=1, high=lookback)
    return F.timestamp_seconds(F.lit(window_start_epoch(spec)) - back)
