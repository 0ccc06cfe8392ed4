"""Step 1, households: how many, how big, where and how affluent."""

from __future__ import annotations

from pydantic import Field, field_validator

from generators.spec import census
from generators.spec.base import FiniteFloat, IntRange, Strict, Weights, check_weights
from generators.spec.capacity import MAX_HOUSEHOLD_SIZE, MAX_HOUSEHOLDS
from generators.spec.domains import INCOME_BRACKETS, URBANICITY


class HouseholdSize(IntRange):
    """Persons per household. The shape follows the ACS distribution, tilted to hit the
    average; min and max truncate it."""

    average: FiniteFloat = Field(
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
