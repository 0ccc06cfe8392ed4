"""What the hard checks hold the tables to: keys, required columns, foreign keys, carried
attributes and value domains of the public contract (docs/tables.md), plus the table modules' own columns.

Pure data, no Spark. Columns a table does not have are skipped by the checks that need them
(the ``columns present`` check fails for the required ones).
"""

from __future__ import annotations

from dataclasses import dataclass

from generators import spec as S
from generators.spec.census import states
from generators.tables.identity_noise import CHANGE_REASONS, LINK_SOURCES, NETWORK_TYPES
from generators.tables.individuals import ROLES
from generators.tables.registry import REGISTRY

TABLES: tuple[str, ...] = tuple(table for table, *_ in REGISTRY)
KEYS: dict[str, tuple[str, ...]] = {
    table: (key,) if isinstance(key, str) else tuple(key) for table, key, _ in REGISTRY
}

REQUIRED: dict[str, tuple[str, ...]] = {
    "households": ("household_id", "household_size", "income_bracket", "state", "zip_code"),
    "individuals": (
        "individual_id",
        "household_id",
        "age",
        "gender",
        "education_level",
        "employment_status",
    ),
    "identity_mappings": (
        "mapping_id",
        "individual_id",
        "household_id",
        "identifier_type",
        "identifier_value",
        "first_seen",
        "last_seen",
    ),
    "content_catalog": ("content_id", "content_category"),
    "content_engagements": (
        "event_id",
        "individual_id",
        "content_id",
        "event_ts",
        "engagement_type",
        "duration_seconds",
    ),
    "viewership_patterns": ("individual_id",),
    "audience_attributes": ("individual_id", "segment"),
    "campaigns": ("campaign_id", "start_date", "end_date"),
    "campaign_audience": ("individual_id", "campaign_id", "is_holdout"),
    "campaign_exposures": ("exposure_id", "individual_id", "campaign_id", "exposure_ts", "channel"),
    "response_events": (
        "response_id",
        "individual_id",
        "campaign_id",
        "exposure_id",
        "response_ts",
        "response_type",
    ),
    "outcome_metrics": (
        "outcome_id",
        "response_id",
        "campaign_id",
        "attribution_model",
        "attribution_weight",
    ),
    "campaign_ground_truth": ("campaign_id",),
}

# Required columns that may hold nulls: unexposed conversions have no exposure, follow-up events
# no duration, children may have no education or employment.
NULLABLE: frozenset[tuple[str, str]] = frozenset(
    {
        ("response_events", "exposure_id"),
        ("content_engagements", "duration_seconds"),
        ("individuals", "education_level"),
        ("individuals", "employment_status"),
    }
)


@dataclass(frozen=True)
class ForeignKey:
    """``child.column`` must match ``parent.parent_column`` (nulls are not checked), and the
    ``carried`` columns of the child must equal the parent row's (inherited attributes)."""

    child: str
    column: str
    parent: str
    parent_column: str
    carried: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"fk:{self.child}.{self.column}->{self.parent}"

    @property
    def carried_name(self) -> str:
        return f"carried:{self.child}.{self.column}->{self.parent}"


@dataclass(frozen=True)
class Chain:
    """``implied`` follows from two keys checked anyway: ``first`` takes every child row to a
    ``middle`` row carrying the implied key and its carried columns, and ``second`` takes that
    row on to the implied parent, carrying them too. So when both resolve with equal carried
    columns, and no child row has the implied key set while ``first``'s key is null, every
    child row's implied key resolves to a parent row with equal carried columns: the hard
    checks then report ``implied`` as passed without its own lookup (``hard``). The shape is
    checked on construction."""

    implied: ForeignKey
    first: ForeignKey
    second: ForeignKey

    def __post_init__(self) -> None:
        implied, first, second = self.implied, self.first, self.second
        shaped = (
            first.child == implied.child
            and second.child == first.parent
            and (second.column, second.parent, second.parent_column)
            == (implied.column, implied.parent, implied.parent_column)
            and {implied.column, *implied.carried} <= set(first.carried)
            and set(implied.carried) <= set(second.carried)
        )
        if not shaped:
            raise ValueError(f"{implied.name} does not follow from {first.name} and {second.name}")


def _person(child: str, *carried: str) -> ForeignKey:
    return ForeignKey(
        child, "individual_id", "individuals", "individual_id", ("household_id", *carried)
    )


INDIVIDUAL_HOUSEHOLD = ForeignKey(
    "individuals",
    "household_id",
    "households",
    "household_id",
    (
        "household_size",
        "income_bracket",
        "state",
        "zip_code",
        "urbanicity",
        "household_income_usd",
    ),
)
MAPPING_PERSON = _person("identity_mappings")
MAPPING_HOUSEHOLD = ForeignKey("identity_mappings", "household_id", "households", "household_id")
# the truth of every mapping resolves (true_household_id: noisy graphs only)
MAPPING_OWNER = ForeignKey(
    "identity_mappings", "true_owner_individual_id", "individuals", "individual_id"
)
MAPPING_TRUE_HOUSEHOLD = ForeignKey(
    "identity_mappings", "true_household_id", "households", "household_id"
)
EVENT_PERSON = _person("content_engagements")
EVENT_MAPPING = ForeignKey(
    "content_engagements",
    "mapping_id",
    "identity_mappings",
    "mapping_id",
    ("individual_id", "household_id", "identifier_type", "identifier_value"),
)

