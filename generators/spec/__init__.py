"""The generation spec: what to generate, validated before any work.

Owns ``GenerationSpec`` (``model.py``) and one module per section, named after it
(``households.py`` ... ``output.py``), their building blocks (``base.py``), the label domains
(``domains.py``), key-space limits (``capacity.py``), the window's calendar segments
(``window.py``), cross-section rules (``rules.py``), problems as ``dotted.path: fix`` lines
(``errors.py``), YAML/JSON/``--set`` reading and writing (``io.py``) and the census figures behind
the defaults (``census.py``, ``data/us_census.yaml``).

May import: pydantic, pyyaml and the standard library only; never pyspark and nothing else of
idgraph. Every other package builds on it.
"""

from generators.spec.audience import AudienceSpec, SegmentRule
from generators.spec.base import IntRange
from generators.spec.campaigns import CampaignsSpec
from generators.spec.capacity import MAX_DEVICES_PER_PERSON, MAX_HOUSEHOLD_SIZE
from generators.spec.demographics import DemographicsSpec, IdentitySpec
from generators.spec.domains import (
    AGE_BANDS,
    ATTRIBUTION_MODELS,
    BEHAVIOURAL_CLASSES,
    CHANNELS,
    CONTENT_CATEGORIES,
    DEVICE_TYPES,
    EDUCATION_LEVELS,
    EMPLOYMENT_STATUSES,
    ENGAGEMENT_TYPES,
    GENDERS,
    GOALS,
    IDENTIFIER_TYPES,
    INCOME_BRACKETS,
    URBANICITY,
)
from generators.spec.engagement import EngagementSpec
from generators.spec.households import HouseholdsSpec
from generators.spec.model import SECTIONS, GenerationSpec
from generators.spec.output import OutputSpec
from generators.spec.responses import ResponsesSpec

__all__ = [
    "AGE_BANDS",
    "ATTRIBUTION_MODELS",
    "BEHAVIOURAL_CLASSES",
    "CHANNELS",
    "CONTENT_CATEGORIES",
    "DEVICE_TYPES",
    "EDUCATION_LEVELS",
    "EMPLOYMENT_STATUSES",
    "ENGAGEMENT_TYPES",
    "GENDERS",
    "GOALS",
    "IDENTIFIER_TYPES",
    "INCOME_BRACKETS",
    "MAX_DEVICES_PER_PERSON",
    "MAX_HOUSEHOLD_SIZE",
    "SECTIONS",
    "URBANICITY",
    "AudienceSpec",
    "CampaignsSpec",
    "DemographicsSpec",
    "EngagementSpec",
    "GenerationSpec",
    "HouseholdsSpec",
    "IdentitySpec",
    "IntRange",
    "OutputSpec",
    "ResponsesSpec",
    "SegmentRule",
]
