"""GenerationSpec: the single contract between the chat, the CLI and the Spark engine.

A strict Pydantic model (unknown fields are errors) with a ``seed``, one section per wizard step
(households, demographics, engagement, audience, campaigns, responses) and an ``output`` section.
Defaults describe the US market from published figures (``data/us_census.yaml``); behavioural
defaults that no census covers are stated as assumptions in the field descriptions.

Invariants once a spec validates:
- every weight map has non-negative weights summing to 1 (±0.001) over known labels;
- every range has ``min <= average <= max``; dates are ordered;
- cross-section rules of ``spec_rules`` hold (segments exist, flights fit the window, ...).
Same spec (same ``fingerprint()``) and seed → same tables.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from generators import census
from generators.spec_errors import CrossRuleErrors, Problem

WEIGHT_TOLERANCE = 1e-3
MAX_HOUSEHOLD_SIZE = 15  # individual_id = household_id * 16 + member: at most 16 members
MAX_HOUSEHOLDS = 1_000_000_000
MAX_DEVICES_PER_PERSON = 32  # identity mapping slots 8..39 of each individual (generators.identity)
LOCAL_HOUSEHOLDS_WARNING = 5_000_000

AGE_BANDS = ("18-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75-99")
INCOME_BRACKETS = (
    "under_25k",
    "25k_50k",
    "50k_75k",
    "75k_100k",
    "100k_150k",
    "150k_200k",
    "200k_plus",
)
GENDERS = ("female", "male")
EDUCATION_LEVELS = (
    "less_than_high_school",
    "high_school",
    "some_college",
    "associate",
    "bachelor",
    "master",
    "doctorate",
)
EMPLOYMENT_STATUSES = ("employed", "unemployed", "retired", "student", "homemaker_or_other")
URBANICITY = ("urban", "suburban", "rural")
IDENTIFIER_TYPES = ("cookie", "mobile_ad_id", "email_hash", "device_id", "ctv_id", "ip_address")
HOUSEHOLD_IDENTIFIER_TYPES = ("ctv_id", "ip_address")
CONTENT_CATEGORIES = (
    "news",
    "sports",
    "drama",
    "comedy",
    "reality",
    "kids",
    "documentary",
    "music",
    "lifestyle",
    "gaming",
)
ENGAGEMENT_TYPES = ("view", "click", "like", "share", "comment")
DEVICE_TYPES = ("ctv", "mobile", "desktop", "tablet")
BEHAVIOURAL_CLASSES = ("heavy", "moderate", "light", "lapsed")
CHANNELS = ("ctv", "video", "display", "social", "email", "search")
GOALS = ("awareness", "consideration", "conversion")
ATTRIBUTION_MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based")

Weights = dict[str, float]


def fail(field: str, message: str) -> CrossRuleErrors:
    """An error located at ``field`` of the model being validated (for model validators)."""
    return CrossRuleErrors([Problem(field, message)])


Identifier = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,254}$")]


class Strict(BaseModel):
    """Base of every spec model: unknown fields are errors, assignments are validated."""

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


def in_domain_order(value: dict[str, float], domain: tuple[str, ...]) -> dict[str, float]:
    """``value`` with its labels in ``domain``'s order, whatever order they were given in.

    Draws map a uniform onto labels in mapping order, so this makes data depend on a mapping's
    contents only: a spec read back from canonical JSON (sorted keys), or written with its keys
    in another order, generates the same rows as the original.
    """
    return {label: value[label] for label in domain if label in value}


def check_weights(value: Weights, allowed: tuple[str, ...], what: str) -> Weights:
    """Weights over known labels, non-negative, summing to 1 within WEIGHT_TOLERANCE; returned
    in ``allowed``'s order (``in_domain_order``)."""
    unknown = sorted(set(value) - set(allowed))
    if unknown:
        raise ValueError(
            f"unknown {what} {', '.join(map(repr, unknown))}; use only {', '.join(allowed)}"
        )
    negative = sorted(k for k, w in value.items() if w < 0)
    if negative:
        raise ValueError(f"weights must be >= 0, got a negative weight for {', '.join(negative)}")
    total = sum(value.values())
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        raise ValueError(
            f"weights sum to {total:.4f}; they must sum to 1 (rescale them, e.g. divide each by {total:.4f})"
        )
    return in_domain_order(value, allowed)


