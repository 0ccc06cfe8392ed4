"""campaign_ground_truth: the planted causal truth, one row per campaign.

Aggregated from ``campaign_audience`` with the conversion draws of ``responses.conversion_outcome``
(the same pure functions that write ``response_events``), so counts match that table exactly.
Probabilities and revenue are summed exactly in fixed point (longs): the table does not depend on
partitioning.

Definitions (treated = reached people; every rate is per person over the flight):
- ``true_lift`` = mean over treated of (true_conversion_probability − baseline_probability): the
  expected effect of the campaign on the people it reached (ATT).
- ``naive_lift`` = observed conversion rate of treated − that of the holdout, with a normal 95%
  confidence interval. Holdout and reach are randomised, so ``naive_lift`` estimates ``true_lift``
  without bias and its interval covers it about 95% of the time.
- ``true_incremental_conversions`` / ``_revenue_usd``: conversions with ``is_incremental``.
Every campaign has a row; counts are 0 and rates null where a group is empty.
"""

from __future__ import annotations

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from generators.spec import GenerationSpec
from generators.spec.window import campaign_total
from generators.synth.exact import count_where, exact_mean, exact_money
from generators.tables.node import BuildContext
from generators.tables.response_events import conversion_outcome

Z_95 = 1.959963984540054
COUNTED = ("eligible", "targeted", "_size", "reached", "_exposures", "_conversions", "_usd")

COLUMNS = {
    "campaign_id": "The campaign.",
    "planted_lift": "The campaign's true maximal incremental conversion probability.",
    "eligible": "Eligible people (targeted plus off-target spill).",
    "targeted": "Eligible people in the campaign's target segments.",
    "holdout_size": "Eligible people held out (never exposed).",
    "reached": "People delivered at least one exposure (the treated group).",
    "delivered_exposures": "Delivered exposures (co-exposures not counted).",
    "exposed_conversions": "Conversions of reached people.",
    "holdout_conversions": "Conversions of held-out people.",
    "true_incremental_conversions": "Conversions caused by the campaign (is_incremental).",
    "true_incremental_revenue_usd": "Revenue of the incremental conversions.",
    "treated_expected_rate": "Mean true conversion probability of reached people.",
    "treated_counterfactual_rate": "Mean baseline probability of reached people (no ads).",
    "holdout_expected_rate": "Mean baseline probability of held-out people.",
    "true_lift": "treated_expected_rate − treated_counterfactual_rate (expected ATT).",
    "naive_lift": "Observed conversion rate of reached minus holdout people.",
    "naive_lift_ci_low": "Lower end of the naive estimate's 95% confidence interval.",
    "naive_lift_ci_high": "Upper end of the naive estimate's 95% confidence interval.",
}


def truth_frame(audience: DataFrame, campaigns: DataFrame, spec: GenerationSpec) -> DataFrame:
    """campaign_ground_truth from campaign_audience rows and the campaigns table."""
    treated, holdout = F.col("is_reached"), F.col("is_holdout")
    converted, incremental = F.col("converted"), F.col("is_incremental")
    p, b = F.col("true_conversion_probability"), F.col("baseline_probability")
    per_campaign = (
        conversion_outcome(audience, spec)
        .groupBy("campaign_id")
        .agg(
            F.count(F.lit(1)).alias("eligible"),
            count_where(F.col("is_targeted")).alias("targeted"),
            count_where(holdout).alias("holdout_size"),
            count_where(treated).alias("reached"),
            F.sum(F.col("exposures").cast("long")).alias("delivered_exposures"),
            count_where(treated & converted).alias("exposed_conversions"),
            count_where(holdout & converted).alias("holdout_conversions"),
            count_where(incremental).alias("true_incremental_conversions"),
            exact_money(F.col("revenue_usd"), incremental).alias("true_incremental_revenue_usd"),
            exact_mean(p, treated).alias("treated_expected_rate"),
            exact_mean(b, treated).alias("treated_counterfactual_rate"),
            exact_mean(b, holdout).alias("holdout_expected_rate"),
        )
    )
    treated_rate = F.try_divide(F.col("exposed_conversions"), F.col("reached"))
    holdout_rate = F.try_divide(F.col("holdout_conversions"), F.col("holdout_size"))
    spread = F.lit(Z_95) * F.sqrt(
        treated_rate * (F.lit(1) - treated_rate) / F.col("reached")
        + holdout_rate * (F.lit(1) - holdout_rate) / F.col("holdout_size")
    )
    counts = [c for c in COLUMNS if c in per_campaign.columns and c.endswith(COUNTED)]
    return (
        campaigns.select("campaign_id", "planted_lift")
        .join(per_campaign, "campaign_id", "left")
        .fillna(0, subset=counts)
        .withColumn(
            "true_lift", F.col("treated_expected_rate") - F.col("treated_counterfactual_rate")
        )
        .withColumn("naive_lift", treated_rate - holdout_rate)
        .withColumn("naive_lift_ci_low", F.col("naive_lift") - spread)
        .withColumn("naive_lift_ci_high", F.col("naive_lift") + spread)
        .select(*COLUMNS)
    )


def build(ctx: BuildContext) -> DataFrame:
    """TableNode builder."""
    return truth_frame(ctx.upstream("campaign_audience"), ctx.upstream("campaigns"), ctx.spec)


def expected_rows(spec: GenerationSpec) -> float:
    return float(campaign_total(spec))
