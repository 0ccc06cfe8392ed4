"""Step 6, responses: conversion baseline and lift, interaction rates, lags, order value
and attribution."""

from __future__ import annotations

from pydantic import Field, model_validator

from generators.spec.base import WEIGHT_TOLERANCE, FiniteFloat, Strict, fail
from generators.spec.domains import ATTRIBUTION_MODELS
from generators.spec.errors import listed


class LagSpec(Strict):
    """Delay from exposure to response: lognormal in hours, capped."""

    median_hours: FiniteFloat = Field(default=20.0, gt=0, le=24 * 365)
    sigma: FiniteFloat = Field(default=1.1, gt=0, le=3)
    max_days: int = Field(default=14, ge=1, le=365)


class OrderValueSpec(Strict):
    """Revenue per conversion: lognormal with this mean (USD) and shape."""

    mean_usd: FiniteFloat = Field(default=85.0, gt=0, le=1_000_000)
    sigma: FiniteFloat = Field(default=0.7, gt=0, le=3)


DECAY_HALF_LIVES = 500
"""Half-lives a look-back window may span under time decay: 0.5^500 is about 3e-151, still a
normal double, so every touch in the window keeps a positive weight (0.5^1075 is 0)."""


class AttributionSpec(Strict):
    """Multi-touch attribution over each converter's exposure path."""

    models: list[str] = Field(default_factory=lambda: list(ATTRIBUTION_MODELS), min_length=1)
    window_days: int = Field(
        default=30, ge=1, le=365, description="Look-back window before a conversion."
    )
    time_decay_half_life_days: FiniteFloat = Field(default=7.0, gt=0, le=365)
    position_based_first: FiniteFloat = Field(default=0.4, ge=0, le=1)
    position_based_last: FiniteFloat = Field(default=0.4, ge=0, le=1)

    @model_validator(mode="after")
    def _valid(self) -> AttributionSpec:
        unknown = sorted(set(self.models) - set(ATTRIBUTION_MODELS))
        if unknown:
            raise fail(
                "models",
                f"unknown attribution model {listed(unknown)}; use {', '.join(ATTRIBUTION_MODELS)}",
            )
        if len(set(self.models)) != len(self.models):
            raise fail("models", "attribution models are listed twice; list each once")
        shortest = self.window_days / DECAY_HALF_LIVES
        if self.time_decay_half_life_days < shortest:
            raise fail(
                "time_decay_half_life_days",
                f"{self.time_decay_half_life_days:g} days is too short for a {self.window_days}-day "
                f"look-back: make it at least window_days / {DECAY_HALF_LIVES} = {shortest:g} "
                "days (a touch older than that many half-lives weighs nothing, and a conversion "
                "whose touches all weigh nothing cannot be attributed)",
            )
        if self.position_based_first + self.position_based_last > 1 + WEIGHT_TOLERANCE:
            raise fail(
                "position_based_last", "position_based_first + position_based_last must be <= 1"
            )
        return self


class ResponsesSpec(Strict):
    """Step 6: responses to campaigns, with planted causal truth."""

    baseline_conversion_rate: FiniteFloat = Field(
        default=0.02,
        ge=0,
        lt=1,
        description="Chance an average-propensity person converts during a flight with no exposure.",
    )
    max_incremental_lift: FiniteFloat = Field(
        default=0.03,
        ge=0,
        lt=1,
        description="Typical added conversion chance at full saturation of exposure (absolute, e.g. "
        "0.03 = +3 points). Each campaign's planted_lift is this times its goal's factor "
        "(awareness 0.7, consideration 1.0, conversion 1.3) times a jitter in 0.8-1.2, so "
        "between 0.56 and 1.56 times it.",
    )
    adstock_half_life_days: FiniteFloat = Field(
        default=7.0, gt=0, le=365, description="Exposure memory decay."
    )
    saturation_exposures: FiniteFloat = Field(
        default=3.0, gt=0, le=1000, description="Adstocked exposures giving half the maximum lift."
    )
    click_rate: FiniteFloat = Field(
        default=0.012, ge=0, le=1, description="Chance an exposure is clicked."
    )
    visit_rate: FiniteFloat = Field(
        default=0.35, ge=0, le=1, description="Chance a click leads to a site visit."
    )
    engagement_rate: FiniteFloat = Field(
        default=0.02,
        ge=0,
        le=1,
        description="Chance an exposure yields a social or video engagement.",
    )
    lag: LagSpec = Field(default_factory=LagSpec)
    order_value: OrderValueSpec = Field(default_factory=OrderValueSpec)
    attribution: AttributionSpec = Field(default_factory=AttributionSpec)

    @model_validator(mode="after")
    def _rates(self) -> ResponsesSpec:
        if self.baseline_conversion_rate + self.max_incremental_lift >= 1:
            raise fail(
                "max_incremental_lift",
                "baseline_conversion_rate + max_incremental_lift must stay below 1",
            )
        return self
