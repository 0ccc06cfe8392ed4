"""Campaign checks: the exposure rules and the ground truth's agreement with the tables (hard);
reach, frequency, conversion rates and the planted lift (statistical).

Groups per campaign (treated = people with a delivered exposure, co-exposures excluded; holdout
and eligibility from ``campaign_audience``; a conversion is a ``response_type = 'conversion'``
row) and the exposure rules' violations are counted in one Spark job (``campaign_pairs``); only
one small row per campaign reaches the driver. Targets: the spec
(reach, frequency truncated by each campaign's caps) and ``campaign_ground_truth`` (expected
conversion rates and the true lift). Checks whose inputs are absent are skipped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from generators.spec import GenerationSpec
from generators.validation import campaign_pairs
from generators.validation.measures import allowed_misses, rate_difference_ci
from generators.validation.model import Check, hard, share_stat, stat

FREQUENCY_TOLERANCE = 0.10
Z_LIMIT = 3.29  # two-sided 99.9%

Tables = Mapping[str, DataFrame]


def campaign_checks(tables: Tables, spec: GenerationSpec) -> list[Check]:
    """The exposure rules (hard), then, with campaign_audience, the campaign statistics."""
    if not campaign_pairs.available(tables):
        return []
    rows = campaign_pairs.campaign_rows(tables, spec)
    checks = campaign_pairs.exposure_checks(rows, tables, spec)
    if "campaign_audience" not in tables:
        return checks
    checks += [_reach_check(rows, spec), _frequency_check(rows, tables["campaigns"], spec)]
    truth = tables.get("campaign_ground_truth")
    if truth is not None and "response_events" in tables:
        expected = {r["campaign_id"]: r.asDict() for r in truth.collect()}
        checks.append(_truth_agrees(rows, expected))
        checks += _conversion_checks(rows, expected)
        checks.append(_lift_check(rows, expected))
    return checks


# campaign_ground_truth column → the count recomputed from the tables
TRUTH_COUNTS = {
    "eligible": "eligible",
    "holdout_size": "holdout",
    "reached": "reached",
    "delivered_exposures": "delivered",
    "exposed_conversions": "treated_conversions",
    "holdout_conversions": "holdout_conversions",
}


def _truth_agrees(rows: list[dict[str, Any]], truth: Mapping[int, Mapping[str, Any]]) -> Check:
    """Hard: the truth's group counts equal those recomputed from the tables, per campaign."""
    counted = {r["campaign_id"]: r for r in rows}
    wrong = []
    for campaign_id in sorted(set(truth) | set(counted)):
        mine, theirs = counted.get(campaign_id, {}), truth.get(campaign_id, {})
        differs = [
            column
            for column, ours in TRUTH_COUNTS.items()
            if column in theirs and (theirs[column] or 0) != mine.get(ours, 0)
        ]
        if differs:
            wrong.append({"campaign_id": campaign_id, "columns": differs})
    return hard(
        "truth:campaign_ground_truth",
        "campaign_ground_truth",
        "the truth's eligible, holdout, reached, exposure and conversion counts match the tables",
        len(wrong),
        wrong,
    )


def _reach_check(rows: list[dict[str, Any]], spec: GenerationSpec) -> Check:
    target = spec.campaigns.reach
    exposable = sum(r["eligible"] - r["holdout"] for r in rows)
    reached = sum(r["reached"] for r in rows)
    per_campaign = [
        {
            "campaign_id": r["campaign_id"],
            "reach": r["reached"] / max(r["eligible"] - r["holdout"], 1),
            "frequency": r["delivered"] / max(r["reached"], 1),
        }
        for r in rows
    ]
    return share_stat(
        "reach:campaign_exposures",
        "campaign_exposures",
        "share of eligible, non-holdout people reached (pooled over campaigns)",
        target=target,
        hits=reached,
        n=exposable,
        unit="eligible pairs",
        data={"campaigns": per_campaign, "target_reach": target},
    )


