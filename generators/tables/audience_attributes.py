"""audience_attributes: one row per individual, derived from their viewership pattern (nothing
drawn). Individuals without any event get zero affinities and the class ``lapsed``.

Formulas (spec.audience; W = window days):
- affinity_<c> = frequency_weight × events_<c> / total_events
                + recency_weight × recent_<c> / Σ recent   (0 without events),
  where recent_<c> is the recency-weighted event count of viewership_patterns (half-life
  audience.affinity.recency_half_life_days); when every event is so old that Σ recent is 0, the
  recency term uses the frequency share instead. Affinities sum to 1 for people with events.
- behavioural_class: ``lapsed`` if no event or recency_days >= lapsed_after_days; else ``heavy``
  if events_per_week >= heavy_events_per_week; ``moderate`` if >= moderate_events_per_week;
  else ``light``. events_per_week is total_events / (W / 7).
- propensity_score = logistic(intercept + frequency_weight × f + recency_weight × r
                     + affinity_weight × a + income_weight × i), with fixed transforms (no
  data-dependent scaling, so rows never depend on each other):
  f = ln(1 + events_per_week) / ln(1 + heavy_events_per_week), r = exp(−recency_days /
  lapsed_after_days) (0 without events), a = the largest affinity, i = income bracket index / 6
  (under_25k = 0 … 200k_plus = 1).
- value_estimate_usd = propensity_score × value_per_conversion_usd (expected order value of one
  conversion opportunity).
- segment: the first rule of audience.segments whose every given condition holds (age range,
  genders, income brackets, states, urbanicity, top category, behavioural class, preferred device,
  minimum propensity), else ``general``.
"""

from __future__ import annotations

import math

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from generators.spec import CONTENT_CATEGORIES, INCOME_BRACKETS, GenerationSpec, SegmentRule
from generators.tables.node import BuildContext

DESCRIPTION = (
    "Audience attributes per individual (every individual), derived from viewership_patterns: "
    "segment, affinity per category, behavioural class, propensity score and value estimate."
)
COLUMNS = {
    "individual_id": "The individual (individuals).",
    "household_id": "The individual's household.",
    "segment": "First matching audience.segments rule, else 'general'.",
    "behavioural_class": "heavy, moderate, light or lapsed (thresholds in audience.behavioural_classes).",
    "events_per_week": "Engagement events per week over the window (0 without events).",
    "recency_days": "Days since the last event at the window end (null without events).",
    "top_category": "Most engaged content category (null without events).",
    "preferred_device": "Device type with the most events (null without events).",
    **{
        f"affinity_{c}": f"Affinity to {c} content in [0, 1]: frequency share blended with "
        "recency-weighted share."
        for c in CONTENT_CATEGORIES
    },
    "propensity_score": "logistic(intercept + weighted frequency, recency, affinity, income) in (0, 1).",
    "value_estimate_usd": "propensity_score × audience.value_per_conversion_usd.",
}


