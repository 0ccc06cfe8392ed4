"""GenerationSpec: defaults, invalid inputs located at the right field, round trips, fingerprints."""

from __future__ import annotations

import json

import pytest
import yaml

from generators.spec import GenerationSpec
from generators.spec.errors import SpecError
from generators.spec.io import parse_spec, parse_spec_text, spec_to_json, spec_to_yaml


def problems(*overrides: str, data: dict | None = None) -> list[str]:
    with pytest.raises(SpecError) as caught:
        parse_spec(data or {}, overrides)
    return [str(p) for p in caught.value.problems]


def test_default_spec_is_valid_and_realistic():
    spec = GenerationSpec()
    assert spec.output.catalog == "bryan_li"
    assert spec.output.schema_name == "synthetic_identity"
    assert spec.engagement.window_days == 90
    assert spec.engagement.events_per_individual.mean >= 25
    assert spec.campaigns.count >= 10
    assert spec.campaigns.frequency.mean >= 3
    assert 2.3 < spec.households.size.average < 2.7
    assert len(spec.households.states) == 51


# (override, the dotted field the message must name)
INVALID = [
    ("seed=-1", "seed:"),
    ("seed=abc", "seed:"),
    ("households.count=0", "households.count:"),
    ("households.count=2000000000", "households.count:"),
    ("households.count=12.5", "households.count:"),
    ("households.colour=red", "households.colour:"),
    ("households.size.min=5", "households.size.average:"),
    ("households.size.max=20", "households.size.max:"),
    ("households.size.min=0", "households.size.min:"),
    ("households.size.average=1", "households.size.average:"),
    ("households.states={TX: 0.5, FL: 0.3}", "households.states:"),
    ("households.states={TX: 0.7, XX: 0.3}", "households.states:"),
    ("households.states={TX: 1.2, FL: -0.2}", "households.states:"),
    ("households.income_brackets={rich: 1.0}", "households.income_brackets:"),
    ("households.urbanicity={urban: 0.5, suburban: 0.6}", "households.urbanicity:"),
    ("demographics.householder_age={'10-17': 1.0}", "demographics.householder_age:"),
    ("demographics.gender={female: 0.6, male: 0.6}", "demographics.gender:"),
    ("demographics.education={phd: 1.0}", "demographics.education:"),
    ("demographics.employment={employed: 0.5}", "demographics.employment:"),
    (
        "demographics.identity.identifier_types={cookie: 1.5}",
        "demographics.identity.identifier_types:",
    ),
    (
        "demographics.identity.identifier_types={fax: 0.5}",
        "demographics.identity.identifier_types:",
    ),
    ("demographics.identity.cookie_lifetime_days=0", "demographics.identity.cookie_lifetime_days:"),
    (
        "demographics.identity.devices_per_person.min=9",
        "demographics.identity.devices_per_person.min:",
    ),
    ("engagement.end_date=2025-12-01", "engagement.end_date:"),
    ("engagement.start_date=not-a-date", "engagement.start_date:"),
    (
        "engagement.events_per_individual.distribution=gamma",
        "engagement.events_per_individual.distribution:",
    ),
    ("engagement.events_per_individual.alpha=1.5", "engagement.events_per_individual.alpha:"),
    ("engagement.events_per_individual.mean=6000", "engagement.events_per_individual.mean:"),
    (
        "engagement.events_per_individual.inactive_share=1",
        "engagement.events_per_individual.inactive_share:",
    ),
    ("engagement.content.catalog_size=0", "engagement.content.catalog_size:"),
    ("engagement.engagement_types={click: 1.0}", "engagement.engagement_types:"),
    ("engagement.devices={ctv: 0.5, vr: 0.5}", "engagement.devices:"),
    ("engagement.seasonality.hour_of_day=[1, 2, 3]", "engagement.seasonality.hour_of_day:"),
    (
        "engagement.seasonality.day_of_week=[0, 0, 0, 0, 0, 0, 0]",
        "engagement.seasonality.day_of_week:",
    ),
    ("audience.affinity.frequency_weight=0.9", "audience.affinity.recency_weight:"),
    (
        "audience.behavioural_classes.moderate_events_per_week=10",
        "audience.behavioural_classes.moderate_events_per_week:",
    ),
    ("audience.segments.0.name=sports fans", "audience.segments.0.name:"),
    ("audience.segments.0.top_categories=[knitting]", "audience.segments.0.top_categories:"),
    ("audience.segments.1.name=sports_enthusiasts", "audience.segments:"),
    ("audience.segments.2.min_age=60", "audience.segments.2.max_age:"),
    ("campaigns.count=0", "campaigns.count:"),
    ("campaigns.target_segments=[golfers]", "campaigns.target_segments:"),
    ("campaigns.flight_days.max=120", "campaigns.flight_days.max:"),
    ("campaigns.channels={radio: 1.0}", "campaigns.channels:"),
    ("campaigns.holdout_fraction=1", "campaigns.holdout_fraction:"),
    ("campaigns.reach=0", "campaigns.reach:"),
    ("campaigns.frequency.mean=50", "campaigns.frequency.mean:"),
    ("campaigns.frequency.cap_per_day=0", "campaigns.frequency.cap_per_day:"),
    ("campaigns.cpm_usd={ctv: 30}", "campaigns.cpm_usd:"),
    ("responses.baseline_conversion_rate=1.5", "responses.baseline_conversion_rate:"),
    ("responses.attribution.models=[last_click]", "responses.attribution.models:"),
    (
        "responses.attribution.position_based_first=0.8",
        "responses.attribution.position_based_last:",
    ),
    ("responses.lag.max_days=0", "responses.lag.max_days:"),
    ("output.catalog=main; DROP TABLE x", "output.catalog:"),
    ("output.schema=`bad`", "output.schema:"),
    ("output.schema=my-schema", "output.schema:"),
    ("output.mode=upsert", "output.mode:"),
]