def check_profile(value: list[float], length: int, what: str) -> list[float]:
    """A relative activity profile: ``length`` non-negative numbers, not all zero."""
    if len(value) != length:
        raise ValueError(f"{what} needs exactly {length} values, got {len(value)}")
    if any(v < 0 for v in value) or sum(value) <= 0:
        raise ValueError(f"{what} values must be >= 0 and not all 0 (relative activity levels)")
    return value


class IntRange(Strict):
    """An integer range with an average: ``min <= average <= max``."""

    average: float = Field(description="Target mean.")
    min: int = Field(ge=0, description="Smallest allowed value.")
    max: int = Field(ge=0, description="Largest allowed value.")

    @model_validator(mode="after")
    def _ordered(self) -> IntRange:
        if self.min > self.max:
            raise fail("min", f"min ({self.min}) must be <= max ({self.max}): swap or fix them")
        if not (self.min <= self.average <= self.max):
            raise fail(
                "average",
                f"average ({self.average}) must lie between min ({self.min}) and max ({self.max})",
            )
        if self.min < self.max and self.average in (self.min, self.max):
            raise fail(
                "average",
                f"average ({self.average}) equal to min or max forces every value to it; "
                f"set min = max = {self.average} or move the average inside the range",
            )
        return self


class FloatRange(Strict):
    """A closed range ``min <= max`` drawn uniformly."""

    min: float = Field(ge=0)
    max: float = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> FloatRange:
        if self.min > self.max:
            raise fail("min", f"min ({self.min}) must be <= max ({self.max}): swap or fix them")
        return self


# ---------------------------------------------------------------- households


class HouseholdSize(IntRange):
    """Persons per household (FR-001). The shape follows the ACS distribution, tilted to hit the
    average; min and max truncate it."""

    average: float = Field(
        default_factory=lambda: float(census.census()["household_size"]["average_household_size"]),
        description="Mean persons per household (US: see ACS). Range 1-15.",
    )
    min: int = Field(
        default=1, ge=1, le=MAX_HOUSEHOLD_SIZE, description="Smallest household, >= 1."
    )
    max: int = Field(
        default=7, ge=1, le=MAX_HOUSEHOLD_SIZE, description="Largest household, <= 15."
    )


class HouseholdsSpec(Strict):
    """Step 1: how many households, how big, where, how affluent."""

    count: int = Field(
        default=10_000,
        ge=1,
        le=MAX_HOUSEHOLDS,
        description="Number of households to generate (1 to 1,000,000,000). Individuals ≈ count × size.average.",
    )
    size: HouseholdSize = Field(default_factory=HouseholdSize)
    states: Weights = Field(
        default_factory=lambda: census.values("state_household_share"),
        description="Share of households per state, USPS codes (TX, FL, ...) → weight; weights sum to 1. "
        "Omitted states get no households.",
    )
    income_brackets: Weights = Field(
        default_factory=lambda: census.values("income_brackets"),
        description=f"Share of households per annual income bracket ({', '.join(INCOME_BRACKETS)}); sums to 1.",
    )
    urbanicity: Weights = Field(
        default_factory=lambda: census.values("urbanicity"),
        description="Share of households in urban, suburban and rural areas; sums to 1.",
    )

    @field_validator("states")
    @classmethod
    def _states(cls, v: Weights) -> Weights:
        return check_weights(v, census.states(), "state code")

    @field_validator("income_brackets")
    @classmethod
    def _income(cls, v: Weights) -> Weights:
        return check_weights(v, INCOME_BRACKETS, "income bracket")

    @field_validator("urbanicity")
    @classmethod
    def _urbanicity(cls, v: Weights) -> Weights:
        return check_weights(v, URBANICITY, "urbanicity")


# ---------------------------------------------------------------- demographics


