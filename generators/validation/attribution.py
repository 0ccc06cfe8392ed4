"""The report's "Attribution against truth" section: how far each attribution model's credit is
from the conversions the campaigns truly caused.

Per campaign and model, the credit is the sum of ``outcome_metrics.attribution_weight`` over
touches (rows with an ``exposure_id``; ``organic`` rows credit no campaign); the truth is
``campaign_ground_truth.true_incremental_conversions``. Per model: the absolute error summed over
campaigns, the signed error, and their split through ``response_events.is_incremental``:
over-credit (weight given to conversions that would have happened anyway) and under-credit
(incremental conversions' weight left organic), so that signed error = over − under + the
difference between the table's incremental count and the truth's (0 when they agree).

One Spark job aggregates outcome_metrics with the conversions' flag; only one row per
(campaign, model) reaches the driver. Informational: the section has no verdict.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from generators.validation.rules import needs

Tables = Mapping[str, DataFrame]
AGREE = 1e-6  # credits closer than this count as equal (weights are rounded doubles)


@dataclass
class ModelError:
    """One attribution model's credit against the truth, summed over campaigns."""

    model: str
    credited: float
    true_incremental: int
    absolute_error: float
    signed_error: float
    over_credit: float
    under_credit: float

    @property
    def relative_error(self) -> float | None:
        return self.absolute_error / self.true_incremental if self.true_incremental else None


@dataclass
class AttributionSection:
    """Per model errors, the per (campaign, model) rows behind them, and whether every model
    credits every campaign alike (true when touch paths never cross campaigns)."""

    models: list[ModelError]
    campaigns: list[dict[str, Any]]
    models_agree: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "models": [asdict(m) | {"relative_error": m.relative_error} for m in self.models],
            "campaigns": self.campaigns,
            "models_agree_per_campaign": self.models_agree,
        }


def attribution_vs_truth(tables: Tables) -> AttributionSection | None:
    """The section, or None when outcome_metrics, response_events or campaign_ground_truth
    (or a column it needs) is absent."""
    if not needs(
        tables,
        {
            "outcome_metrics": (
                "response_id",
                "campaign_id",
                "exposure_id",
                "attribution_model",
                "attribution_weight",
            ),
            "response_events": ("response_id", "response_type", "is_incremental"),
            "campaign_ground_truth": ("campaign_id", "true_incremental_conversions"),
        },
    ):
        return None
    truth = {
        r["campaign_id"]: int(r["true_incremental_conversions"] or 0)
        for r in tables["campaign_ground_truth"]
        .select("campaign_id", "true_incremental_conversions")
        .collect()
    }
    rows = _credit_rows(tables)
    campaigns = [
        {
            "campaign_id": r["campaign_id"],
            "model": r["model"],
            "credited": r["credited"],
            "true_incremental": truth.get(r["campaign_id"], 0),
            "error": r["credited"] - truth.get(r["campaign_id"], 0),
            "over_credit": r["over_credit"],
            "under_credit": r["under_credit"],
        }
        for r in rows
    ]
    models = [_model_error(model, campaigns, truth) for model in _models(campaigns)]
    return AttributionSection(models, campaigns, _agree(campaigns))


def _credit_rows(tables: Tables) -> list[dict[str, Any]]:
    """Per (campaign, model), sorted: credited, over_credit and under_credit weights."""
    flags = (
        tables["response_events"]
        .where(F.col("response_type") == "conversion")
        .select("response_id", F.coalesce("is_incremental", F.lit(False)).alias("incremental"))
    )
    touched = F.col("exposure_id").isNotNull()
    weight = F.col("attribution_weight")
    incremental = F.coalesce(F.col("incremental"), F.lit(False))
    rows = (
        tables["outcome_metrics"]
        .join(flags, "response_id", "left")
        .groupBy("campaign_id", F.col("attribution_model").alias("model"))
        .agg(
            F.sum(F.when(touched, weight).otherwise(0.0)).alias("credited"),
            F.sum(F.when(touched & ~incremental, weight).otherwise(0.0)).alias("over_credit"),
            F.sum(F.when(~touched & incremental, weight).otherwise(0.0)).alias("under_credit"),
        )
        .orderBy("campaign_id", "model")
        .collect()
    )
    return [
        {
            key: (round(value, 6) if isinstance(value, float) else value)
            for key, value in r.asDict().items()
        }
        for r in rows
    ]


def _models(campaigns: list[dict[str, Any]]) -> list[str]:
    return sorted({r["model"] for r in campaigns})


def _model_error(
    model: str, campaigns: list[dict[str, Any]], truth: Mapping[int, int]
) -> ModelError:
    """Sums over every campaign of the truth; a campaign the model never credits counts as 0."""
    mine = {r["campaign_id"]: r for r in campaigns if r["model"] == model}
    errors = [mine[c]["credited"] - truth[c] if c in mine else -truth[c] for c in sorted(truth)] + [
        r["credited"] for c, r in mine.items() if c not in truth
    ]
    return ModelError(
        model=model,
        credited=round(sum(r["credited"] for r in mine.values()), 6),
        true_incremental=sum(truth.values()),
        absolute_error=round(sum(abs(e) for e in errors), 6),
        signed_error=round(sum(errors), 6),
        over_credit=round(sum(r["over_credit"] for r in mine.values()), 6),
        under_credit=round(sum(r["under_credit"] for r in mine.values()), 6),
    )


def _agree(campaigns: list[dict[str, Any]]) -> bool:
    """Every model gives each campaign the same credit."""
    by_campaign: dict[int, list[float]] = {}
    for r in campaigns:
        by_campaign.setdefault(r["campaign_id"], []).append(r["credited"])
    return all(max(v) - min(v) <= AGREE for v in by_campaign.values())
