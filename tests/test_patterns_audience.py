"""viewership_patterns and audience_attributes are derived: recomputing them from the generated
content_engagements and individuals in plain pandas reproduces the tables exactly."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from generators import audience, engagement, patterns
from generators.pipeline import BuildContext
from generators.spec import CONTENT_CATEGORIES, DEVICE_TYPES, INCOME_BRACKETS
from generators.spec_io import parse_spec
from generators.tables import TABLES

SPEC = parse_spec({}, ["households.count=120", "seed=5"])


@pytest.fixture(scope="module")
def generated(spark):
    """Every table up to audience_attributes, built in memory for SPEC."""
    built: dict = {}
    for node in TABLES:
        if (
            node.name in ("campaigns",)
            or node.name.startswith("campaign_")
            or node.name
            in (
                "response_events",
                "outcome_metrics",
            )
        ):
            continue
        ctx = BuildContext(spark, SPEC, lambda name: built[name])
        built[node.name] = node.build(ctx).cache()
    return {name: df.toPandas() for name, df in built.items()}


def _argmax(counts: dict[str, float]) -> str | None:
    best = max(counts.values())
    return next(k for k, v in counts.items() if v == best) if best > 0 else None


def recompute_patterns(events: pd.DataFrame) -> pd.DataFrame:
    days = SPEC.engagement.window_days
    end = pd.Timestamp(SPEC.engagement.end_date) + pd.Timedelta(days=1)
    half_life = SPEC.audience.affinity.recency_half_life_days
    rows = []
    for iid, e in events.groupby("individual_id"):
        ts = pd.to_datetime(e["event_ts"])
        age_days = (end - ts).dt.total_seconds() / 86400.0
        cats = {c: int((e["content_category"] == c).sum()) for c in CONTENT_CATEGORIES}
        ordered = sorted(((n, -i, c) for i, (c, n) in enumerate(cats.items())), reverse=True)
        hours = ts.dt.hour.value_counts()
        row = {
            "individual_id": iid,
            "total_events": len(e),
            "total_views": int((e["engagement_type"] == "view").sum()),
            "active_days": e["event_date"].nunique(),
            "recency_days": (SPEC.engagement.end_date - ts.max().date()).days,
            "events_per_week": len(e) / (days / 7.0),
            "top_category": ordered[0][2],
            "second_category": ordered[1][2] if ordered[1][0] > 0 else None,
            "preferred_device": _argmax({d: (e["device_type"] == d).sum() for d in DEVICE_TYPES}),
            "peak_hour": int(min(h for h, n in hours.items() if n == hours.max())),
            "weekend_share": float(ts.dt.dayofweek.isin([5, 6]).mean()),
        }
        for c in CONTENT_CATEGORIES:
            row[f"events_{c}"] = cats[c]
            row[f"recent_{c}"] = float(
                (0.5 ** (age_days[e["content_category"] == c] / half_life)).sum()
            )
        rows.append(row)
    return pd.DataFrame(rows).set_index("individual_id").sort_index()


def test_patterns_recomputed_from_events(generated):
    table = generated["viewership_patterns"].set_index("individual_id").sort_index()
    expected = recompute_patterns(generated["content_engagements"])
    assert list(table.index) == list(expected.index)
    for column in expected.columns:
        if expected[column].dtype.kind == "f":
            # recency weights are integers on a 2^-30 grid (exact, order-free sums)
            np.testing.assert_allclose(
                table[column], expected[column], rtol=1e-6, atol=1e-6, err_msg=column
            )
        else:
            assert table[column].tolist() == expected[column].tolist(), column


def test_audience_recomputed_from_patterns(generated):
    cfg = SPEC.audience
    people = generated["individuals"].set_index("individual_id")
    pats = generated["viewership_patterns"].set_index("individual_id")
    table = generated["audience_attributes"].set_index("individual_id").sort_index()
    assert set(table.index) == set(people.index)
    classes = cfg.behavioural_classes
    for iid, row in table.iterrows():
        p = pats.loc[iid] if iid in pats.index else None
        total = 0 if p is None else p["total_events"]
        per_week = 0.0 if p is None else p["events_per_week"]
        if total == 0:
            affinities = {c: 0.0 for c in CONTENT_CATEGORIES}
        else:
            recent = sum(p[f"recent_{c}"] for c in CONTENT_CATEGORIES)
            affinities = {
                c: cfg.affinity.frequency_weight * p[f"events_{c}"] / total
                + cfg.affinity.recency_weight * p[f"recent_{c}"] / recent
                for c in CONTENT_CATEGORIES
            }
        for c in CONTENT_CATEGORIES:
            assert row[f"affinity_{c}"] == pytest.approx(affinities[c], rel=1e-9, abs=1e-12)
        if total == 0 or p["recency_days"] >= classes.lapsed_after_days:
            expected_class = "lapsed"
        elif per_week >= classes.heavy_events_per_week:
            expected_class = "heavy"
        elif per_week >= classes.moderate_events_per_week:
            expected_class = "moderate"
        else:
            expected_class = "light"
        assert row["behavioural_class"] == expected_class
        w = cfg.propensity
        recency = 0.0 if p is None else math.exp(-p["recency_days"] / classes.lapsed_after_days)
        income = INCOME_BRACKETS.index(people.loc[iid, "income_bracket"]) / 6
        score = (
            w.intercept
            + w.frequency_weight * math.log1p(per_week) / math.log1p(classes.heavy_events_per_week)
            + w.recency_weight * recency
            + w.affinity_weight * max(affinities.values())
            + w.income_weight * income
        )
        assert row["propensity_score"] == pytest.approx(1 / (1 + math.exp(-score)), rel=1e-9)
        assert row["value_estimate_usd"] == pytest.approx(
            row["propensity_score"] * cfg.value_per_conversion_usd, rel=1e-12
        )


def test_segments_follow_the_rules_in_order(generated):
    table = generated["audience_attributes"].merge(
        generated["individuals"][["individual_id", "age", "income_bracket"]], on="individual_id"
    )
    segments = set(table["segment"])
    assert segments <= set(SPEC.audience.segment_names())
    assert len(segments) >= 3
    sports = table[table["segment"] == "sports_enthusiasts"]
    assert (sports["top_category"] == "sports").all()
    affluent = table[table["segment"] == "affluent_families"]
    assert affluent["age"].between(30, 54).all()
    assert affluent["income_bracket"].isin(["100k_150k", "150k_200k", "200k_plus"]).all()
    assert not (affluent["top_category"].isin(["sports", "news"])).any()


def test_expected_rows_close_to_actual(generated):
    people = len(generated["individuals"])
    assert len(generated["audience_attributes"]) == people
    assert patterns.expected_rows(SPEC) == pytest.approx(
        len(generated["viewership_patterns"]), rel=0.25
    )
    assert audience.expected_rows(SPEC) == pytest.approx(people, rel=0.25)
    assert engagement.expected_rows(SPEC) > 0
