"""GenerationSpec: the single contract between the chat, the CLI and the Spark engine.

A strict Pydantic model (unknown fields are errors) with a ``seed``, one section per wizard step
(households, demographics, engagement, audience, campaigns, responses) and an ``output`` section.
Defaults describe the US market from published figures (``data/us_census.yaml``); behavioural
defaults that no census covers are stated as assumptions in the field descriptions.

Versions: ``spec_version`` 2 (the default, what ``idgraph spec init`` writes) adds
``demographics.identity.noise`` (``realistic`` unless set). A spec saying ``spec_version: 1``
(every spec exported before version 2 existed) generates exactly what it always generated: its
noise is ``easy`` (none), any other noise is refused, and its canonical form has no noise block,
so its fingerprint is unchanged too.

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
from generators.spec.errors import Problem
from generators.spec.households import HouseholdsSpec
from generators.spec.output import OutputSpec
from generators.spec.responses import ResponsesSpec
from generators.spec.rules import CrossRuleErrors, cross_problems

LATEST_VERSION = 2


class GenerationSpec(Strict):
    """The whole generation spec. Valid only if every section and every cross rule validates."""

    spec_version: Literal[1, 2] = Field(
        default=LATEST_VERSION,
        description="Version of the spec's meaning: 2 has identity noise "
        "(demographics.identity.noise); 1 generates the graph without noise, as it always did.",
    )
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

    @model_validator(mode="before")
    @classmethod
    def _version_defaults(cls, data: Any) -> Any:
        """A version-1 spec's noise defaults to none (``easy``)."""
        if not (isinstance(data, dict) and data.get("spec_version") == 1):
            return data
        demographics = data.get("demographics")
        identity = demographics.get("identity") if isinstance(demographics, dict) else None
        if isinstance(identity, dict) and "noise" not in identity:
            identity = {**identity, "noise": {"preset": "easy"}}
            return {**data, "demographics": {**demographics, "identity": identity}}
        if demographics is None or (isinstance(demographics, dict) and identity is None):
            identity = {"noise": {"preset": "easy"}}
            return {**data, "demographics": {**(demographics or {}), "identity": identity}}
        return data

    @model_validator(mode="after")
    def _version_noise(self) -> GenerationSpec:
        noise = self.demographics.identity.noise.resolved()
        if self.spec_version == 1 and not noise.is_none:
            raise CrossRuleErrors(
                [
                    Problem(
                        "demographics.identity.noise",
                        "spec_version 1 generates the identity graph without noise; set "
                        "spec_version: 2 for noise, or remove demographics.identity.noise",
                    )
                ]
            )
        return self

    @model_validator(mode="after")
    def _cross_rules(self) -> GenerationSpec:
        problems = cross_problems(self)
        if problems:
            raise CrossRuleErrors(problems)
        return self

    def canonical(self) -> dict[str, Any]:
        """JSON-compatible dict with every default filled in (the exported form); a version-1
        spec has no noise block (it can only be none)."""
        data = self.model_dump(mode="json", by_alias=True)
        if self.spec_version == 1:
            del data["demographics"]["identity"]["noise"]
        return data

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