FOREIGN_KEYS: tuple[ForeignKey, ...] = (
    INDIVIDUAL_HOUSEHOLD,
    MAPPING_PERSON,
    MAPPING_HOUSEHOLD,
    MAPPING_OWNER,
    MAPPING_TRUE_HOUSEHOLD,
    EVENT_PERSON,
    ForeignKey(
        "content_engagements", "content_id", "content_catalog", "content_id", ("content_category",)
    ),
    EVENT_MAPPING,
    _person("viewership_patterns"),
    _person("audience_attributes"),
    _person("campaign_audience", "household_size"),
    ForeignKey("campaign_audience", "campaign_id", "campaigns", "campaign_id"),
    _person("campaign_exposures"),
    ForeignKey("campaign_exposures", "campaign_id", "campaigns", "campaign_id", ("channel",)),
    _person("response_events"),
    ForeignKey("response_events", "campaign_id", "campaigns", "campaign_id"),
    ForeignKey("response_events", "exposure_id", "campaign_exposures", "exposure_id"),
    ForeignKey(
        "outcome_metrics",
        "response_id",
        "response_events",
        "response_id",
        ("individual_id", "household_id", "campaign_id"),
    ),
    ForeignKey("outcome_metrics", "campaign_id", "campaigns", "campaign_id"),
    ForeignKey("outcome_metrics", "exposure_id", "campaign_exposures", "exposure_id"),
    ForeignKey(
        "campaign_ground_truth", "campaign_id", "campaigns", "campaign_id", ("planted_lift",)
    ),
)

# Keys that follow from others (``Chain``). At 1M households they would cost ~5 s of the
# validation: an event's person through its identifier's row (75M events), an identifier's
# household through its person (27M rows).
CHAINS: tuple[Chain, ...] = (
    Chain(MAPPING_HOUSEHOLD, MAPPING_PERSON, INDIVIDUAL_HOUSEHOLD),
    Chain(EVENT_PERSON, EVENT_MAPPING, MAPPING_PERSON),
)

RESPONSE_TYPES: tuple[str, ...] = ("click", "visit", "engagement", "conversion")
CONVERSION = "conversion"
MAX_AGE = 120

# Categorical columns and the values they may take (spec-independent domains).
DOMAINS: dict[tuple[str, str], tuple[str, ...]] = {
    ("households", "income_bracket"): S.INCOME_BRACKETS,
    ("households", "state"): states(),
    ("households", "urbanicity"): S.URBANICITY,
    ("individuals", "role"): ROLES,
    ("individuals", "gender"): S.GENDERS,
    ("individuals", "education_level"): S.EDUCATION_LEVELS,
    ("individuals", "employment_status"): S.EMPLOYMENT_STATUSES,
    ("identity_mappings", "identifier_type"): S.IDENTIFIER_TYPES,
    ("identity_mappings", "device_type"): S.DEVICE_TYPES,
    ("identity_mappings", "link_source"): LINK_SOURCES,
    ("identity_mappings", "true_network_type"): NETWORK_TYPES,
    ("identity_mappings", "true_change_reason"): CHANGE_REASONS,
    ("content_catalog", "content_category"): S.CONTENT_CATEGORIES,
    ("content_engagements", "engagement_type"): S.ENGAGEMENT_TYPES,
    ("content_engagements", "device_type"): S.DEVICE_TYPES,
    ("viewership_patterns", "top_category"): S.CONTENT_CATEGORIES,
    ("viewership_patterns", "second_category"): S.CONTENT_CATEGORIES,
    ("viewership_patterns", "preferred_device"): S.DEVICE_TYPES,
    ("audience_attributes", "behavioural_class"): S.BEHAVIOURAL_CLASSES,
    ("audience_attributes", "top_category"): S.CONTENT_CATEGORIES,
    ("audience_attributes", "preferred_device"): S.DEVICE_TYPES,
    ("campaigns", "channel"): S.CHANNELS,
    ("campaigns", "goal"): S.GOALS,
    ("campaign_exposures", "channel"): S.CHANNELS,
    ("campaign_exposures", "device_type"): S.DEVICE_TYPES,
    ("response_events", "response_type"): RESPONSE_TYPES,
    ("outcome_metrics", "attribution_model"): S.ATTRIBUTION_MODELS,
}

# Columns holding probabilities or scores in [0, 1] (besides every *_share column).
UNIT_INTERVAL: frozenset[str] = frozenset(
    {
        "propensity_score",
        "baseline_probability",
        "true_conversion_probability",
        "holdout_fraction",
        "match_confidence",
    }
    | {f"affinity_{c}" for c in S.CONTENT_CATEGORIES}
)

# Numeric columns named like these must not be negative (durations, lengths, costs, money).
NON_NEGATIVE_MARKERS: tuple[str, ...] = (
    "duration",
    "length_seconds",
    "cost",
    "_usd",
    "revenue",
    "budget",
)