class IdentitySpec(Strict):
    """Cross-device identity graph settings (FR-017)."""

    identifier_types: Weights = Field(
        default_factory=lambda: {
            "cookie": 0.92,
            "mobile_ad_id": 0.80,
            "email_hash": 0.70,
            "device_id": 0.88,
            "ctv_id": 0.65,
            "ip_address": 0.97,
        },
        description="Presence rate (0-1) of each identifier type: share of people (households for "
        "ctv_id and ip_address) that have at least one. Assumed rates, not census figures.",
    )
    devices_per_person: IntRange = Field(
        default_factory=lambda: IntRange(average=2.4, min=1, max=6),
        description="Personal devices (phones, laptops, tablets) per person that has device ids.",
    )
    shared_device_rate: float = Field(
        default=0.35,
        ge=0,
        le=1,
        description="Share of households with a shared device (e.g. family tablet) whose device_id maps to every member.",
    )
    cookie_lifetime_days: float = Field(
        default=30.0,
        gt=0,
        le=3650,
        description="Mean lifetime of a browser cookie in days; shorter means more cookie churn "
        "(several cookies per browser over the window).",
    )

    @field_validator("devices_per_person")
    @classmethod
    def _devices(cls, v: IntRange) -> IntRange:
        if v.max > MAX_DEVICES_PER_PERSON:
            raise ValueError(
                f"max is {v.max}; at most {MAX_DEVICES_PER_PERSON} personal devices per person "
                "fit the identity graph's id slots"
            )
        return v

    @field_validator("identifier_types")
    @classmethod
    def _rates(cls, v: Weights) -> Weights:
        unknown = sorted(set(v) - set(IDENTIFIER_TYPES))
        if unknown:
            raise ValueError(
                f"unknown identifier type {', '.join(map(repr, unknown))}; use only {', '.join(IDENTIFIER_TYPES)}"
            )
        bad = sorted(k for k, r in v.items() if not 0 <= r <= 1)
        if bad:
            raise ValueError(f"presence rates are shares between 0 and 1; fix {', '.join(bad)}")
        return in_domain_order(v, IDENTIFIER_TYPES)


class DemographicsSpec(Strict):
    """Step 2: who lives in the households, and their identifiers (FR-003, FR-017)."""

    householder_age: Weights = Field(
        default_factory=lambda: census.values("householder_age"),
        description=f"Age mix of householders (adults heading the household) by band {', '.join(AGE_BANDS)}; "
        "partners are of similar age, children younger. E.g. 'parents 35 to 54' → {'35-44': 0.5, '45-54': 0.5}.",
    )
    gender: Weights = Field(
        default_factory=lambda: census.values("sex"),
        description="Share of female and male individuals; sums to 1.",
    )
    education: Weights = Field(
        default_factory=lambda: census.values("education_25plus"),
        description=f"Highest education of adults 25+ ({', '.join(EDUCATION_LEVELS)}); younger people get "
        "levels their age allows.",
    )
    employment: Weights = Field(
        default_factory=lambda: census.values("employment_16plus"),
        description=f"Employment status of people 16+ ({', '.join(EMPLOYMENT_STATUSES)}); retirement is "
        "concentrated at 60+, students at 16-24.",
    )
    identity: IdentitySpec = Field(default_factory=IdentitySpec)

    @field_validator("householder_age")
    @classmethod
    def _ages(cls, v: Weights) -> Weights:
        return check_weights(v, AGE_BANDS, "age band")

    @field_validator("gender")
    @classmethod
    def _gender(cls, v: Weights) -> Weights:
        return check_weights(v, GENDERS, "gender")

    @field_validator("education")
    @classmethod
    def _education(cls, v: Weights) -> Weights:
        return check_weights(v, EDUCATION_LEVELS, "education level")

    @field_validator("employment")
    @classmethod
    def _employment(cls, v: Weights) -> Weights:
        return check_weights(v, EMPLOYMENT_STATUSES, "employment status")


# ---------------------------------------------------------------- engagement


