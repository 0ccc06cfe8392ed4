"""The report's "Attribution against truth" section on hand-made tables whose errors are known:
credit per campaign and model, errors summed over campaigns, over- and under-credit, whether the
models agree, and the section in report.md and report.json."""

from __future__ import annotations

import json

import pytest
from pyspark.sql import DataFrame, SparkSession

from generators.validation.attribution import attribution_vs_truth
from generators.validation.model import Report
from generators.validation.report import render_markdown, to_json

OUTCOMES = "response_id long, campaign_id long, exposure_id long, attribution_model string, attribution_weight double"
RESPONSES = "response_id long, response_type string, is_incremental boolean"
TRUTH = "campaign_id long, true_incremental_conversions long"

# Conversions: 1 (campaign 1, two touches, incremental), 2 (campaign 1, one touch, would have
# happened anyway), 3 (campaign 2, organic, incremental), 4 (campaign 2, organic, anyway).
PATHS = {
    "first_touch": [
        (1, 1, 10, 1.0),
        (1, 1, 11, 0.0),
        (2, 1, 20, 1.0),
        (3, 2, None, 1.0),
        (4, 2, None, 1.0),
    ],
    "linear": [
        (1, 1, 10, 0.5),
        (1, 1, 11, 0.5),
        (2, 1, 20, 1.0),
        (3, 2, None, 1.0),
        (4, 2, None, 1.0),
    ],
}
FLAGS = [
    (1, "conversion", True),
    (2, "conversion", False),
    (3, "conversion", True),
    (4, "conversion", False),
    (5, "click", None),
]
# Campaign 3 caused two conversions that no table row shows.
TRUE_INCREMENTAL = [(1, 1), (2, 1), (3, 2)]


def tables(spark: SparkSession, paths: dict[str, list[tuple]]) -> dict[str, DataFrame]:
    rows = [(r, c, e, model, w) for model, touches in paths.items() for r, c, e, w in touches]
    return {
        "outcome_metrics": spark.createDataFrame(rows, OUTCOMES),
        "response_events": spark.createDataFrame(FLAGS, RESPONSES),
        "campaign_ground_truth": spark.createDataFrame(TRUE_INCREMENTAL, TRUTH),
    }


@pytest.fixture(scope="module")
def section(spark):
    return attribution_vs_truth(tables(spark, PATHS))


def test_credit_and_errors_per_campaign_and_model(section):
    rows = {(r["campaign_id"], r["model"]): r for r in section.campaigns}
    assert rows[(1, "linear")]["credited"] == pytest.approx(2.0)
    assert rows[(1, "linear")]["error"] == pytest.approx(1.0)
    assert rows[(2, "first_touch")]["credited"] == pytest.approx(0.0)
    assert rows[(2, "first_touch")]["error"] == pytest.approx(-1.0)
    assert rows[(1, "first_touch")]["over_credit"] == pytest.approx(1.0)
    assert rows[(2, "linear")]["under_credit"] == pytest.approx(1.0)


def test_errors_are_summed_over_every_campaign_of_the_truth(section):
    by_model = {m.model: m for m in section.models}
    assert sorted(by_model) == ["first_touch", "linear"]
    for model in by_model.values():
        # campaign 1: +1, campaign 2: -1, campaign 3 (never credited): -2
        assert model.credited == pytest.approx(2.0)
        assert model.true_incremental == 4
        assert model.absolute_error == pytest.approx(4.0)
        assert model.signed_error == pytest.approx(-2.0)
        assert model.relative_error == pytest.approx(1.0)
        assert model.over_credit == pytest.approx(1.0)
        assert model.under_credit == pytest.approx(1.0)
        # signed error = over - under + (incremental conversions in the tables - truth)
        assert model.signed_error == pytest.approx(model.over_credit - model.under_credit + 2 - 4)
    assert section.models_agree


def test_a_model_that_credits_a_campaign_differently_is_told_apart(spark):
    paths = dict(PATHS)
    # last_touch leaves conversion 2 organic: campaign 1 gets 1 instead of 2.
    paths["last_touch"] = [(1, 1, 11, 1.0), (2, 1, None, 1.0), (3, 2, None, 1.0), (4, 2, None, 1.0)]
    section = attribution_vs_truth(tables(spark, paths))
    assert not section.models_agree
    last = next(m for m in section.models if m.model == "last_touch")
    assert last.absolute_error == pytest.approx(0.0 + 1.0 + 2.0)
    assert last.over_credit == pytest.approx(0.0)


def test_absent_tables_or_columns_give_no_section(spark):
    full = tables(spark, PATHS)
    assert attribution_vs_truth({k: v for k, v in full.items() if k != "response_events"}) is None
    thin = dict(
        full,
        campaign_ground_truth=full["campaign_ground_truth"].drop("true_incremental_conversions"),
    )
    assert attribution_vs_truth(thin) is None


def report(section) -> Report:
    return Report("c", "s", "r1", "f" * 64, "given", {}, [], attribution=section)


def test_markdown_and_json_carry_the_section(section):
    markdown = render_markdown(report(section), [])
    assert "## Attribution against truth" in markdown
    assert "| linear | 2.0 | 4 | 4.0 | 100.0% | -2.0 | 1.0 | 1.0 |" in markdown
    assert "Every model gives each campaign the same credit" in markdown
    data = json.loads(to_json(report(section)))["attribution_vs_truth"]
    assert [m["model"] for m in data["models"]] == ["first_touch", "linear"]
    assert data["models"][0]["absolute_error"] == pytest.approx(4.0)
    assert data["models_agree_per_campaign"] is True
    assert len(data["campaigns"]) == 4


def test_a_report_without_the_tables_has_no_section():
    assert "Attribution against truth" not in render_markdown(report(None), [])
    assert json.loads(to_json(report(None)))["attribution_vs_truth"] is None
