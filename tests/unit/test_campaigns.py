"""The campaigns table: flights inside the window, target segments, planted lift, determinism."""

from __future__ import annotations

from datetime import date

import pytest

from generators.spec import GenerationSpec
from generators.spec.errors import SpecError
from generators.spec.io import parse_spec, parse_spec_text
from generators.tables import campaigns, expected


def spec_with(**campaign_fields) -> GenerationSpec:
    data = GenerationSpec().canonical()
    data["campaigns"].update(campaign_fields)
    return GenerationSpec.model_validate(data)


def test_generated_campaigns_fit_the_window_and_the_spec():
    spec = GenerationSpec()
    rows = campaigns.campaign_rows(spec)
    cfg, window = spec.campaigns, spec.engagement
    assert [r[0] for r in rows] == list(range(1, cfg.count + 1))
    pool = set(spec.audience.segment_names())
    for campaign_id, name, channel, goal, start, end, budget, cpm, segments, *rest in rows:
        cap_day, cap_flight, holdout, lift = rest
        assert window.start_date <= start <= end <= window.end_date
        assert cfg.flight_days.min <= (end - start).days + 1 <= cfg.flight_days.max
        assert cfg.channels[channel] > 0 and cfg.goals[goal] > 0
        assert cpm == cfg.cpm_usd[channel]
        assert cfg.budget_usd.min <= budget <= cfg.budget_usd.max + campaigns.BUDGET_ROUNDING_USD
        assert 1 <= len(segments) <= 2 and len(set(segments)) == len(segments)
        assert set(segments) <= pool
        assert (cap_day, cap_flight, holdout) == (
            cfg.frequency.cap_per_day,
            cfg.frequency.cap_per_flight,
            cfg.holdout_fraction,
        )
        factor = campaigns.GOAL_LIFT_FACTOR[goal] * spec.responses.max_incremental_lift
        assert 0.8 * factor <= lift < 1.2 * factor
        assert name == f"{goal}_{channel}_{campaign_id:03d}"


def test_campaigns_vary_and_depend_only_on_spec_and_seed():
    spec = GenerationSpec()
    rows = campaigns.campaign_rows(spec)
    assert rows == campaigns.campaign_rows(GenerationSpec())
    assert len({r[2] for r in rows}) > 1 and len({r[4] for r in rows}) > 1
    assert len({r[12] for r in rows}) == len(rows)
    reseeded = campaigns.campaign_rows(GenerationSpec(seed=spec.seed + 1))
    assert reseeded != rows


def test_target_pool_restricts_segments():
    spec = spec_with(target_segments=["sports_enthusiasts", "news_junkies"], count=30)
    chosen = {s for row in campaigns.campaign_rows(spec) for s in row[8]}
    assert chosen == {"sports_enthusiasts", "news_junkies"}


def test_explicit_flights_are_used_as_given():
    flights = [
        {
            "name": "spring_ctv",
            "start_date": "2026-02-01",
            "end_date": "2026-02-28",
            "channel": "ctv",
            "budget_usd": 120000,
            "goal": "awareness",
            "target_segments": ["sports_enthusiasts"],
        },
        {
            "name": "search_always_on",
            "start_date": "2026-01-01",
            "end_date": "2026-03-31",
            "channel": "search",
            "budget_usd": 50000,
        },
    ]
    spec = spec_with(count=2, flights=flights)
    first, second = campaigns.campaign_rows(spec)
    assert first[1:8] == (
        "spring_ctv",
        "ctv",
        "awareness",
        date(2026, 2, 1),
        date(2026, 2, 28),
        120000.0,
        spec.campaigns.cpm_usd["ctv"],
    )
    assert first[8] == ["sports_enthusiasts"]
    assert second[8] == spec.audience.segment_names()
    assert second[3] == "conversion"


def test_flight_outside_the_window_is_rejected_by_the_spec():
    text = """
campaigns:
  count: 1
  flights:
    - name: too_late
      start_date: 2026-03-20
      end_date: 2026-04-15
      channel: display
      budget_usd: 10000
"""
    with pytest.raises(SpecError) as raised:
        parse_spec(parse_spec_text(text))
    paths = [p.path for p in raised.value.problems]
    assert "campaigns.flights.0" in paths


def test_flight_length_mean_is_the_average():
    spec = GenerationSpec()
    days = spec.campaigns.flight_days
    lengths = [
        campaigns.flight_length(campaigns.unit(1, "a", i), campaigns.unit(1, "b", i), days)
        for i in range(4000)
    ]
    assert min(lengths) >= days.min and max(lengths) <= days.max
    assert abs(sum(lengths) / len(lengths) - days.average) < 0.5


def test_every_campaign_table_has_an_estimate():
    spec = GenerationSpec()
    for table in (
        "campaigns",
        "campaign_audience",
        "campaign_exposures",
        "response_events",
        "outcome_metrics",
        "campaign_ground_truth",
    ):
        assert expected.estimate(spec).rows[table] > 0
    assert campaigns.expected_rows(spec) == spec.campaigns.count