class EventsPerIndividual(Strict):
    """Heavy-tailed count of engagement events per active individual over the window."""

    distribution: Literal["lognormal", "power_law"] = Field(
        default="lognormal",
        description="'lognormal' (parameter sigma) or 'power_law' (parameter alpha).",
    )
    mean: float = Field(
        default=32.0, gt=0, le=100_000, description="Mean events per active individual."
    )
    sigma: float = Field(
        default=1.0,
        gt=0,
        le=3,
        description="Lognormal shape: larger means a heavier tail (0.5-1.5 typical).",
    )
    alpha: float = Field(
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
    inactive_share: float = Field(
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
    popularity_zipf_exponent: float = Field(
        default=1.0, gt=0, le=3, description="Zipf exponent of item popularity (1 = classic Zipf)."
    )

    @field_validator("categories")
    @classmethod
    def _categories(cls, v: Weights) -> Weights:
        return check_weights(v, CONTENT_CATEGORIES, "content category")


class DurationSpec(Strict):
    """View duration = content length × completion, completion ~ Beta(mean, concentration)."""

    completion_mean: float = Field(
        default=0.62, gt=0, lt=1, description="Mean share of the item watched."
    )
    completion_concentration: float = Field(
        default=3.0, gt=0, le=100, description="Beta concentration a+b; larger means less spread."
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

    hour_of_day: list[float] = Field(
        default_factory=lambda: list(DEFAULT_HOUR_PROFILE),
        description="24 relative activity levels for hours 0-23 (UTC); evening peak by default.",
    )
    day_of_week: list[float] = Field(
        default_factory=lambda: [0.95, 0.93, 0.94, 0.97, 1.05, 1.1, 1.06],
        description="7 relative activity levels, Monday first.",
    )
    month_of_year: list[float] = Field(
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
    yearly_growth: float = Field(
        default=0.05,
        gt=-0.9,
        le=5,
        description="Year-over-year growth of activity (0.05 = +5% a year).",
    )

    @field_validator("hour_of_day")
    @classmethod
    def _hours(cls, v: list[float]) -> list[float]:
        return check_profile(v, 24, "hour_of_day")

    @field_validator("day_of_week")
    @classmethod
    def _days(cls, v: list[float]) -> list[float]:
        return check_profile(v, 7, "day_of_week")

    @field_validator("month_of_year")
    @classmethod
    def _months(cls, v: list[float]) -> list[float]:
        return check_profile(v, 12, "month_of_year")


class EngagementSpec(Strict):
    """Step 3: content engagement over a time window (FR-004, FR-005)."""

    start_date: date = Field(
        default=date(2026, 1, 1), description="First day of the window (YYYY-MM-DD)."
    )
    end_date: date = Field(
        default=date(2026, 3, 31), description="Last day of the window, inclusive (YYYY-MM-DD)."
    )
    extended_from: list[date] = Field(
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
    co_viewing_rate: float = Field(
        default=0.25,
        ge=0,
        le=1,
        description="Share of CTV views watched together by another household member (recorded for both).",
    )
    household_taste_correlation: float = Field(
        default=0.6,
        ge=0,
        le=1,
        description="How much household members share category tastes (0-1).",
    )

    @field_validator("engagement_types")
    @classmethod
    def _types(cls, v: Weights) -> Weights:
        ordered = check_weights(v, ENGAGEMENT_TYPES, "engagement type")
        if ordered.get("view", 0) <= 0:
            raise ValueError(
                "'view' needs a positive weight: clicks, likes and shares follow views"
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


# ---------------------------------------------------------------- audience


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
    min_propensity: float | None = Field(default=None, ge=0, le=1)

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
                    f"unknown value {', '.join(map(repr, unknown))}; use only {', '.join(allowed)}",
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

    recency_half_life_days: float = Field(default=14.0, gt=0, le=3650)
    frequency_weight: float = Field(default=0.6, ge=0, le=1)
    recency_weight: float = Field(default=0.4, ge=0, le=1)

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

    heavy_events_per_week: float = Field(default=7.0, gt=0)
    moderate_events_per_week: float = Field(default=2.0, gt=0)
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

    intercept: float = Field(default=-0.5, ge=-10, le=10)
    frequency_weight: float = Field(default=0.8, ge=-10, le=10)
    recency_weight: float = Field(default=0.6, ge=-10, le=10)
    affinity_weight: float = Field(default=0.4, ge=-10, le=10)
    income_weight: float = Field(default=0.3, ge=-10, le=10)


class AudienceSpec(Strict):
    """Step 4: audience attributes derived from engagement (FR-006)."""

    segments: list[SegmentRule] = Field(default_factory=default_segments, max_length=100)
    affinity: AffinitySpec = Field(default_factory=AffinitySpec)
    behavioural_classes: BehaviouralClassSpec = Field(default_factory=BehaviouralClassSpec)
    propensity: PropensitySpec = Field(default_factory=PropensitySpec)
    value_per_conversion_usd: float = Field(
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
            raise ValueError(f"segment names must be unique; rename {', '.join(duplicates)}")
        if "general" in names:
            raise ValueError("'general' is reserved for people matching no segment; rename it")
        return v

    def segment_names(self) -> list[str]:
        """All segment names a person can get, 'general' last."""
        return [s.name for s in self.segments] + ["general"]


# ---------------------------------------------------------------- campaigns


class FrequencySpec(Strict):
    """Exposures per reached person: mean, with daily and per-flight caps."""

    mean: float = Field(
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
    start_date: date
    end_date: date
    channel: str = Field(description="One of ctv, video, display, social, email, search.")
    budget_usd: float = Field(gt=0)
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
                "channel", f"channel {self.channel!r} is unknown; use one of {', '.join(CHANNELS)}"
            )
        if self.goal not in GOALS:
            raise fail("goal", f"goal {self.goal!r} is unknown; use one of {', '.join(GOALS)}")
        return self


class CampaignsSpec(Strict):
    """Step 5: campaigns, their audiences and delivery (FR-007)."""

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
    cpm_usd: dict[str, float] = Field(
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
    off_target_spill: float = Field(
        default=0.05,
        ge=0,
        le=1,
        description="Share of people outside the target segments who are also eligible.",
    )
    reach: float = Field(
        default=0.6,
        gt=0,
        le=1,
        description="Share of eligible, non-holdout people a campaign reaches.",
    )
    frequency: FrequencySpec = Field(default_factory=FrequencySpec)
    holdout_fraction: float = Field(
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
    def _cpm(cls, v: dict[str, float]) -> dict[str, float]:
        missing = sorted(set(CHANNELS) - set(v))
        unknown = sorted(set(v) - set(CHANNELS))
        if missing or unknown:
            raise ValueError(f"give a CPM for exactly the channels {', '.join(CHANNELS)}")
        if any(c <= 0 for c in v.values()):
            raise ValueError("every CPM must be > 0 (USD per thousand exposures)")
        return in_domain_order(v, CHANNELS)


# ---------------------------------------------------------------- responses


class LagSpec(Strict):
    """Delay from exposure to response: lognormal in hours, capped."""

    median_hours: float = Field(default=20.0, gt=0, le=24 * 365)
    sigma: float = Field(default=1.1, gt=0, le=3)
    max_days: int = Field(default=14, ge=1, le=365)


class OrderValueSpec(Strict):
    """Revenue per conversion: lognormal with this mean (USD) and shape."""

    mean_usd: float = Field(default=85.0, gt=0, le=1_000_000)
    sigma: float = Field(default=0.7, gt=0, le=3)


class AttributionSpec(Strict):
    """Multi-touch attribution over each converter's exposure path."""

    models: list[str] = Field(default_factory=lambda: list(ATTRIBUTION_MODELS), min_length=1)
    window_days: int = Field(
        default=30, ge=1, le=365, description="Look-back window before a conversion."
    )
    time_decay_half_life_days: float = Field(default=7.0, gt=0, le=365)
    position_based_first: float = Field(default=0.4, ge=0, le=1)
    position_based_last: float = Field(default=0.4, ge=0, le=1)

    @model_validator(mode="after")
    def _valid(self) -> AttributionSpec:
        unknown = sorted(set(self.models) - set(ATTRIBUTION_MODELS))
        if unknown:
            raise fail(
                "models",
                f"unknown attribution model {', '.join(unknown)}; use {', '.join(ATTRIBUTION_MODELS)}",
            )
        if len(set(self.models)) != len(self.models):
            raise fail("models", "attribution models are listed twice; list each once")
        if self.position_based_first + self.position_based_last > 1 + WEIGHT_TOLERANCE:
            raise fail(
                "position_based_last", "position_based_first + position_based_last must be <= 1"
            )
        return self


class ResponsesSpec(Strict):
    """Step 6: responses to campaigns, with planted causal truth (FR-008, FR-014)."""

    baseline_conversion_rate: float = Field(
        default=0.02,
        ge=0,
        lt=1,
        description="Chance an average-propensity person converts during a flight with no exposure.",
    )
    max_incremental_lift: float = Field(
        default=0.03,
        ge=0,
        lt=1,
        description="Added conversion chance at full saturation of exposure (absolute, e.g. 0.03 = +3 points).",
    )
    adstock_half_life_days: float = Field(
        default=7.0, gt=0, le=365, description="Exposure memory decay."
    )
    saturation_exposures: float = Field(
        default=3.0, gt=0, le=1000, description="Adstocked exposures giving half the maximum lift."
    )
    click_rate: float = Field(
        default=0.012, ge=0, le=1, description="Chance an exposure is clicked."
    )
    visit_rate: float = Field(
        default=0.35, ge=0, le=1, description="Chance a click leads to a site visit."
    )
    engagement_rate: float = Field(
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


# ---------------------------------------------------------------- output


class OutputSpec(Strict):
    """Where the tables go: a Unity Catalog catalog.schema (or its local warehouse folder)."""

    catalog: Identifier = Field(
        default="bryan_li", description="Unity Catalog catalog (letters, digits, _)."
    )
    schema_name: Identifier = Field(
        default="synthetic_identity",
        alias="schema",
        description="Schema in the catalog (letters, digits, _).",
    )
    mode: Literal["overwrite", "append"] = Field(
        default="overwrite",
        description="'overwrite' replaces the tables; 'append' adds a new batch.",
    )


# ---------------------------------------------------------------- the spec


class GenerationSpec(Strict):
    """The whole generation spec. Valid only if every section and every cross rule validates."""

    spec_version: Literal[1] = 1
    seed: int = Field(
        default=42, ge=0, le=2**63 - 1, description="Random seed: same spec + seed → same data."
    )
    households: HouseholdsSpec = Field(default_factory=HouseholdsSpec)
    demographics: DemographicsSpec = Field(default_factory=DemographicsSpec)
    engagement: EngagementSpec = Field(default_factory=EngagementSpec)
    audience: AudienceSpec = Field(default_factory=AudienceSpec)
    campaigns: CampaignsSpec = Field(default_factory=CampaignsSpec)
    responses: ResponsesSpec = Field(default_factory=ResponsesSpec)
    output: OutputSpec = Field(default_factory=OutputSpec)

    @model_validator(mode="after")
    def _cross_rules(self) -> GenerationSpec:
        from generators.spec_rules import CrossRuleErrors, cross_problems

        problems = cross_problems(self)
        if problems:
            raise CrossRuleErrors(problems)
        return self

    def canonical(self) -> dict[str, Any]:
        """JSON-compatible dict with every default filled in (the exported form)."""
        return self.model_dump(mode="json", by_alias=True)

    def canonical_json(self) -> str:
        """Canonical JSON: sorted keys, no whitespace. Equal specs give equal strings."""
        return json.dumps(
            self.canonical(), sort_keys=True, separators=(",", ":"), ensure_ascii=True
        )

    def fingerprint(self) -> str:
        """sha256 hex of the canonical JSON: labels tables and reruns."""
        return hashlib.sha256(self.canonical_json().encode("ascii")).hexdigest()


SECTIONS = (
    "households",
    "demographics",
    "engagement",
    "audience",
    "campaigns",
    "responses",
    "output",
)
