"""Latent viewing traits of individuals: activity level, category tastes, usable devices.

Pure Column expressions of ``(seed, individual_id, household_id)`` and individual attributes;
``content_engagements`` generates events from them and nothing else reads them back, so they are
the planted truth that viewership patterns and audience attributes recover.

Activity (events in the window, ``engagement.events_per_individual``):
- inactive: a draw < ``inactive_share``, or no device (``identity_mappings.has_device`` false for every
  device type) → 0 events;
- otherwise ``n = clamp(round(X · m / m̄), 1, min(max, OWN_EVENT_SLOTS))`` with X lognormal
  (``mu = ln(mean) − sigma²/2``, so E[X] = mean) or Pareto (density ∝ x^−alpha from
  ``xmin = mean·(alpha−2)/(alpha−1)``, so E[X] = mean); ``m = ACTIVITY_BY_AGE[band] ·
  ACTIVITY_BY_EMPLOYMENT[status]`` shapes activity by demographics and ``m̄`` is its exact mean
  over the individuals with a device (integer group counts) of the reference population
  (``generators.tables.reference``: independent of ``households.count``), so the mean stays ``mean``
  up to the reference's sampling error (about 1%);
- ``mean`` is the events of the first window (``generators.spec.window``); an extension of d days
  after a first window of d₀ days gives the same person ``clamp(round(X · m / m̄ · d / d₀), 0,
  cap)`` more (the same X: a person's activity level persists).

Tastes: the preference logit of category c is
    ``AGE_TILT[band][c] + GENDER_TILT[gender][c] + SEGMENT_SD · Z(band, gender, c)
      + PERSON_SD · (√ρ · Z(household, c) + √(1−ρ) · Z(individual, c))``
with ρ = ``household_taste_correlation`` and Z independent standard normals: people alike in age
band and gender share the segment term, household members correlate with ρ on the personal part.
A person picks category c with probability ∝ ``n_c · exp(logit_c)`` (``n_c`` items in the catalog).

Devices: each event's device is drawn ∝ ``engagement.devices`` weights over the device types the
person has.
"""

from __future__ import annotations

import math

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from generators.spec import DEVICE_TYPES, EMPLOYMENT_STATUSES, GenerationSpec
from generators.synth import rng
from generators.synth.sampling import element
from generators.tables import identity_mappings
from generators.tables.content_catalog import CatalogLayout

# Event ids keep 2**16 own events per person; the rest of ids.EVENT_SLOTS holds co-view copies.
OWN_EVENT_SLOTS = 2**16
# Age bands of taste and activity: children first, then spec.AGE_BANDS.
BANDS = ("0-12", "13-17", "18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-99")
BAND_LOWER_AGES = (0, 13, 18, 25, 35, 45, 55, 65, 75)
# Relative activity (assumed): younger and not-employed people watch more.
ACTIVITY_BY_AGE = (0.8, 1.2, 1.3, 1.2, 1.0, 0.9, 0.85, 0.85, 0.75)
ACTIVITY_BY_EMPLOYMENT = {
    "employed": 0.9,
    "unemployed": 1.15,
    "retired": 1.1,
    "student": 1.1,
    "homemaker_or_other": 1.05,
}
NO_EMPLOYMENT_ACTIVITY = 1.0  # children (employment_status null)
# Additive preference logits by age band and gender (assumed, plausible directions).
AGE_TILT = {
    "0-12": {"kids": 2.0, "gaming": 0.5, "news": -1.5, "documentary": -0.5, "drama": -1.0},
    "13-17": {"gaming": 1.0, "music": 0.7, "kids": -0.5, "news": -1.0},
    "18-24": {"gaming": 0.7, "music": 0.5, "comedy": 0.3, "news": -0.5},
    "25-34": {"comedy": 0.3, "reality": 0.2},
    "35-44": {"kids": 0.3, "lifestyle": 0.2},
    "45-54": {"news": 0.3, "documentary": 0.2},
    "55-64": {"news": 0.6, "documentary": 0.3, "gaming": -0.7},
    "65-74": {"news": 0.8, "documentary": 0.4, "gaming": -1.0, "music": -0.3},
    "75-99": {"news": 1.0, "documentary": 0.4, "gaming": -1.2, "kids": -0.5},
}
GENDER_TILT = {
    "male": {"sports": 0.5, "gaming": 0.3},
    "female": {"reality": 0.3, "lifestyle": 0.4, "drama": 0.2},
}
SEGMENT_SD = 0.5
PERSON_SD = 0.8


def age_band_index(age: Column) -> Column:
    """Index into BANDS of an age in years."""
    expr = F.lit(0)
    for index, lower in enumerate(BAND_LOWER_AGES[1:], start=1):
        expr = F.when(age >= F.lit(lower), F.lit(index)).otherwise(expr)
    return expr


def raw_activity(band_index: Column, employment: Column) -> Column:
    """Unnormalised demographic activity multiplier m."""
    by_employment = F.lit(NO_EMPLOYMENT_ACTIVITY)
    for status in EMPLOYMENT_STATUSES:
        by_employment = F.when(
            employment == F.lit(status), F.lit(ACTIVITY_BY_EMPLOYMENT[status])
        ).otherwise(by_employment)
    return element(ACTIVITY_BY_AGE, band_index) * by_employment


