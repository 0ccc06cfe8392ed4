"""Test helpers for the campaign tables: a synthetic audience and the tables built on it.

The synthetic audience has the columns the campaign tables read from ``audience_attributes`` and
``individuals`` (individual_id, household_id, segment, propensity_score, household_size), drawn
with ``generators.synth.rng`` so it is deterministic too. ``content_hash`` is an order-independent
fingerprint of a DataFrame's rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from generators.spec import GenerationSpec
from generators.synth import ids, rng
from generators.tables import (
    campaign_audience,
    campaign_exposures,
    campaign_ground_truth,
    campaigns,
    outcome_metrics,
    response_events,
)

AUDIENCE_SEED = 2024


def synthetic_audience(spark: SparkSession, spec: GenerationSpec, households: int) -> DataFrame:
    """1-4 people per household, segments with 'general' the largest, logistic propensities."""
    names = spec.audience.segment_names()
    weights = {name: (3.0 if name == "general" else 1.0) for name in names}
    household = F.col("household_id")
    size = (F.lit(1) + F.floor(rng.uniform(AUDIENCE_SEED, "size", household) * 4)).cast("int")
    person = F.col("individual_id")
    score = F.lit(-0.5) + rng.normal(AUDIENCE_SEED, "propensity", person)
    return (
        spark.range(households)
        .withColumnRenamed("id", "household_id")
        .withColumn("household_size", size)
        .withColumn("member", F.explode(F.sequence(F.lit(0), F.col("household_size") - 1)))
        .withColumn("individual_id", ids.individual_id(household, F.col("member")))
        .withColumn("segment", rng.categorical(AUDIENCE_SEED, "segment", person, weights=weights))
        .withColumn("propensity_score", F.lit(1.0) / (F.lit(1.0) + F.exp(-score)))
        .select("individual_id", "household_id", "segment", "propensity_score", "household_size")
    )


@dataclass(frozen=True)
class World:
    """The campaign tables built from one audience, each cached."""

    spec: GenerationSpec
    audience: DataFrame
    campaigns: DataFrame
    campaign_audience: DataFrame
    exposures: DataFrame
    responses: DataFrame
    outcomes: DataFrame
    truth: DataFrame

    def unpersist(self) -> None:
        for frame in (
            self.audience,
            self.campaigns,
            self.campaign_audience,
            self.exposures,
            self.responses,
            self.outcomes,
            self.truth,
        ):
            frame.unpersist()


def build_world(spark: SparkSession, spec: GenerationSpec, audience: DataFrame) -> World:
    """Every campaign table for ``audience``, as the pipeline would build them."""
    audience = audience.cache()
    camps = campaigns.campaigns_frame(spark, spec).cache()
    mean = campaign_audience.mean_propensity(audience)
    assigned = campaign_audience.assign(audience, camps, spec, mean).cache()
    exposed = campaign_exposures.exposures_frame(assigned, camps, spec).cache()
    return World(
        spec=spec,
        audience=audience,
        campaigns=camps,
        campaign_audience=assigned,
        exposures=exposed,
        responses=response_events.responses_frame(assigned, camps, exposed, spec).cache(),
        outcomes=outcome_metrics.outcomes_frame(assigned, camps, spec).cache(),
        truth=campaign_ground_truth.truth_frame(assigned, camps, spec).cache(),
    )


def content_hash(df: DataFrame) -> tuple[int, int]:
    """(rows, exact sum of per-row xxhash64): equal for equal multisets of rows."""
    row_hash: Column = F.xxhash64(*(F.col(c) for c in df.columns)).cast("decimal(38,0)")
    result = df.agg(F.count(F.lit(1)), F.sum(row_hash)).first()
    return int(result[0]), int(result[1] or 0)
