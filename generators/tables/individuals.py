"""individuals: exactly ``household_size`` people per household, fanned out from households rows.

``individual_id = ids.individual_id(household_id, member)`` for member 0 .. household_size - 1
(``explode(sequence(...))``, no join). Household attributes (size, income, bracket, state, zip
code, urbanicity) are carried along. Draws are pure functions of ``(seed, household_id, member)``
(streams ``individuals.*``); ages are as of ``engagement.start_date``. Let A be the householder's
age. Rules, each holding on every row:

- role: member 0 is the ``householder``; member 1 is the ``partner`` with probability P_PARTNER
  (a household-level draw); every other member is an ``other_adult`` with probability
  OTHER_ADULT_SHARE (by A: roommates are common for young householders) and else a ``child``
  of the householder.
- age: A from ``demographics.householder_age`` (``householder_pmf``: uniform within a band, the
  open top band 75-99 with a linearly decreasing density; one alias-table draw). Partner:
  A + round(N(0, 4²)) clipped to ±10, then to 18..99. Child: 16 to 50 years younger than A
  (MIN_PARENT_GAP, MAX_PARENT_GAP); an adult child (max(18, A − 50) .. A − 20) with probability
  clamp((A − 38) / 30, 0, 0.8) (1 when A > 67), else a minor (max(0, A − 50) .. min(17, A − 16)).
  Other adult: for A <= 64 a parent of the householder (A + 18 .. min(A + 35, 99)) with
  probability P_PARENT, else a relative or roommate (max(18, A − 15) .. min(99, A + 15)). So
  householders and partners are adults and children are always younger than the householder.
  ``age_of`` recomputes any person's age from ``individual_id`` alone.
- gender: ``demographics.gender``; a partner has the opposite gender of the householder with
  probability P_OPPOSITE_GENDER_PARTNER (when both genders have weight).
- education_level: drawn from ``demographics.education`` (the 25+ mix), then capped at the
  highest level the age allows: under 18 less_than_high_school; high_school and some_college
  18+; associate 19+, bachelor 21+, master 23+, doctorate 26+ (``spec_rules.EDUCATION_MIN_AGE``).
- employment_status: under 16 ``student``. From 16, p(status | age) ∝ w*_status · f_status(age)
  with the age profiles of AGE_PROFILES (retired is 0 under 50 and concentrated at 60+, student
  at 16-24); the base weights w* are raked so that, over the expected 16+ age mix of this spec
  (``age_pmf``), the status mix equals ``demographics.employment``.
- individual_income_usd: 0 under 16. Everyone 16+ gets an earning weight: employed people
  EARNINGS_BY_EDUCATION × EARNINGS_BY_AGE × a mean-1 lognormal (σ 0.5, clipped to 0.05-10),
  other statuses NON_EMPLOYED_EARNINGS × the same noise; the weight is 1 + round(1000 × that).
  The household income is split in proportion: income_i = floor(household_income × weight_i /
  Σ weights) (exact integer arithmetic; Σ over the household is the table's one window, an
  integer sum, so order-independent), so members' incomes sum to at most household_income_usd.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np
from pyspark.sql import Column, DataFrame, Window
from pyspark.sql import functions as F

from generators.spec import (
    AGE_BANDS,
    EDUCATION_LEVELS,
    EMPLOYMENT_STATUSES,
    GENDERS,
    GenerationSpec,
)
from generators.spec.rules import EDUCATION_MIN_AGE
from generators.synth import ids, rng
from generators.synth.sampling import AliasTable, element
from generators.tables import households

if TYPE_CHECKING:
    from generators.tables.node import BuildContext

DESCRIPTION = (
    "People, household_size per household: role, age, gender, education, employment and "
    "income, with their household's attributes carried along."
)
COLUMNS = {
    "individual_id": "Person key: household_id * 16 + member (member 0 is the householder).",
    "household_id": "Household the person lives in (households.household_id).",
    "role": "householder, partner, child (of the householder) or other_adult.",
    "age": "Age in years at engagement.start_date.",
    "gender": "female or male (spec demographics.gender).",
    "education_level": "Highest education completed, consistent with age.",
    "employment_status": "employed, unemployed, retired, student or homemaker_or_other; "
    "student under 16.",
    "individual_income_usd": "Annual personal income in whole US dollars; 0 under 16; members' "
    "incomes sum to at most household_income_usd.",
    "household_size": "Size of the person's household (carried from households).",
    "household_income_usd": "Annual income of the person's household (carried from households).",
    "income_bracket": "Income bracket of the person's household (carried from households).",
    "state": "USPS state code of the household (carried from households).",
    "zip_code": "ZIP code of the household (carried from households).",
    "urbanicity": "urban, suburban or rural (carried from households).",
}

ROLES = ("householder", "partner", "child", "other_adult")
MAX_AGE = 99
ADULT_AGE = 18
P_PARTNER = 0.72
PARTNER_AGE_SD = 4.0
PARTNER_MAX_GAP = 10
P_OPPOSITE_GENDER_PARTNER = 0.96
# Share of further members who are other adults, by householder age below the bound.
OTHER_ADULT_SHARE = ((25, 0.6), (30, 0.3), (65, 0.12), (MAX_AGE + 1, 0.3))
MIN_PARENT_GAP = 16
MAX_PARENT_GAP = 50
MINOR_MAX_AGE = 17
ADULT_CHILD_MIN_GAP = 20
ADULT_CHILD_FROM_AGE = 38
ADULT_CHILD_RAMP_YEARS = 30
ADULT_CHILD_MAX_SHARE = 0.8
P_PARENT = 0.35
PARENT_MAX_HOUSEHOLDER_AGE = 64
PARENT_GAP = (18, 35)
RELATIVE_AGE_SPREAD = 15
EMPLOYMENT_MIN_AGE = 16
# Youngest age for each education level (index into EDUCATION_LEVELS order).
EDUCATION_FROM_AGE = {
    "less_than_high_school": 0,
    "high_school": ADULT_AGE,
    "some_college": ADULT_AGE,
    **EDUCATION_MIN_AGE,
}
# f_status(age) multipliers by age from the given year: employed, unemployed, retired, student,
# homemaker_or_other (EMPLOYMENT_STATUSES order). Assumed shapes after BLS participation by age.
AGE_PROFILES = (
    (16, (0.30, 0.10, 0.0, 8.0, 0.3)),
    (18, (0.80, 0.12, 0.0, 3.0, 0.5)),
    (22, (1.00, 0.10, 0.0, 1.0, 0.6)),
    (25, (1.00, 0.06, 0.0, 0.15, 0.8)),
    (30, (1.00, 0.05, 0.0, 0.05, 0.9)),
    (50, (0.90, 0.05, 0.10, 0.02, 1.0)),
    (55, (0.80, 0.05, 0.35, 0.01, 1.1)),
    (60, (0.60, 0.04, 1.20, 0.0, 1.1)),
    (65, (0.25, 0.02, 3.50, 0.0, 1.0)),
    (70, (0.10, 0.01, 5.00, 0.0, 1.0)),
    (75, (0.04, 0.005, 6.00, 0.0, 1.0)),
)
EARNINGS_BY_EDUCATION = {
    "less_than_high_school": 0.55,
    "high_school": 0.75,
    "some_college": 0.85,
    "associate": 0.95,
    "bachelor": 1.35,
    "master": 1.65,
    "doctorate": 2.0,
}
EARNINGS_BY_AGE = ((16, 0.45), (25, 0.85), (35, 1.0), (55, 0.95), (65, 0.7))
NON_EMPLOYED_EARNINGS = {
    "unemployed": 0.08,
    "retired": 0.45,
    "student": 0.05,
    "homemaker_or_other": 0.06,
}
EARNINGS_SIGMA = 0.5
EARNINGS_NOISE_BOUNDS = (0.05, 10.0)
EARNING_WEIGHT_SCALE = 1000
RAKING_ITERATIONS = 500


# ---------------------------------------------------------------- ages and roles (pure functions)


def householder_age(spec: GenerationSpec, household_id: Column) -> Column:
    """Age of the householder of ``household_id`` (int), drawn from ``householder_pmf``."""
    pmf = householder_pmf(spec)
    u = rng.uniform(spec.seed, "individuals.householder_age", household_id.cast("long"))
    return (AliasTable.of(pmf[ADULT_AGE:].tolist()).draw(u) + F.lit(ADULT_AGE)).cast("int")


def role(spec: GenerationSpec, household_id: Column, member: Column, hh_age: Column) -> Column:
    """householder, partner, child or other_adult."""
    seed, hid, m = spec.seed, household_id.cast("long"), member.cast("int")
    partner = rng.bernoulli(seed, "individuals.partner", hid, p=P_PARTNER)
    share = F.lit(OTHER_ADULT_SHARE[-1][1])
    for bound, value in reversed(OTHER_ADULT_SHARE[:-1]):
        share = F.when(hh_age < F.lit(bound), F.lit(value)).otherwise(share)
    other = rng.bernoulli(seed, "individuals.other_adult", hid, m, p=share)
    return (
        F.when(m == 0, F.lit("householder"))
        .when((m == 1) & partner, F.lit("partner"))
        .when(other, F.lit("other_adult"))
        .otherwise(F.lit("child"))
    )


def member_age(
    spec: GenerationSpec, household_id: Column, member: Column, role_: Column, hh_age: Column
) -> Column:
    """Age of a member given its role and the householder's age (module docstring rules)."""
    seed, keys = spec.seed, (household_id.cast("long"), member.cast("int"))
    a = hh_age

    def between(stream: str, low: Column, high: Column) -> Column:
        return rng.between(seed, f"individuals.{stream}", *keys, low=low, high=high).cast("int")

    gap = F.round(rng.normal(seed, "individuals.partner_gap", *keys) * PARTNER_AGE_SD)
    gap = F.least(F.greatest(gap, F.lit(-PARTNER_MAX_GAP)), F.lit(PARTNER_MAX_GAP)).cast("int")
    partner = F.least(F.greatest(a + gap, F.lit(ADULT_AGE)), F.lit(MAX_AGE))
    ramp = (a - ADULT_CHILD_FROM_AGE) / F.lit(float(ADULT_CHILD_RAMP_YEARS))
    adult_child_share = F.when(a > MINOR_MAX_AGE + MAX_PARENT_GAP, F.lit(1.0)).otherwise(
        F.least(F.greatest(ramp, F.lit(0.0)), F.lit(ADULT_CHILD_MAX_SHARE))
    )
    oldest_child_born_at = F.greatest(a - MAX_PARENT_GAP, F.lit(0))
    child = F.when(
        rng.bernoulli(seed, "individuals.adult_child", *keys, p=adult_child_share),
        between(
            "adult_child_age",
            F.greatest(oldest_child_born_at, F.lit(ADULT_AGE)),
            a - ADULT_CHILD_MIN_GAP,
        ),
    ).otherwise(
        between(
            "child_age",
            oldest_child_born_at,
            F.least(F.lit(MINOR_MAX_AGE), a - MIN_PARENT_GAP),
        )
    )
    is_parent = (a <= PARENT_MAX_HOUSEHOLDER_AGE) & rng.bernoulli(
        seed, "individuals.parent", *keys, p=P_PARENT
    )
    other = F.when(
        is_parent,
        between("parent_age", a + PARENT_GAP[0], F.least(a + PARENT_GAP[1], F.lit(MAX_AGE))),
    ).otherwise(
        between(
            "relative_age",
            F.greatest(a - RELATIVE_AGE_SPREAD, F.lit(ADULT_AGE)),
            F.least(a + RELATIVE_AGE_SPREAD, F.lit(MAX_AGE)),
        )
    )
    return (
        F.when(role_ == "householder", a)
        .when(role_ == "partner", partner)
        .when(role_ == "child", child)
        .otherwise(other)
        .cast("int")
    )