@pytest.mark.parametrize(("override", "field"), INVALID, ids=[i[0][:40] for i in INVALID])
def test_invalid_input_names_the_field(override: str, field: str):
    lines = problems(override)
    assert any(line.startswith(field) for line in lines), lines
    assert all(": " in line and "Traceback" not in line for line in lines)


def test_at_least_thirty_distinct_invalid_fields():
    assert len({field for _, field in INVALID}) >= 30


def test_cross_rule_impossible_demographics_explained():
    lines = problems("demographics.householder_age={'18-24': 1.0}")
    joined = "\n".join(lines)
    assert "demographics.education.doctorate:" in joined and "26" in joined
    assert "demographics.employment.retired:" in joined


def test_explicit_flight_outside_window_rejected():
    flight = {
        "name": "summer",
        "start_date": "2026-06-01",
        "end_date": "2026-06-20",
        "channel": "ctv",
        "budget_usd": 1000,
    }
    lines = problems(data={"campaigns": {"count": 1, "flights": [flight]}})
    assert any(line.startswith("campaigns.flights.0:") and "outside" in line for line in lines)


def test_flights_count_must_match():
    flight = {
        "name": "spring",
        "start_date": "2026-02-01",
        "end_date": "2026-02-20",
        "channel": "email",
        "budget_usd": 1000,
    }
    lines = problems(data={"campaigns": {"count": 3, "flights": [flight]}})
    assert any(
        line.startswith("campaigns.count:") and "set campaigns.count to 1" in line for line in lines
    )


def test_frequency_cap_cannot_deliver_mean():
    lines = problems(
        "campaigns.frequency.cap_per_day=1",
        "campaigns.flight_days.min=2",
        "campaigns.flight_days.average=10",
    )
    assert any(line.startswith("campaigns.frequency.cap_per_day:") for line in lines)


def test_segment_that_can_never_match():
    lines = problems("engagement.content.categories={news: 0.5, drama: 0.5}")
    assert any(line.startswith("audience.segments.0.top_categories:") for line in lines)


def test_unknown_field_suggests_the_right_name():
    (line,) = problems("households.cout=5")
    assert "did you mean 'count'" in line


def test_partial_sections_fill_defaults_and_overrides_apply():
    spec = parse_spec({"households": {"count": 500}}, ["seed=7", "campaigns.count=11"])
    assert spec.households.count == 500 and spec.seed == 7 and spec.campaigns.count == 11
    assert spec.households.size == GenerationSpec().households.size


def test_yaml_and_json_round_trip_preserve_fingerprint():
    spec = parse_spec({}, ["households.count=1234", "seed=9"])
    from_yaml = parse_spec(yaml.safe_load(spec_to_yaml(spec)))
    from_json = parse_spec(json.loads(spec_to_json(spec)))
    assert from_yaml == spec == from_json
    assert from_yaml.fingerprint() == spec.fingerprint() == from_json.fingerprint()
    assert spec_to_yaml(from_yaml) == spec_to_yaml(spec)


def test_fingerprint_is_stable_and_sensitive():
    base = GenerationSpec()
    assert base.fingerprint() == GenerationSpec().fingerprint()
    assert len(base.fingerprint()) == 64
    assert parse_spec({}, ["seed=43"]).fingerprint() != base.fingerprint()
    reordered = dict(reversed(list(base.canonical().items())))
    assert parse_spec(reordered).fingerprint() == base.fingerprint()


def test_yaml_syntax_error_names_the_line():
    with pytest.raises(SpecError) as caught:
        parse_spec_text("households:\n  count: [1,\n", source="bad.yaml")
    assert str(caught.value).startswith("bad.yaml: not valid YAML or JSON at line")


def test_non_mapping_spec_rejected():
    with pytest.raises(SpecError, match="mapping of sections"):
        parse_spec(["not", "a", "mapping"])


@pytest.mark.parametrize(
    "bad", ["households.count", "=5", "households..count=1", "campaigns.flights.0.name=x"]
)
def test_malformed_overrides_rejected(bad: str):
    with pytest.raises(SpecError):
        parse_spec({}, [bad])


def _reversed_mappings(value: object) -> object:
    """``value`` with the keys of every mapping, at any depth, in reverse order."""
    if isinstance(value, dict):
        return {k: _reversed_mappings(value[k]) for k in reversed(list(value))}
    if isinstance(value, list):
        return [_reversed_mappings(v) for v in value]
    return value


def test_mappings_come_out_in_domain_order_whatever_order_they_are_given_in() -> None:
    default = GenerationSpec()
    for text in (default.canonical_json(), json.dumps(_reversed_mappings(default.canonical()))):
        reread = parse_spec(json.loads(text))
        assert reread == default
        assert list(reread.households.urbanicity) == ["urban", "suburban", "rural"]
        assert list(reread.campaigns.cpm_usd) == list(default.campaigns.cpm_usd)
        assert list(reread.demographics.identity.identifier_types) == list(
            default.demographics.identity.identifier_types
        )
        assert list(reread.engagement.engagement_types) == list(default.engagement.engagement_types)
