"""Step 2, demographics: householder age, gender, education, employment, and the
cross-device identity graph (identifier presence, devices, sharing, cookie churn, and how hard it
is to resolve: ``noise``)."""

from __future__ import annotations

from pydantic import Field, field_validator

from generators.spec import census
from generators.spec.base import (
    FiniteFloat,
    IntRange,
    Strict,
    Weights,
    check_weights,
    in_domain_order,
)
from generators.spec.capacity import MAX_DEVICES_PER_PERSON
from generators.spec.domains import (
    AGE_BANDS,
    EDUCATION_LEVELS,
    EMPLOYMENT_STATUSES,
    GENDERS,
    IDENTIFIER_TYPES,
)
from generators.spec.errors import listed
from generators.spec.noise import IdentityNoiseSpec


class IdentitySpec(Strict):
    """Cross-device identity graph settings."""

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
    shared_device_rate: FiniteFloat = Field(
        default=0.35,
        ge=0,
        le=1,
        description="Share of households with a shared device (e.g. family tablet) whose device_id maps to every member.",
    )
    cookie_lifetime_days: FiniteFloat = Field(
        default=30.0,
        gt=0,
        le=3650,
        description="Mean lifetime of a browser cookie in days; shorter means more cookie churn "
        "(several cookies per browser over the window).",
    )
    noise: IdentityNoiseSpec = Field(
        default_factory=IdentityNoiseSpec,
        description="How hard the graph is to resolve (spec_version 2): a preset (easy, "
        "realistic, hard) of shared networks, IP churn, moves, devices changing hands and wrong "
        "third-party links; spec_version 1 has none.",
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
                f"unknown identifier type {listed(unknown)}; use only {', '.join(IDENTIFIER_TYPES)}"
            )
        bad = sorted(k for k, r in v.items() if not 0 <= r <= 1)
        if bad:
            raise ValueError(f"presence rates are shares between 0 and 1; fix {', '.join(bad)}")
        return in_domain_order(v, IDENTIFIER_TYPES)


class DemographicsSpec(Strict):
    """Step 2: who lives in the households, and their identifiers."""

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