def age_of(spec: GenerationSpec, individual_id: Column) -> Column:
    """Age of any individual from its id alone: equals the ``age`` column of the table.

    The householder's age is bound once as a lambda variable (``transform`` over a one-element
    array) so the expression stays small; prefer the table's ``age`` column where available.
    """
    hid = ids.household_of(individual_id)
    member = F.pmod(individual_id, F.lit(ids.MEMBER_SLOTS)).cast("int")

    def from_householder(hh_age: Column) -> Column:
        return member_age(spec, hid, member, role(spec, hid, member, hh_age), hh_age)

    return F.element_at(F.transform(F.array(householder_age(spec, hid)), from_householder), 1)


# ---------------------------------------------------------------- driver-side expectations


def householder_pmf(spec: GenerationSpec) -> np.ndarray:
    """Householder age probabilities at ages 0 .. 99: band weights, uniform within a band, the
    open top band (75-99) with a linearly decreasing density."""
    pmf = np.zeros(MAX_AGE + 1)
    for band in AGE_BANDS:
        weight = spec.demographics.householder_age.get(band, 0.0)
        low, high = (int(x) for x in band.split("-"))
        n = high - low + 1
        for i in range(n):
            pmf[low + i] += weight * ((2 * (n - i) - 1) / n**2 if high == MAX_AGE else 1 / n)
    return pmf / pmf.sum()