def attributes(spec: GenerationSpec, individuals: DataFrame, patterns: DataFrame) -> DataFrame:
    """One row per individual: ``individuals`` left-joined to their pattern, then derived."""
    cfg = spec.audience
    people = individuals.select(
        "individual_id", "household_id", "age", "gender", "income_bracket", "state", "urbanicity"
    )
    rows = people.join(patterns.drop("household_id"), "individual_id", "left")
    total = F.coalesce(F.col("total_events"), F.lit(0)).cast("double")
    recent_total = sum((F.col(f"recent_{c}") for c in CONTENT_CATEGORIES), F.lit(0.0))
    affinity = {
        c: F.when(
            total > 0,
            F.lit(cfg.affinity.frequency_weight) * F.col(f"events_{c}") / total
            + F.lit(cfg.affinity.recency_weight)
            * F.when(recent_total > 0, F.col(f"recent_{c}") / recent_total).otherwise(
                F.col(f"events_{c}") / total
            ),
        ).otherwise(0.0)
        for c in CONTENT_CATEGORIES
    }
    per_week = F.coalesce(F.col("events_per_week"), F.lit(0.0))
    classes = cfg.behavioural_classes
    behavioural = (
        F.when((total == 0) | (F.col("recency_days") >= classes.lapsed_after_days), F.lit("lapsed"))
        .when(per_week >= classes.heavy_events_per_week, F.lit("heavy"))
        .when(per_week >= classes.moderate_events_per_week, F.lit("moderate"))
        .otherwise(F.lit("light"))
    )
    derived = rows.select(
        "*",
        *(value.alias(f"affinity_{c}") for c, value in affinity.items()),
        per_week.alias("_per_week"),
        behavioural.alias("behavioural_class"),
    )
    with_propensity = derived.withColumn("propensity_score", _propensity(spec))
    segment = _segment(cfg.segments)
    result = with_propensity.select(
        "*",
        segment.alias("segment"),
        (F.col("propensity_score") * F.lit(cfg.value_per_conversion_usd)).alias(
            "value_estimate_usd"
        ),
    ).withColumn("events_per_week", F.col("_per_week"))
    return result.select(*COLUMNS)


def _propensity(spec: GenerationSpec) -> Column:
    weights = spec.audience.propensity
    classes = spec.audience.behavioural_classes
    frequency = F.log1p(F.col("_per_week")) / F.lit(math.log1p(classes.heavy_events_per_week))
    recency = F.coalesce(
        F.exp(-F.col("recency_days").cast("double") / F.lit(float(classes.lapsed_after_days))),
        F.lit(0.0),
    )
    strongest = F.greatest(*(F.col(f"affinity_{c}") for c in CONTENT_CATEGORIES))
    income = F.lit(0.0)
    for index, bracket in enumerate(INCOME_BRACKETS):
        income = F.when(
            F.col("income_bracket") == bracket, F.lit(index / (len(INCOME_BRACKETS) - 1))
        ).otherwise(income)
    score = (
        F.lit(weights.intercept)
        + F.lit(weights.frequency_weight) * frequency
        + F.lit(weights.recency_weight) * recency
        + F.lit(weights.affinity_weight) * strongest
        + F.lit(weights.income_weight) * income
    )
    return F.lit(1.0) / (F.lit(1.0) + F.exp(-score))


def _matches(rule: SegmentRule) -> Column:
    conditions: list[Column] = []
    if rule.min_age is not None:
        conditions.append(F.col("age") >= rule.min_age)
    if rule.max_age is not None:
        conditions.append(F.col("age") <= rule.max_age)
    for field, column in (
        ("genders", "gender"),
        ("income_brackets", "income_bracket"),
        ("states", "state"),
        ("urbanicity", "urbanicity"),
        ("top_categories", "top_category"),
        ("behavioural_classes", "behavioural_class"),
        ("preferred_devices", "preferred_device"),
    ):
        values = getattr(rule, field)
        if values:
            conditions.append(F.coalesce(F.col(column).isin(*values), F.lit(False)))
    if rule.min_propensity is not None:
        conditions.append(F.col("propensity_score") >= rule.min_propensity)
    result = F.lit(True)
    for condition in conditions:
        result = result & condition
    return result


def _segment(rules: list[SegmentRule]) -> Column:
    """The first matching rule's name, else 'general'."""
    expr = F.lit("general")
    for rule in reversed(rules):
        expr = F.when(_matches(rule), F.lit(rule.name)).otherwise(expr)
    return expr


def build(ctx: BuildContext) -> DataFrame:
    """TableNode builder."""
    return attributes(ctx.spec, ctx.upstream("individuals"), ctx.upstream("viewership_patterns"))


def expected_rows(spec: GenerationSpec) -> float:
    """Every individual."""
    from generators.tables import individuals

    return individuals.expected_rows(spec)