def _frequency_check(
    rows: list[dict[str, Any]], campaigns: DataFrame, spec: GenerationSpec
) -> Check:
    """Mean delivered exposures per reached person vs the configured mean truncated by each
    campaign's cap (min of the flight cap and daily cap × flight days)."""
    caps = {
        r["campaign_id"]: min(r["frequency_cap_per_flight"], r["frequency_cap_per_day"] * r["days"])
        for r in campaigns.select(
            "campaign_id",
            "frequency_cap_per_flight",
            "frequency_cap_per_day",
            (F.datediff("end_date", "start_date") + 1).alias("days"),
        ).collect()
    }
    mean = spec.campaigns.frequency.mean
    stay = 1 - 1 / mean

    def truncated(cap: int) -> float:
        return mean * (1 - stay**cap) if mean > 1 else 1.0

    reached = sum(r["reached"] for r in rows)
    target = (
        sum(r["reached"] * truncated(caps.get(r["campaign_id"], 1)) for r in rows) / reached
        if reached
        else mean
    )
    observed = sum(r["delivered"] for r in rows) / reached if reached else 0.0
    # a geometric count has variance mean·(mean − 1): allow three standard errors of the mean
    noise = 3 * math.sqrt(mean * max(mean - 1, 0) / reached) / target if reached else 0.0
    tolerance = max(FREQUENCY_TOLERANCE, noise)
    return stat(
        "frequency:campaign_exposures",
        "campaign_exposures",
        "mean delivered exposures per reached person (configured mean truncated by the caps)",
        within=reached > 0 and abs(observed / target - 1) <= tolerance,
        target=round(target, 4),
        observed=round(observed, 4),
        statistic=f"relative difference {observed / target - 1:+.3f} over {reached:,} reached",
        tolerance=f"|relative difference| <= {tolerance:.3f}",
    )


def _conversion_checks(
    rows: list[dict[str, Any]], truth: Mapping[int, Mapping[str, Any]]
) -> list[Check]:
    checks = []
    for group, size, hits, rate in (
        ("treated", "reached", "treated_conversions", "treated_expected_rate"),
        ("holdout", "holdout", "holdout_conversions", "holdout_expected_rate"),
    ):
        n = sum(r[size] for r in rows)
        expected_hits = sum(
            r[size] * (truth.get(r["campaign_id"], {}).get(rate) or 0.0) for r in rows
        )
        observed_hits = sum(r[hits] for r in rows)
        expected = expected_hits / n if n else 0.0
        observed = observed_hits / n if n else 0.0
        spread = math.sqrt(expected * (1 - expected) / n) if n else 0.0
        z = (observed - expected) / spread if spread else 0.0
        checks.append(
            stat(
                f"conversion:{group}",
                "response_events",
                f"conversion rate of {group} people vs the mean true probability "
                "(campaign_ground_truth)",
                within=n > 0 and abs(z) <= Z_LIMIT,
                target=round(expected, 6),
                observed=round(observed, 6),
                statistic=f"z {z:+.2f} over n={n:,}",
                tolerance=f"|z| <= {Z_LIMIT}",
            )
        )
    return checks


def _lift_check(rows: list[dict[str, Any]], truth: Mapping[int, Mapping[str, Any]]) -> Check:
    """Per campaign: treated − holdout conversion rate with a 95% CI, covering the true lift?"""
    per_campaign = []
    for r in rows:
        planted = truth.get(r["campaign_id"], {})
        true_lift = planted.get("true_lift")
        if true_lift is None or not r["reached"] or not r["holdout"]:
            continue
        diff, low, high = rate_difference_ci(
            r["treated_conversions"], r["reached"], r["holdout_conversions"], r["holdout"]
        )
        per_campaign.append(
            {
                "campaign_id": r["campaign_id"],
                "planted_lift": planted.get("planted_lift") or 0.0,
                "true_lift": true_lift,
                "observed_lift": diff,
                "ci_low": low,
                "ci_high": high,
                "covered": low <= true_lift <= high,
            }
        )
    misses = sum(not c["covered"] for c in per_campaign)
    allowed = allowed_misses(len(per_campaign))
    return stat(
        "lift:campaign_ground_truth",
        "campaign_ground_truth",
        "planted lift recovered: treated − holdout conversion rate, 95% CI per campaign",
        within=bool(per_campaign) and misses <= allowed,
        target="true_lift inside each 95% CI",
        observed=f"{len(per_campaign) - misses}/{len(per_campaign)} campaigns covered",
        statistic=f"{misses} CI misses",
        tolerance=f"misses <= {allowed} (binomial 99.9% bound at 5% per campaign)",
        data={"campaigns": per_campaign},
    )
