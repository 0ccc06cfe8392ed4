"""Building blocks of every spec section: the strict base model, ranges, weight maps and profiles."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from generators.spec.errors import MAX_NAME, CrossRuleErrors, Problem, listed

WEIGHT_TOLERANCE = 1e-3


def _unsigned_zero(value: float) -> float:
    return value + 0.0  # -0.0 + 0.0 is 0.0: one zero, so equal data means equal fingerprints


FiniteFloat = Annotated[float, Field(allow_inf_nan=False), AfterValidator(_unsigned_zero)]
"""Every real number of the spec: NaN and ±infinity are refused where they are read (Pydantic's
``finite_number`` error, turned into a ``dotted.path: fix`` line by ``errors``), so no rule
below has to think about them (NaN compares false with everything and slips through bounds);
``-0.0`` is read as ``0.0``."""

Weights = dict[str, FiniteFloat]
Profile = list[FiniteFloat]

FIRST_DATE = date(2000, 1, 1)
LAST_DATE = date(2099, 12, 31)


def _in_calendar(value: date) -> date:
    if not FIRST_DATE <= value <= LAST_DATE:
        raise ValueError(
            f"{value} is outside the dates a spec may use ({FIRST_DATE}..{LAST_DATE}); "
            "pick a date in that range"
        )
    return value


SpecDate = Annotated[date, AfterValidator(_in_calendar)]
"""Every date of the spec: a day of 2000..2099 (see docs/spec.md, "Values refused and why")."""


def fail(field: str, message: str) -> CrossRuleErrors:
    """An error located at ``field`` of the model being validated (for model validators)."""
    return CrossRuleErrors([Problem(field, message)])


Identifier = Annotated[str, Field(pattern=rf"^[A-Za-z_][A-Za-z0-9_]{{0,{MAX_NAME - 1}}}$")]


class Strict(BaseModel):
    """Base of every spec model: unknown fields are errors, assignments are validated."""

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        validate_by_name=True,
        validate_by_alias=True,
        serialize_by_alias=True,
    )


def in_domain_order(value: Weights, domain: tuple[str, ...]) -> Weights:
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
        raise ValueError(f"unknown {what} {listed(unknown)}; use only {', '.join(allowed)}")
    negative = sorted(k for k, w in value.items() if w < 0)
    if negative:
        raise ValueError(f"weights must be >= 0, got a negative weight for {', '.join(negative)}")
    total = sum(value.values())
    if total <= 0:
        raise ValueError("every weight is 0; give at least one label a positive share")
    if abs(total - 1.0) > WEIGHT_TOLERANCE:
        shown = f"{total:.4f}" if 1e-4 <= total < 1e6 else f"{total:.4g}"
        raise ValueError(
            f"weights sum to {shown}; they must sum to 1 (rescale them, e.g. divide each by {shown})"
        )
    return in_domain_order(value, allowed)


PROFILE_LEVELS = (1e-9, 1e9)
"""Bounds of a positive profile level. The engine multiplies levels of several profiles (day of
week × month of year × growth): levels this far apart from 1 could underflow to an all-zero
day table, which no run can draw from."""


def check_profile(value: Profile, length: int, what: str) -> Profile:
    """A relative activity profile: ``length`` numbers, each 0 or within PROFILE_LEVELS, not all
    zero."""
    if len(value) != length:
        raise ValueError(f"{what} needs exactly {length} values, got {len(value)}")
    if any(v < 0 for v in value) or sum(value) <= 0:
        raise ValueError(f"{what} values must be >= 0 and not all 0 (relative activity levels)")
    low, high = PROFILE_LEVELS
    outside = [v for v in value if v != 0 and not low <= v <= high]
    if outside:
        raise ValueError(
            f"{what} values must be 0 or between {low:g} and {high:g} (relative activity "
            f"levels, 1 = average); got {outside[0]:g}: rescale them"
        )
    return value


class IntRange(Strict):
    """An integer range with an average: ``min <= average <= max``."""

    average: FiniteFloat = Field(description="Target mean.")
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

    min: FiniteFloat = Field(ge=0)
    max: FiniteFloat = Field(ge=0)

    @model_validator(mode="after")
    def _ordered(self) -> FloatRange:
        if self.min > self.max:
            raise fail("min", f"min ({self.min}) must be <= max ({self.max}): swap or fix them")
        return self
