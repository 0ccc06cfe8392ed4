"""Step 4, audience: segment rules, affinities, behavioural classes and propensity."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator

from generators.spec import census
from generators.spec.base import WEIGHT_TOLERANCE, FiniteFloat, Identifier, Strict, fail
from generators.spec.domains import (
    BEHAVIOURAL_CLASSES,
    CONTENT_CATEGORIES,
    DEVICE_TYPES,
    GENDERS,
    INCOME_BRACKETS,
    URBANICITY,
)
from generators.spec.errors import listed


class SegmentRule(Strict):
    """A named audience segment: all given conditions must hold (empty lists mean any)."""

    name: Identifier = Field(
        description="Segment name: letters, digits, underscore (e.g. sports_fans)."
    )
    description: str = Field(default="", max_length=500)
    min_age: int | None = Field(default=None, ge=0, le=120)
    max_age: int | None = Field(default=None, ge=0, le=120)
    genders: list[str] = Field(default_factory=list, description="Any of female, male.")
    income_brackets: list[str] = Field(default_factory=list)
    states: list[str] = Field(default_factory=list, description="USPS codes.")
    urbanicity: list[str] = Field(default_factory=list)
    top_categories: list[str] = Field(
        default_factory=list, description="Person's most engaged content category is one of these."
    )
    behavioural_classes: list[str] = Field(
        default_factory=list, description="Any of heavy, moderate, light, lapsed."
    )
    preferred_devices: list[str] = Field(
        default_factory=list, description="Any of ctv, mobile, desktop, tablet."
    )
    min_propensity: FiniteFloat | None = Field(default=None, ge=0, le=1)

    @model_validator(mode="after")
    def _known_values(self) -> SegmentRule:
        for field, allowed in (
            ("genders", GENDERS),
            ("income_brackets", INCOME_BRACKETS),
            ("states", census.states()),
            ("urbanicity", URBANICITY),
            ("top_categories", CONTENT_CATEGORIES),
            ("behavioural_classes", BEHAVIOURAL_CLASSES),
            ("preferred_devices", DEVICE_TYPES),
        ):
            unknown = sorted(set(getattr(self, field)) - set(allowed))
            if unknown:
                raise fail(
                    field,
                    f"unknown value {listed(unknown)}; use only {', '.join(allowed)}",
                )
        if self.min_age is not None and self.max_age is not None and self.min_age > self.max_age:
            raise fail("max_age", f"min_age ({self.min_age}) must be <= max_age ({self.max_age})")
        return self


def default_segments() -> list[SegmentRule]:
    """Default segments, checked in order; people matching none fall in 'general'."""
    return [
        SegmentRule(
            name="sports_enthusiasts",
            description="Sports is their top category.",
            top_categories=["sports"],
        ),
        SegmentRule(
            name="news_junkies",
            description="Heavy or moderate news viewers.",
            top_categories=["news"],
        ),
        SegmentRule(
            name="affluent_families",
            description="Adults 30-54 in households earning $100k+.",
            min_age=30,
            max_age=54,
            income_brackets=["100k_150k", "150k_200k", "200k_plus"],
        ),
        SegmentRule(
            name="young_streamers",
            description="18-34 year olds who mostly watch on mobile or CTV.",
            min_age=18,
            max_age=34,
            preferred_devices=["mobile", "ctv"],
        ),
        SegmentRule(
            name="entertainment_bingers",
            description="Heavy viewers of drama, comedy or reality.",
            top_categories=["drama", "comedy", "reality"],
            behavioural_classes=["heavy", "moderate"],
        ),
    ]


class AffinitySpec(Strict):
    """Affinity per category = frequency share blended with recency-weighted share."""

    recency_half_life_days: FiniteFloat = Field(default=14.0, gt=0, le=3650)
    frequency_weight: FiniteFloat = Field(default=0.6, ge=0, le=1)
    recency_weight: FiniteFloat = Field(default=0.4, ge=0, le=1)

    @model_validator(mode="after")
    def _blend(self) -> AffinitySpec:
        if abs(self.frequency_weight + self.recency_weight - 1) > WEIGHT_TOLERANCE:
            raise fail(
                "recency_weight",
                "frequency_weight + recency_weight must equal 1; adjust one of them",
            )
        return self


class BehaviouralClassSpec(Strict):
    """Thresholds on events per week (over active days) and recency."""

    heavy_events_per_week: FiniteFloat = Field(default=7.0, gt=0)
    moderate_events_per_week: FiniteFloat = Field(default=2.0, gt=0)
    lapsed_after_days: int = Field(default=30, ge=1, le=3650)

    @model_validator(mode="after")
    def _ordered(self) -> BehaviouralClassSpec:
        if self.moderate_events_per_week >= self.heavy_events_per_week:
            raise fail(
                "moderate_events_per_week",
                "moderate_events_per_week must be below heavy_events_per_week",
            )
        return self


class PropensitySpec(Strict):
    """propensity = logistic(intercept + Σ weight × standardised feature)."""

    intercept: FiniteFloat = Field(default=-0.5, ge=-10, le=10)
    frequency_weight: FiniteFloat = Field(default=0.8, ge=-10, le=10)
    recency_weight: FiniteFloat = Field(default=0.6, ge=-10, le=10)
    affinity_weight: FiniteFloat = Field(default=0.4, ge=-10, le=10)
    income_weight: FiniteFloat = Field(default=0.3, ge=-10, le=10)


class AudienceSpec(Strict):
    """Step 4: audience attributes derived from engagement."""

    segments: list[SegmentRule] = Field(default_factory=default_segments, max_length=100)
    affinity: AffinitySpec = Field(default_factory=AffinitySpec)
    behavioural_classes: BehaviouralClassSpec = Field(default_factory=BehaviouralClassSpec)
    propensity: PropensitySpec = Field(default_factory=PropensitySpec)
    value_per_conversion_usd: FiniteFloat = Field(
        default=85.0,
        gt=0,
        le=1_000_000,
        description="Average order value used in each person's value estimate.",
    )

    @field_validator("segments")
    @classmethod
    def _unique(cls, v: list[SegmentRule]) -> list[SegmentRule]:
        names = [s.name for s in v]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"segment names must be unique; rename {listed(duplicates)}")
        if "general" in names:
            raise ValueError("'general' is reserved for people matching no segment; rename it")
        return v

    def segment_names(self) -> list[str]:
        """All segment names a person can get, 'general' last."""
        return [s.name for s in self.segments] + ["general"]
