"""GenerationSpec: the single contract between the chat, the CLI and the Spark engine.

A strict Pydantic model (unknown fields are errors) with a ``seed``, one section per wizard step
(households, demographics, engagement, audience, campaigns, responses) and an ``output`` section.
Defaults describe the US market from published figures (``data/us_census.yaml``); behavioural
defaults that no census covers are stated as assumptions in the field descriptions.

Invariants once a spec validates:
- every weight map has non-negative weights summing to 1 (±0.001) over known labels;
- every range has ``min <= average <= max``; dates are ordered;
- cross-section rules of ``rules`` hold (segments exist, flights fit the window, ...).
Same spec (same ``fingerprint()``) and seed → same tables.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Literal

from pydantic import Field, model_validator

from generators.spec.audience import AudienceSpec
from generators.spec.base import Strict
from generators.spec.campaigns import CampaignsSpec
from generators.spec.demographics import DemographicsSpec
from generators.spec.engagement import EngagementSpec
from generators.spec.households import HouseholdsSpec
from generators.spec.output import OutputSpec
from generators.spec.responses import ResponsesSpec
from generators.spec.rules import CrossRuleErrors, cross_problems


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