def usable_devices(spec: GenerationSpec) -> list[str]:
    """Device types with a positive weight in ``engagement.devices``."""
    return [d for d in DEVICE_TYPES if spec.engagement.devices.get(d, 0.0) > 0]


def device_flags(
    spec: GenerationSpec, individual_id: Column, household_id: Column, age: Column
) -> dict[str, Column]:
    """Per usable device type: the person can produce events on it (``identity_mappings.has_device``)."""
    return {
        d: identity_mappings.has_device(spec, individual_id, household_id, d, age)
        for d in usable_devices(spec)
    }


def any_of(flags: list[Column]) -> Column:
    """True when any flag is true."""
    expr = flags[0]
    for flag in flags[1:]:
        expr = expr | flag
    return expr


def mean_activity(spec: GenerationSpec, individuals: DataFrame) -> float:
    """m̄: mean raw activity over individuals with a device, from exact group counts."""
    rows = (
        individuals.where(
            any_of(
                list(
                    device_flags(
                        spec, F.col("individual_id"), F.col("household_id"), F.col("age")
                    ).values()
                )
            )
        )
        .groupBy(
            age_band_index(F.col("age")).alias("band"),
            F.col("employment_status").alias("status"),
        )
        .count()
        .collect()
    )
    people = sum(r["count"] for r in rows)
    if not people:
        return 1.0
    total = sum(
        r["count"]
        * ACTIVITY_BY_AGE[r["band"]]
        * ACTIVITY_BY_EMPLOYMENT.get(r["status"], NO_EMPLOYMENT_ACTIVITY)
        for r in rows
    )
    return total / people


def event_count(
    spec: GenerationSpec, individual_id: Column, activity: Column, extension: float | None = None
) -> Column:
    """Own events (int) of an active person with normalised activity multiplier ``activity``:
    in the first window (at least one), or in an extension ``extension`` times as long as the
    first window (possibly none)."""
    target = spec.engagement.events_per_individual
    seed = spec.seed
    if target.distribution == "lognormal":
        mu = math.log(target.mean) - target.sigma**2 / 2
        level = rng.lognormal(seed, "viewers.activity", individual_id, mu=mu, sigma=target.sigma)
    else:
        xmin = target.mean * (target.alpha - 2) / (target.alpha - 1)
        level = rng.power_law(
            seed,
            "viewers.activity",
            individual_id,
            alpha=target.alpha,
            xmin=xmin,
            xmax=xmin * 1e12,
        )
    cap = min(target.max, OWN_EVENT_SLOTS)
    if extension is None:
        expected, least = level * activity, 1.0
    else:
        expected, least = level * activity * F.lit(extension), 0.0
    return F.least(F.greatest(F.round(expected), F.lit(least)), F.lit(float(cap))).cast("int")


def is_inactive(spec: GenerationSpec, individual_id: Column) -> Column:
    """The person chose not to engage in the window (before device availability)."""
    share = spec.engagement.events_per_individual.inactive_share
    return rng.bernoulli(spec.seed, "viewers.inactive", individual_id, p=share)


def category_weights(
    spec: GenerationSpec,
    layout: CatalogLayout,
    individual_id: Column,
    household_id: Column,
    band_index: Column,
    gender: Column,
) -> list[Column]:
    """Unnormalised choice weights ``n_c · exp(logit_c)``, one per ``layout.categories``."""
    seed = spec.seed
    rho = spec.engagement.household_taste_correlation
    band = element(BANDS, band_index)
    weights = []
    for category, items in zip(layout.categories, layout.counts, strict=True):
        age_tilt = element([AGE_TILT[b].get(category, 0.0) for b in BANDS], band_index)
        gender_tilt = F.lit(0.0)
        for name, tilt in GENDER_TILT.items():
            gender_tilt = F.when(gender == F.lit(name), F.lit(tilt.get(category, 0.0))).otherwise(
                gender_tilt
            )
        segment = rng.normal(seed, "viewers.taste_segment", band, gender, category)
        shared = rng.normal(seed, "viewers.taste_household", household_id, category)
        own = rng.normal(seed, "viewers.taste_individual", individual_id, category)
        logit = (
            age_tilt
            + gender_tilt
            + F.lit(SEGMENT_SD) * segment
            + F.lit(PERSON_SD) * (F.lit(math.sqrt(rho)) * shared + F.lit(math.sqrt(1 - rho)) * own)
        )
        weights.append(F.lit(float(items)) * F.exp(logit))
    return weights


def device_weights(spec: GenerationSpec, flags: dict[str, Column]) -> list[Column]:
    """Choice weights over ``usable_devices``: the spec's device mix where the flag is set."""
    return [
        F.when(flags[d], F.lit(spec.engagement.devices[d])).otherwise(F.lit(0.0))
        for d in usable_devices(spec)
    ]