def age_pmf(spec: GenerationSpec) -> np.ndarray:
    """Expected people per household at each age 0 .. 99 (sums to the mean household size)."""
    householder = householder_pmf(spec)
    sizes = households.size_pmf(spec)
    multi = sum(p for k, p in sizes.items() if k >= 2)
    partners = P_PARTNER * multi
    others = sum((k - 1) * p for k, p in sizes.items()) - partners
    gaps = _partner_gap_pmf()
    ages = householder.copy()
    for a in range(ADULT_AGE, MAX_AGE + 1):
        weight = householder[a]
        if weight == 0:
            continue
        for gap, p in gaps.items():
            ages[min(max(a + gap, ADULT_AGE), MAX_AGE)] += weight * partners * p
        share = next(v for bound, v in OTHER_ADULT_SHARE if a < bound)
        ramp = (a - ADULT_CHILD_FROM_AGE) / ADULT_CHILD_RAMP_YEARS
        adult_child = (
            1.0
            if a > MINOR_MAX_AGE + MAX_PARENT_GAP
            else min(max(ramp, 0.0), ADULT_CHILD_MAX_SHARE)
        )
        child = weight * others * (1 - share)
        oldest = max(a - MAX_PARENT_GAP, 0)
        _spread(ages, oldest, min(MINOR_MAX_AGE, a - MIN_PARENT_GAP), child * (1 - adult_child))
        _spread(ages, max(oldest, ADULT_AGE), a - ADULT_CHILD_MIN_GAP, child * adult_child)
        parent = P_PARENT if a <= PARENT_MAX_HOUSEHOLDER_AGE else 0.0
        other = weight * others * share
        _spread(ages, a + PARENT_GAP[0], min(a + PARENT_GAP[1], MAX_AGE), other * parent)
        _spread(
            ages,
            max(a - RELATIVE_AGE_SPREAD, ADULT_AGE),
            min(a + RELATIVE_AGE_SPREAD, MAX_AGE),
            other * (1 - parent),
        )
    return ages


