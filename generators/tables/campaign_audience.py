"""campaign_audience: treatment assignment and true conversion chances, one row per
eligible (individual, campaign).

Built from ``audience_attributes`` (segment, propensity_score) crossed with the broadcast
``campaigns`` table (a few rows), so it needs no shuffle join:

- eligible: the person's segment is one of the campaign's ``target_segments`` (``is_targeted``),
  or an off-target spill draw < ``campaigns.off_target_spill``; only eligible pairs are rows;
- ``is_holdout``: a draw per (campaign, household) < the campaign's ``holdout_fraction``. Holding
  out whole households keeps a held-out person from sharing a screen with an exposed one, so the
  holdout is never exposed, not even as a CTV co-viewer;
- ``is_reached``: not held out and a draw per (campaign, individual) < ``campaigns.reach``.
  Reach is independent of the person's attributes, so reached and holdout people are comparable;
- ``exposures`` and ``adstock`` from ``delivery`` (0 unless reached);
- ``baseline_probability`` b = ``responses.baseline_conversion_rate`` × propensity / mean
  propensity (an average-propensity person converts at the baseline rate without exposure; the
  mean is the reference population's, see below);
- ``true_conversion_probability`` p = b + ``planted_lift`` × adstock / (adstock +
  ``responses.saturation_exposures``). Both are clipped to below 1 (``MAX_PROBABILITY``).

The mean propensity is taken over the reference population (``generators.tables.reference``), so rows
do not depend on ``households.count``; it is summed exactly (``generators.synth.exact``), so it does
not depend on partitioning either.

A window extended by appends (``generators.spec.window``): a campaign's rows use the audience as of
the end of the segment its flight starts in (viewership patterns and audience attributes of the
events up to then, by ``segments.as_of`` of the spec), the audience its own run targeted, so
extending the window never changes the rows of earlier campaigns.
"""

from __future__ import annotations

import functools

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from generators.spec import GenerationSpec
from generators.spec.window import as_of, campaign_total, segments
from generators.synth import delivery, rng
from generators.synth.exact import exact_mean
from generators.tables import audience_attributes, reference, viewership_patterns
from generators.tables.campaigns import target_pool
from generators.tables.node import BuildContext

MAX_PROBABILITY = 0.999999

COLUMNS = {
    "individual_id": "The eligible person.",
    "household_id": "The person's household.",
    "campaign_id": "The campaign.",
    "segment": "The person's audience segment.",
    "household_size": "Members of the person's household (co-viewers on shared CTV).",
    "is_targeted": "The person's segment is one of the campaign's target segments.",
    "is_holdout": "Held out (with the whole household): never exposed to the campaign.",
    "is_reached": "Delivered at least one exposure.",
    "exposures": "Delivered exposures to the person (co-exposures not counted).",
    "adstock": "Exposure memory at the last exposure: sum of 0.5^(age / adstock half-life).",
    "baseline_probability": "Truth: conversion probability without exposure.",
    "true_conversion_probability": "Truth: conversion probability given the exposures received.",
}


def mean_propensity(audience: DataFrame) -> float:
    """Mean ``propensity_score`` over individuals, summed exactly (partitioning-independent)."""
    return audience.agg(exact_mean(F.col("propensity_score"))).first()[0] or 1.0


def saturation(spec: GenerationSpec, adstock: Column) -> Column:
    """Share of the maximal lift reached at this adstock: a / (a + saturation_exposures)."""
    return adstock / (adstock + F.lit(spec.responses.saturation_exposures))


