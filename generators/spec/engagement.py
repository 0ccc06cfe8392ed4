"""Step 3, engagement: the window, events per person, content, devices, durations,
seasonality and co-viewing."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import Field, field_validator, model_validator

from generators.spec.base import (
    FiniteFloat,
    Profile,
    SpecDate,
    Strict,
    Weights,
    check_profile,
    check_weights,
    fail,
)
from generators.spec.domains import CONTENT_CATEGORIES, DEVICE_TYPES, ENGAGEMENT_TYPES
from generators.spec.window import MAX_WINDOW_DAYS

MIN_VIEW_SHARE = 0.01
"""Views are at least this share of the event mix. Follow-ups come in blocks after a view (one
view, then up to 1/share - 1 follow-ups: ``generators.tables.content_engagements``); a share of
1e-300 would ask for blocks of 1e300 events, which no run can hold."""


class EventsPerIndividual(Strict):
    """Heavy-tailed count of engagement events per active individual over the window."""

    distribution: Literal["lognormal", "power_law"] = Field(
        default="lognormal",
        description="'lognormal' (parameter sigma) or 'power_law' (parameter alpha).",
    )
    mean: FiniteFloat = Field(
        default=32.0, gt=0, le=100_000, description="Mean events per active individual."
    )
    sigma: FiniteFloat = Field(
        default=1.0,
        gt=0,
        le=3,
        description="Lognormal shape: larger means a heavier tail (0.5-1.5 typical).",
    )
    alpha: FiniteFloat = Field(
        default=2.5,
        gt=2,
        le=5,
        description="Power-law exponent of the density (> 2 so the mean exists; 2.1-3 typical).",
    )
    max: int = Field(
        default=5000,
        ge=1,
        le=65_536,
        description="Cap on events per individual (at most 65,536, the event id space per person).",
    )
    inactive_share: FiniteFloat = Field(
        default=0.08,
        ge=0,
        lt=1,
        description="Share of individuals with a usable device who have no engagement in the "
        "window (people without any device, e.g. children in a household without CTV or a "
        "shared tablet, never engage either).",
    )

    @model_validator(mode="after")
    def _mean_below_cap(self) -> EventsPerIndividual:
        if self.mean >= self.max:
            raise fail(
                "mean",
                f"mean ({self.mean}) must be below max ({self.max}); raise max or lower mean",
            )
        return self


class ContentSpec(Strict):
    """The content catalogue people engage with."""

    catalog_size: int = Field(
        default=2000, ge=1, le=10_000_000, description="Number of content items."
    )
    categories: Weights = Field(
        default_factory=lambda: {
            "news": 0.14,
            "sports": 0.13,
            "drama": 0.15,
            "comedy": 0.12,
            "reality": 0.09,
            "kids": 0.08,
            "documentary": 0.07,
            "music": 0.09,
            "lifestyle": 0.08,
            "gaming": 0.05,
        },
        description=f"Share of catalogue items per category ({', '.join(CONTENT_CATEGORIES)}).",
    )
    popularity_zipf_exponent: FiniteFloat = Field(
        default=1.0, gt=0, le=3, description="Zipf exponent of item popularity (1 = classic Zipf)."
    )

    @field_validator("categories")
    @classmethod
    def _categories(cls, v: Weights) -> Weights:
        return check_weights(v, CONTENT_CATEGORIES, "content category")


class DurationSpec(Strict):
    """View duration = content length × completion, completion ~ Beta(mean, concentration)."""

    completion_mean: FiniteFloat = Field(
        default=0.62,
        ge=0.001,
        le=0.999,
        description="Mean share of the item watched (0.001-0.999).",
    )
    completion_concentration: FiniteFloat = Field(
        default=3.0,
        ge=0.01,
        le=100,
        description="Beta concentration a+b (0.01-100); larger means less spread. Below 0.01 "
        "every view is already all or nothing, and the Beta's parameters would vanish.",
    )


# Relative activity by UTC hour: low overnight, evening prime-time peak (assumed shape).
# fmt: off
DEFAULT_HOUR_PROFILE = (
    1.2, 0.8, 0.5, 0.35, 0.3, 0.4, 0.8, 1.5, 2.0, 2.1, 2.2, 2.4,
    2.8, 2.7, 2.5, 2.6, 3.0, 3.6, 4.6, 5.6, 6.0, 5.6, 4.0, 2.3,
)
# fmt: on


class SeasonalitySpec(Strict):
    """Relative activity profiles (normalised by the engine)."""

    hour_of_day: Profile = Field(
        default_factory=lambda: list(DEFAULT_HOUR_PROFILE),
        description="24 relative activity levels for hours 0-23 (UTC); evening peak by default.",
    )
    day_of_week: Profile = Field(
        default_factory=lambda: [0.95, 0.93, 0.94, 0.97, 1.05, 1.1, 1.06],
        description="7 relative activity levels, Monday first.",
    )
    month_of_year: Profile = Field(
        default_factory=lambda: [
            1.1,
            1.05,
            1.0,
            0.95,
            0.92,
            0.9,
            0.92,
            0.93,
            0.97,
            1.02,
            1.08,
            1.16,
        ],
        description="12 relative activity levels, January first.",
    )
    yearly_growth: FiniteFloat = Field(
        default=0.05,
        gt=-0.9,
        le=5,
        description="Year-over-year growth of activity (0.05 = +5% a year).",
    )

    @field_validator("hour_of_day")
    @classmethod
    def _hours(cls, v: Profile) -> Profile:
        return check_profile(v, 24, "hour_of_day")

    @field_validator("day_of_week")
    @classmethod
    def _days(cls, v: Profile) -> Profile:
        return check_profile(v, 7, "day_of_week")

    @field_validator("month_of_year")
    @classmethod
    def _months(cls, v: Profile) -> Profile:
        return check_profile(v, 12, "month_of_year")


class EngagementSpec(Strict):
    """Step 3: content engagement over a time window."""

    start_date: SpecDate = Field(
        default=date(2026, 1, 1), description="First day of the window (YYYY-MM-DD)."
    )
    end_date: SpecDate = Field(
        default=date(2026, 3, 31), description="Last day of the window, inclusive (YYYY-MM-DD)."
    )
    extended_from: list[SpecDate] = Field(
        default_factory=list,
        max_length=255,
        description="End dates the window had before each extension, oldest first (written by "
        "an append that extends the window; keep it to rerun to the same data).",
    )
    events_per_individual: EventsPerIndividual = Field(default_factory=EventsPerIndividual)
    content: ContentSpec = Field(default_factory=ContentSpec)
    engagement_types: Weights = Field(
        default_factory=lambda: {
            "view": 0.72,
            "click": 0.14,
            "like": 0.07,
            "share": 0.03,
            "comment": 0.04,
        },
        description=f"Mix of event types ({', '.join(ENGAGEMENT_TYPES)}); a share always follows a view.",
    )
    devices: Weights = Field(
        default_factory=lambda: {"ctv": 0.36, "mobile": 0.34, "desktop": 0.2, "tablet": 0.1},
        description=f"Share of events per device type ({', '.join(DEVICE_TYPES)}).",
    )
    duration: DurationSpec = Field(default_factory=DurationSpec)
    seasonality: SeasonalitySpec = Field(default_factory=SeasonalitySpec)
    co_viewing_rate: FiniteFloat = Field(
        default=0.25,
        ge=0,
        le=1,
        description="Share of CTV views watched together by another household member (recorded for both).",
    )
    household_taste_correlation: FiniteFloat = Field(
        default=0.6,
        ge=0,
        le=1,
        description="How much household members share category tastes (0-1).",
    )

    @field_validator("engagement_types")
    @classmethod
    def _types(cls, v: Weights) -> Weights:
        ordered = check_weights(v, ENGAGEMENT_TYPES, "engagement type")
        if ordered.get("view", 0) < MIN_VIEW_SHARE:
            raise ValueError(
                f"'view' needs a weight of at least {MIN_VIEW_SHARE}: every click, like, share "
                f"and comment follows a view, at most {round(1 / MIN_VIEW_SHARE) - 1} per view"
            )
        return ordered

    @field_validator("devices")
    @classmethod
    def _devices(cls, v: Weights) -> Weights:
        return check_weights(v, DEVICE_TYPES, "device type")

    @model_validator(mode="after")
    def _window(self) -> EngagementSpec:
        if self.end_date < self.start_date:
            raise fail(
                "end_date",
                f"end_date ({self.end_date}) is before start_date ({self.start_date}); swap them",
            )
        if self.window_days > MAX_WINDOW_DAYS:
            latest = self.start_date + timedelta(days=MAX_WINDOW_DAYS - 1)
            raise fail(
                "end_date",
                f"the window {self.start_date}..{self.end_date} is {self.window_days:,} days; "
                f"it may hold at most {MAX_WINDOW_DAYS:,} (five years): end it by {latest}",
            )
        previous = self.start_date - timedelta(days=1)
        for i, end in enumerate(self.extended_from):
            if not previous < end < self.end_date:
                raise fail(
                    f"extended_from.{i}",
                    f"{end} must lie after {previous} and before end_date ({self.end_date}): "
                    "earlier window ends, oldest first, inside the window; leave extended_from "
                    "as the append that extended the window wrote it",
                )
            previous = end
        return self

    @property
    def window_days(self) -> int:
        """Days in the window, both ends included."""
        return (self.end_date - self.start_date).days + 1