def employment_weights(spec: GenerationSpec) -> dict[str, list[float]]:
    """Per status, the weight w*_status · f_status(age) for ages 0 .. 99 (0 under 16)."""
    profile = np.zeros((MAX_AGE + 1, len(EMPLOYMENT_STATUSES)))
    for age in range(EMPLOYMENT_MIN_AGE, MAX_AGE + 1):
        profile[age] = next(p for start, p in reversed(AGE_PROFILES) if age >= start)
    target = np.array([spec.demographics.employment.get(s, 0.0) for s in EMPLOYMENT_STATUSES])
    target /= target.sum()
    people = age_pmf(spec)
    people[:EMPLOYMENT_MIN_AGE] = 0
    people /= people.sum()
    weights = target.copy()
    for _ in range(RAKING_ITERATIONS):
        odds = profile * weights[None, :]
        totals = odds.sum(axis=1, keepdims=True)
        conditional = np.divide(odds, totals, out=np.zeros_like(odds), where=totals > 0)
        marginal = people @ conditional
        if np.max(np.abs(marginal - target)) < 1e-12:
            break
        weights = np.divide(
            weights * target, marginal, out=np.zeros_like(weights), where=marginal > 0
        )
    table = profile * weights[None, :]
    return {s: table[:, j].tolist() for j, s in enumerate(EMPLOYMENT_STATUSES)}


def expected_rows(spec: GenerationSpec) -> float:
    return spec.households.count * households.mean_size(spec)


# ---------------------------------------------------------------- the table


def individuals(spec: GenerationSpec, households_df: DataFrame) -> DataFrame:
    """The individuals table fanned out from the households table."""
    seed = spec.seed
    hid, member = F.col("household_id"), F.col("member")
    keys = (hid, member)
    people = (
        households_df.select(
            "household_id",
            "household_size",
            "household_income_usd",
            "income_bracket",
            "state",
            "zip_code",
            "urbanicity",
            F.explode(F.sequence(F.lit(0), F.col("household_size") - 1)).alias("member"),
        )
        .withColumn("_hh_age", householder_age(spec, hid))
        .withColumn("role", role(spec, hid, member, F.col("_hh_age")))
        .withColumn("age", member_age(spec, hid, member, F.col("role"), F.col("_hh_age")))
        .withColumn("gender", _gender(spec, hid, member, F.col("role")))
        .withColumn("education_level", _education(spec, keys, F.col("age")))
        .withColumn("employment_status", _employment(spec, keys, F.col("age")))
        .withColumn("_weight", _earning_weight(seed, keys))
    )
    share = F.col("household_income_usd") * F.col("_weight")
    total = F.sum("_weight").over(Window.partitionBy("household_id"))
    income = ((share - F.pmod(share, total)) / total).cast("long")  # exact floor division
    return people.select(
        ids.individual_id(hid, member).alias("individual_id"),
        "household_id",
        "role",
        "age",
        "gender",
        "education_level",
        "employment_status",
        income.alias("individual_income_usd"),
        "household_size",
        "household_income_usd",
        "income_bracket",
        "state",
        "zip_code",
        "urbanicity",
    )