def assign(
    audience: DataFrame, campaigns: DataFrame, spec: GenerationSpec, mean_score: float
) -> DataFrame:
    """The campaign_audience rows for ``audience`` (individual_id, household_id, segment,
    propensity_score, household_size) and the campaigns table."""
    seed, cfg = spec.seed, spec.campaigns
    person, household, campaign = (
        F.col("individual_id"),
        F.col("household_id"),
        F.col("campaign_id"),
    )
    pairs = audience.crossJoin(F.broadcast(campaigns))
    targeted = F.array_contains(F.col("target_segments"), F.col("segment"))
    spill = rng.bernoulli(seed, "campaign.spill", campaign, person, p=cfg.off_target_spill)
    eligible = pairs.withColumn("is_targeted", targeted).where(F.col("is_targeted") | spill)
    holdout = rng.uniform(seed, "campaign.holdout", campaign, household) < F.col("holdout_fraction")
    reached = ~F.col("is_holdout") & rng.bernoulli(
        seed, "campaign.reach", campaign, person, p=cfg.reach
    )
    baseline = F.least(
        F.lit(spec.responses.baseline_conversion_rate / mean_score) * F.col("propensity_score"),
        F.lit(MAX_PROBABILITY),
    )
    lifted = F.col("baseline_probability") + F.col("planted_lift") * saturation(
        spec, F.col("adstock")
    )
    exposed = (
        eligible.withColumn("is_holdout", holdout)
        .withColumn("is_reached", reached)
        .withColumn(
            "exposures",
            F.when(F.col("is_reached"), delivery.frequency(spec, person, campaign)).otherwise(0),
        )
    )
    derived = ("adstock", "baseline_probability", "true_conversion_probability")
    carried = [c for c in COLUMNS if c not in derived] + ["propensity_score", "planted_lift"]
    reach = delivery.same_day_reach(campaigns)
    return (
        delivery.with_adstock(spec, exposed, carried, reach)
        .withColumn("baseline_probability", baseline)
        .withColumn("true_conversion_probability", F.least(lifted, F.lit(MAX_PROBABILITY)))
        .select(*COLUMNS)
    )


def people(attributes: DataFrame, individuals: DataFrame) -> DataFrame:
    """One row per individual: segment and propensity with the household size."""
    sizes = individuals.select("individual_id", "household_size")
    chosen = attributes.select("individual_id", "household_id", "segment", "propensity_score")
    return chosen.join(sizes, "individual_id")


def audience_as_of(ctx: BuildContext, spec: GenerationSpec) -> DataFrame:
    """audience_attributes as they were at the end of ``spec``'s window (``segments.as_of``)."""
    end = spec.engagement.end_date
    events = ctx.upstream("content_engagements").where(F.col("event_date") <= F.lit(end))
    return audience_attributes.attributes(
        spec, ctx.upstream("individuals"), viewership_patterns.patterns(spec, events)
    )


def build(ctx: BuildContext) -> DataFrame:
    """TableNode builder: per segment of the window holding campaigns, its campaigns crossed
    with the audience as of its end."""
    windows = segments(ctx.spec)
    flights = ctx.upstream("campaigns")
    parts = []
    for window in windows:
        spec = as_of(ctx.spec, window.index)
        if window.index == len(windows) - 1:
            attributes = ctx.upstream("audience_attributes")
        else:
            attributes = audience_as_of(ctx, spec)
        if len(windows) > 1:
            first, last = F.lit(window.start_date), F.lit(window.end_date)
            flights_here = flights.where(F.col("start_date").between(first, last))
        else:
            flights_here = flights
        mean = reference.reference_mean(
            ctx.spark, spec, "mean_propensity", "audience_attributes", mean_propensity
        )
        parts.append(
            assign(people(attributes, ctx.upstream("individuals")), flights_here, spec, mean)
        )
    return functools.reduce(DataFrame.unionByName, parts)


def eligible_share(spec: GenerationSpec) -> float:
    """Expected eligible share of individuals per campaign, assuming equal-sized segments."""
    segments = len(spec.audience.segment_names())
    if spec.campaigns.flights:
        per_campaign = [len(f.target_segments) or segments for f in spec.campaigns.flights]
        targeted = sum(per_campaign) / len(per_campaign) / segments
    else:
        pool = len(target_pool(spec))
        targeted = (1.5 if pool > 1 else 1.0) / segments
    return targeted + (1 - targeted) * spec.campaigns.off_target_spill


def expected_individuals(spec: GenerationSpec) -> float:
    return spec.households.count * spec.households.size.average


def expected_rows(spec: GenerationSpec) -> float:
    return expected_individuals(spec) * campaign_total(spec) * eligible_share(spec)
