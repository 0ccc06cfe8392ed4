"""Step 5, campaigns: count, flights, channels, goals, budgets, reach, frequency, holdouts."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from generators.spec.base import (
    FiniteFloat,
    FloatRange,
    Identifier,
    IntRange,
    SpecDate,
    Strict,
    Weights,
    check_weights,
    fail,
    in_domain_order,
)
from generators.spec.domains import CHANNELS, GOALS
from generators.spec.errors import shown


class FrequencySpec(Strict):
    """Exposures per reached person: mean, with daily and per-flight caps."""

    mean: FiniteFloat = Field(
        default=4.0, ge=1, le=1000, description="Mean exposures per reached person."
    )
    cap_per_day: int = Field(default=3, ge=1, le=1000)
    cap_per_flight: int = Field(default=20, ge=1, le=10_000)

    @model_validator(mode="after")
    def _caps(self) -> FrequencySpec:
        if self.mean > self.cap_per_flight:
            raise fail(
                "mean",
                f"mean ({self.mean}) exceeds cap_per_flight ({self.cap_per_flight}); raise the cap",
            )
        return self


class CampaignFlight(Strict):
    """An explicit campaign, instead of generated ones."""

    name: Identifier
    start_date: SpecDate
    end_date: SpecDate
    channel: str = Field(description="One of ctv, video, display, social, email, search.")
    budget_usd: FiniteFloat = Field(gt=0)
    goal: str = Field(
        default="conversion", description="One of awareness, consideration, conversion."
    )
    target_segments: list[str] = Field(
        default_factory=list, description="Segment names; empty = everyone."
    )

    @model_validator(mode="after")
    def _valid(self) -> CampaignFlight:
        if self.end_date < self.start_date:
            raise fail(
                "end_date",
                f"end_date ({self.end_date}) is before start_date ({self.start_date}); swap them",
            )
        if self.channel not in CHANNELS:
            raise fail(
                "channel",
                f"channel {shown(self.channel)} is unknown; use one of {', '.join(CHANNELS)}",
            )
        if self.goal not in GOALS:
            raise fail("goal", f"goal {shown(self.goal)} is unknown; use one of {', '.join(GOALS)}")
        return self


class CampaignsSpec(Strict):
    """Step 5: campaigns, their audiences and delivery."""

    count: int = Field(default=12, ge=1, le=1000, description="Number of campaigns (1-1000).")
    flight_days: IntRange = Field(
        default_factory=lambda: IntRange(average=28, min=14, max=42),
        description="Flight length in days; flights always lie inside the engagement window.",
    )
    channels: Weights = Field(
        default_factory=lambda: {
            "ctv": 0.25,
            "video": 0.2,
            "display": 0.2,
            "social": 0.2,
            "email": 0.08,
            "search": 0.07,
        },
        description=f"Share of campaigns per channel ({', '.join(CHANNELS)}).",
    )
    goals: Weights = Field(
        default_factory=lambda: {"awareness": 0.3, "consideration": 0.3, "conversion": 0.4},
        description="Share of campaigns per goal.",
    )
    budget_usd: FloatRange = Field(default_factory=lambda: FloatRange(min=50_000, max=500_000))
    cpm_usd: dict[str, FiniteFloat] = Field(
        default_factory=lambda: {
            "ctv": 32.0,
            "video": 18.0,
            "display": 6.0,
            "social": 9.0,
            "email": 2.0,
            "search": 12.0,
        },
        description="Cost per thousand exposures by channel (USD); realised cost adds ±20% noise.",
    )
    target_segments: list[str] = Field(
        default_factory=list,
        description="Segments campaigns may target; each campaign targets one or two of them. Empty = all segments.",
    )
    off_target_spill: FiniteFloat = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Share of people outside the target segments who are also eligible.",
    )
    reach: FiniteFloat = Field(
        default=0.6,
        gt=0,
        le=1,
        description="Share of eligible, non-holdout people a campaign reaches.",
    )
    frequency: FrequencySpec = Field(default_factory=FrequencySpec)
    holdout_fraction: FiniteFloat = Field(
        default=0.1,
        ge=0,
        lt=1,
        description="Share of eligible people held out (never exposed) per campaign.",
    )
    flights: list[CampaignFlight] = Field(
        default_factory=list,
        description="Explicit campaigns; when given, count must equal their number.",
    )

    @field_validator("channels")
    @classmethod
    def _channels(cls, v: Weights) -> Weights:
        return check_weights(v, CHANNELS, "channel")

    @field_validator("goals")
    @classmethod
    def _goals(cls, v: Weights) -> Weights:
        return check_weights(v, GOALS, "goal")

    @field_validator("cpm_usd")
    @classmethod
    def _cpm(cls, v: dict[str, FiniteFloat]) -> dict[str, FiniteFloat]:
        missing = sorted(set(CHANNELS) - set(v))
        unknown = sorted(set(v) - set(CHANNELS))
        if missing or unknown:
            raise ValueError(f"give a CPM for exactly the channels {', '.join(CHANNELS)}")
        if any(c <= 0 for c in v.values()):
            raise ValueError("every CPM must be > 0 (USD per thousand exposures)")
        return in_domain_order(v, CHANNELS)