def build(ctx: BuildContext) -> DataFrame:
    """Pipeline entry point."""
    return individuals(ctx.spec, ctx.fan_out_input("households"))


def _gender(spec: GenerationSpec, hid: Column, member: Column, role_: Column) -> Column:
    weights = spec.demographics.gender
    seed, m = spec.seed, member.cast("int")
    own = rng.categorical(seed, "individuals.gender", hid, m, weights=weights)
    if not all(weights.get(g, 0) > 0 for g in GENDERS):
        return own
    householder = rng.categorical(seed, "individuals.gender", hid, F.lit(0), weights=weights)
    opposite = F.when(householder == "female", F.lit("male")).otherwise(F.lit("female"))
    partner = F.when(
        rng.bernoulli(seed, "individuals.partner_gender", hid, p=P_OPPOSITE_GENDER_PARTNER),
        opposite,
    ).otherwise(householder)
    return F.when(role_ == "partner", partner).otherwise(own)


def _education(spec: GenerationSpec, keys: tuple[Column, ...], age: Column) -> Column:
    weights = spec.demographics.education
    drawn = rng.categorical(
        spec.seed,
        "individuals.education",
        *keys,
        weights=[(i, weights.get(level, 0.0)) for i, level in enumerate(EDUCATION_LEVELS)],
    )
    cap = F.lit(0)
    for i, level in enumerate(EDUCATION_LEVELS):
        cap = F.when(age >= EDUCATION_FROM_AGE[level], F.lit(i)).otherwise(cap)
    return element(list(EDUCATION_LEVELS), F.least(drawn, cap))


def _employment(spec: GenerationSpec, keys: tuple[Column, ...], age: Column) -> Column:
    table = employment_weights(spec)
    u = rng.uniform(spec.seed, "individuals.employment", *keys)
    drawn = rng.choose_weighted(
        u, [(status, element(table[status], age)) for status in EMPLOYMENT_STATUSES]
    )
    return F.when(age < EMPLOYMENT_MIN_AGE, F.lit("student")).otherwise(drawn)


def _earning_weight(seed: int, keys: tuple[Column, ...]) -> Column:
    age, status = F.col("age"), F.col("employment_status")
    by_age = F.lit(EARNINGS_BY_AGE[0][1])
    for start, value in EARNINGS_BY_AGE[1:]:
        by_age = F.when(age >= start, F.lit(value)).otherwise(by_age)
    education = F.col("education_level")
    by_education = F.lit(0.0)
    for level, value in EARNINGS_BY_EDUCATION.items():
        by_education = F.when(education == level, F.lit(value)).otherwise(by_education)
    base = by_age * by_education
    for name, value in NON_EMPLOYED_EARNINGS.items():
        base = F.when(status == name, F.lit(value)).otherwise(base)
    low, high = EARNINGS_NOISE_BOUNDS
    noise = rng.lognormal(
        seed, "individuals.earnings", *keys, mu=-(EARNINGS_SIGMA**2) / 2, sigma=EARNINGS_SIGMA
    )
    noise = F.least(F.greatest(noise, F.lit(low)), F.lit(high))
    weight = F.lit(1) + F.round(base * noise * F.lit(float(EARNING_WEIGHT_SCALE))).cast("long")
    return F.when(age < EMPLOYMENT_MIN_AGE, F.lit(0).cast("long")).otherwise(weight)


def _partner_gap_pmf() -> dict[int, float]:
    def cdf(x: float) -> float:
        return 0.5 * (1 + math.erf(x / (PARTNER_AGE_SD * math.sqrt(2))))

    pmf = {d: cdf(d + 0.5) - cdf(d - 0.5) for d in range(-PARTNER_MAX_GAP + 1, PARTNER_MAX_GAP)}
    pmf[-PARTNER_MAX_GAP] = cdf(-PARTNER_MAX_GAP + 0.5)
    pmf[PARTNER_MAX_GAP] = 1 - cdf(PARTNER_MAX_GAP - 0.5)
    return pmf


def _spread(ages: np.ndarray, low: int, high: int, mass: float) -> None:
    """Add ``mass`` uniformly over ages low .. high (nothing when the mass is 0)."""
    if mass > 0:
        ages[low : high + 1] += mass / (high - low + 1)
