"""Hard checks across tables: household sizes, derived tables, responses after their exposures,
and attribution (the exposure windows, caps and holdout are ``campaign_pairs``').

Each function takes the present tables and the spec and returns its checks, or none when a table
or column it needs is absent. Every check is one Spark query plus samples when it fails.
"""

from __future__ import annotations

from collections.abc import Callable

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F

from generators.spec import GenerationSpec
from generators.validation import contract as C
from generators.validation.model import Check
from generators.validation.rules import RowRule, Tables, counted, needs, referenced, row_checks

WEIGHT_TOLERANCE = 1e-6
PAIR = ("individual_id", "campaign_id")


def _household_members(tables: Tables, spec: GenerationSpec) -> list[Check]:
    if not needs(
        tables,
        {"households": ("household_id", "household_size"), "individuals": ("household_id",)},
    ):
        return []
    members = tables["individuals"].groupBy("household_id").agg(F.count("*").alias("_members"))
    joined = (
        tables["households"]
        .select("household_id", "household_size")
        .join(members, "household_id", "left")
    )
    empty = F.col("_members").isNull()
    wrong = F.coalesce(F.col("_members"), F.lit(0)) != F.col("household_size")
    return row_checks(
        "households",
        joined,
        ["household_id"],
        [
            RowRule("members:households", "no household without individuals", empty),
            RowRule(
                "size:households.household_size",
                "household_size equals the number of individuals with that household_id",
                wrong,
            ),
        ],
    )


def _derived(tables: Tables, spec: GenerationSpec) -> list[Check]:
    """Derived tables agree with what they derive from: viewership_patterns.total_events is the
    individual's number of events (a row for everyone with events, none for anyone else), and
    every individual has audience attributes."""
    checks = []
    if needs(
        tables,
        {
            "content_engagements": ("individual_id",),
            "viewership_patterns": ("individual_id", "total_events"),
        },
    ):
        per_person = (
            tables["content_engagements"]
            .groupBy("individual_id")
            .agg(F.count("*").alias("_events"))
        )
        joined = (
            tables["viewership_patterns"]
            .select("individual_id", "total_events")
            .join(per_person, "individual_id", "full")
        )
        checks += row_checks(
            "viewership_patterns",
            joined,
            ["individual_id"],
            [
                RowRule(
                    "derived:viewership_patterns.total_events",
                    "total_events equals the individual's content_engagements rows",
                    ~F.col("total_events").eqNullSafe(F.col("_events")),
                    ("total_events", "_events"),
                )
            ],
        )
    if needs(
        tables, {"individuals": ("individual_id",), "audience_attributes": ("individual_id",)}
    ):
        missing = (
            tables["individuals"]
            .select("individual_id")
            .join(
                tables["audience_attributes"].select("individual_id"), "individual_id", "left_anti"
            )
        )
        checks.append(
            counted(
                "coverage:audience_attributes",
                "audience_attributes",
                "every individual has an audience_attributes row",
                missing,
            )
        )
    return checks


def _response_exposure(tables: Tables, spec: GenerationSpec) -> list[Check]:
    columns = ("exposure_id", "individual_id", "campaign_id")
    if not needs(
        tables,
        {
            "response_events": ("response_id", *columns, "response_ts"),
            "campaign_exposures": (*columns, "exposure_ts"),
        },
    ):
        return []
    joined = (
        tables["response_events"]
        .where(F.col("exposure_id").isNotNull())
        .join(_exposures_as_touch(tables, "response_events", spec), "exposure_id")
    )
    return row_checks(
        "response_events",
        joined,
        ["response_id"],
        [
            RowRule(
                "consistent:response_events.exposure_id",
                "a response's exposure has the same individual and campaign",
                _other_touch(),
            ),
            RowRule(
                "order:response_events.response_ts>=exposure_ts",
                "response_ts >= the exposure_ts of its exposure",
                F.col("response_ts") < F.col("_touch_ts"),
            ),
        ],
    )


def _attribution(tables: Tables, spec: GenerationSpec) -> list[Check]:
    """Weights sum to 1 per (response, model); every conversion is attributed by every
    configured model; only conversions are attributed; touches precede their conversion."""
    if not needs(
        tables,
        {
            "outcome_metrics": (
                "outcome_id",
                "response_id",
                "attribution_model",
                "attribution_weight",
            ),
            "response_events": ("response_id", "response_type", "response_ts"),
        },
    ):
        return []
    outcomes, responses = tables["outcome_metrics"], tables["response_events"]
    sums = outcomes.groupBy("response_id", "attribution_model").agg(
        F.sum("attribution_weight").alias("_total")
    )
    models = F.array(*(F.lit(m) for m in spec.responses.attribution.models))
    wanted = responses.where(F.col("response_type") == C.CONVERSION).select(
        "response_id", F.explode(models).alias("attribution_model")
    )
    kinds = responses.select("response_id", "response_type", F.col("response_ts").alias("_at"))
    attributed = outcomes.join(kinds, "response_id")
    checks = row_checks(
        "outcome_metrics",
        wanted.join(sums, ["response_id", "attribution_model"], "full"),
        ["response_id", "attribution_model"],
        [
            RowRule(
                "sum:outcome_metrics.attribution_weight",
                f"attribution_weight sums to 1 (±{WEIGHT_TOLERANCE:g}) per conversion and "
                "configured attribution model",
                F.abs(F.coalesce(F.col("_total"), F.lit(0.0)) - F.lit(1.0))
                > F.lit(WEIGHT_TOLERANCE),
            )
        ],
    )
    checks += row_checks(
        "outcome_metrics",
        attributed,
        ["outcome_id"],
        [
            RowRule(
                "conversion:outcome_metrics.response_id",
                "outcome rows attribute conversions only",
                F.col("response_type") != C.CONVERSION,
            )
        ],
    )
    if needs(
        tables,
        {
            "outcome_metrics": ("exposure_id", *PAIR),
            "campaign_exposures": ("exposure_id", *PAIR, "exposure_ts"),
        },
    ):
        touched = attributed.where(F.col("exposure_id").isNotNull()).join(
            _exposures_as_touch(tables, "outcome_metrics", spec), "exposure_id"
        )
        checks += row_checks(
            "outcome_metrics",
            touched,
            ["outcome_id"],
            [
                RowRule(
                    "consistent:outcome_metrics.exposure_id",
                    "a credited touch is an exposure of the same individual and campaign",
                    _other_touch(),
                ),
                RowRule(
                    "order:outcome_metrics.touch<=conversion",
                    "a credited touch happens no later than the conversion",
                    F.col("_touch_ts") > F.col("_at"),
                ),
            ],
        )
    return checks


def _exposures_as_touch(tables: Tables, child: str, spec: GenerationSpec) -> DataFrame:
    """The exposures ``child`` refers to, as touches (``referenced``)."""
    exposures = referenced(
        tables["campaign_exposures"],
        "exposure_id",
        tables[child],
        "exposure_id",
        spec,
        (child, "campaign_exposures"),
    )
    return exposures.select(
        "exposure_id",
        F.col("individual_id").alias("_touch_individual"),
        F.col("campaign_id").alias("_touch_campaign"),
        F.col("exposure_ts").alias("_touch_ts"),
    )


def _other_touch() -> Column:
    return (F.col("individual_id") != F.col("_touch_individual")) | (
        F.col("campaign_id") != F.col("_touch_campaign")
    )


CROSS_CHECKS: tuple[Callable[[Tables, GenerationSpec], list[Check]], ...] = (
    _household_members,
    _derived,
    _response_exposure,
    _attribution,
)
