"""The offline interpreter on many phrasings of real briefs: each edit, its phrase, what is left
unused or unsupported, and contradictions refused by the spec rules (pure Python, no Spark)."""

from __future__ import annotations

from typing import Any

import pytest

from agent.eval.matchers import lookup, matches
from generators.brief import interpret
from generators.spec import GenerationSpec


def read(text: str, spec: GenerationSpec | None = None) -> tuple[dict[str, Any], Any]:
    reading = interpret(text, spec)
    assert reading.spec is not None, [str(p) for p in reading.problems]
    return reading.spec.canonical(), reading


CASES = [
    # counts, in every usual form
    ("5,000 households", {"households.count": 5000}),
    ("5k homes", {"households.count": 5000}),
    ("1.2M HHs", {"households.count": 1_200_000}),
    ("two and a half million households", {"households.count": 2_500_000}),
    ("a million households", {"households.count": 1_000_000}),
    ("twenty-five thousand families", {"households.count": 25_000}),
    ("50,000 people", {"households.count": {"between": [19_000, 21_000]}}),
    ("seed 7", {"seed": 7}),
    ("use random seed 123", {"seed": 123}),
    # places
    ("households in TX and FL", {"households.states": {"support": ["TX", "FL"]}}),
    ("in tx, fl and ga", {"households.states": {"support": ["TX", "FL", "GA"]}}),
    ("Washington DC and Maryland", {"households.states": {"support": ["DC", "MD"]}}),
    ("people in Washington", {"households.states": {"WA": 1.0}}),
    ("New England", {"households.states": {"support": ["CT", "ME", "MA", "NH", "RI", "VT"]}}),
    ("the Carolinas", {"households.states": {"support": ["NC", "SC"]}}),
    ("Pacific Northwest", {"households.states": {"support": ["WA", "OR", "ID"]}}),
    ("the Midwest", {"households.states": {"share_on": ["IL", "OH", "MI"], "at_least": 0.4}}),
    ("Atlanta and Miami", {"households.states": {"support": ["GA", "FL"]}}),
    ("Kansas City households", {"households.states": {"MO": 1.0}}),
    ("St. Louis", {"households.states": {"MO": 1.0}}),
    ("Pennsylvnia and Ohoi", {"households.states": {"support": ["PA", "OH"]}}),
    ("70% Texas, 30% Oklahoma", {"households.states": {"TX": 0.7, "OK": 0.3}}),
    ("40% in Texas", {"households.states": {"share_on": ["TX"], "at_least": 0.399}}),
    ("60% in NY, the rest in NJ", {"households.states": {"NY": 0.6, "NJ": 0.4}}),
    ("the South except Texas and Florida", {"households.states.TX": None}),
    (
        "everyone but California",
        {"households.states.CA": None, "households.states.NV": {"between": [0.009, 0.011]}},
    ),
    ("Texas but not Austin", {"households.states": {"TX": 1.0}}),
    # people
    ("parents aged 35 to 54", {"demographics.householder_age": {"support": ["35-44", "45-54"]}}),
    ("adults under 30", {"demographics.householder_age": {"support": ["18-24", "25-34"]}}),
    ("householders over 65", {"demographics.householder_age": {"support": ["65-74", "75-99"]}}),
    ("people in their forties", {"demographics.householder_age": {"support": ["35-44", "45-54"]}}),
    ("late twenties", {"demographics.householder_age": {"support": ["25-34"]}}),
    ("millennials", {"demographics.householder_age": {"support": ["25-34", "35-44", "45-54"]}}),
    ("baby boomers", {"demographics.householder_age": {"support": ["55-64", "65-74", "75-99"]}}),
    ("seniors", {"demographics.householder_age": {"support": ["65-74", "75-99"]}}),
    ("retirees", {"demographics.employment": {"share_on": ["retired"], "at_least": 0.5}}),
    ("college students", {"demographics.employment": {"share_on": ["student"], "at_least": 0.5}}),
    ("young families", {"households.size.min": 3}),
    ("empty nesters", {"households.size.max": 2}),
    ("single-person households", {"households.size.max": 1}),
    ("couples", {"households.size.average": 2}),
    ("families with kids", {"households.size.min": 3}),
    ("large families of five or more", {"households.size.min": 5}),
    ("households of exactly three people", {"households.size.average": 3}),
    ("3-person households", {"households.size.max": 3}),
    (
        "wealthy",
        {"households.income_brackets": {"support": ["100k_150k", "150k_200k", "200k_plus"]}},
    ),
    (
        "middle-income",
        {"households.income_brackets": {"support": ["50k_75k", "75k_100k", "100k_150k"]}},
    ),
    ("low-income", {"households.income_brackets": {"support": ["under_25k", "25k_50k"]}}),
    (
        "households under $50k",
        {"households.income_brackets": {"support": ["under_25k", "25k_50k"]}},
    ),
    ("income above $150k", {"households.income_brackets": {"support": ["150k_200k", "200k_plus"]}}),
    ("HHI $75-150k", {"households.income_brackets": {"support": ["75k_100k", "100k_150k"]}}),
    ("city dwellers", {"households.urbanicity": {"share_on": ["urban"], "at_least": 0.6}}),
    ("small towns", {"households.urbanicity": {"share_on": ["rural"], "at_least": 0.6}}),
    ("in the suburbs", {"households.urbanicity": {"share_on": ["suburban"], "at_least": 0.6}}),
    ("women", {"demographics.gender": {"share_on": ["female"], "at_least": 0.6}}),
    (
        "college-educated",
        {
            "demographics.education": {
                "share_on": ["bachelor", "master", "doctorate"],
                "at_least": 0.6,
            }
        },
    ),
    ("30% have a master's degree", {"demographics.education.master": 0.3}),
    (
        "mostly unemployed",
        {"demographics.employment": {"share_on": ["unemployed"], "at_least": 0.5}},
    ),
    # behaviour
    ("streaming on TV", {"engagement.devices": {"share_on": ["ctv"], "at_least": 0.5}}),
    ("connected TV viewers", {"engagement.devices": {"share_on": ["ctv"], "at_least": 0.5}}),
    ("people on phones", {"engagement.devices": {"share_on": ["mobile"], "at_least": 0.5}}),
    ("laptop users", {"engagement.devices": {"share_on": ["desktop"], "at_least": 0.4}}),
    ("60% CTV, 40% mobile viewing", {"engagement.devices": {"ctv": 0.6, "mobile": 0.4}}),
    (
        "no CTV, mostly desktop",
        {
            "engagement.devices.ctv": None,
            "engagement.devices": {"share_on": ["desktop"], "at_least": 0.5},
        },
    ),
    ("news junkies", {"engagement.content.categories": {"share_on": ["news"], "at_least": 0.3}}),
    ("gamers", {"engagement.content.categories": {"share_on": ["gaming"], "at_least": 0.3}}),
    (
        "documentary lovers",
        {"engagement.content.categories": {"share_on": ["documentary"], "at_least": 0.3}},
    ),
    ("kids' shows", {"engagement.content.categories": {"share_on": ["kids"], "at_least": 0.3}}),
    ("heavy viewers", {"engagement.events_per_individual.mean": {"between": [50, 120]}}),
    ("light users", {"engagement.events_per_individual.mean": {"between": [5, 20]}}),
    ("15 events per person", {"engagement.events_per_individual.mean": 15}),
    ("90% have mobile ad ids", {"demographics.identity.identifier_types.mobile_ad_id": 0.9}),
    ("cookie-less", {"demographics.identity.identifier_types.cookie": {"between": [0, 0.3]}}),
    ("a hard identity graph", {"demographics.identity.noise.preset": "hard"}),
    ("messy, very noisy graph", {"demographics.identity.noise.preset": "hard"}),
    ("realistic noise", {"demographics.identity.noise.preset": "realistic"}),
    ("a clean graph", {"demographics.identity.noise.preset": "easy"}),
    ("noise-free identity graph", {"demographics.identity.noise.preset": "easy"}),
    # time
    ("Q1 2026", {"engagement.start_date": "2026-01-01", "engagement.end_date": "2026-03-31"}),
    (
        "the last quarter of 2025",
        {"engagement.start_date": "2025-10-01", "engagement.end_date": "2025-12-31"},
    ),
    (
        "a 60-day window starting February 1",
        {"engagement.start_date": "2026-02-01", "engagement.end_date": "2026-04-01"},
    ),
    (
        "over the holidays",
        {"engagement.start_date": "2026-11-01", "engagement.end_date": "2026-12-31"},
    ),
    (
        "from March 3 to April 14, 2026",
        {"engagement.start_date": "2026-03-03", "engagement.end_date": "2026-04-14"},
    ),
    ("all of 2025", {"engagement.start_date": "2025-01-01", "engagement.end_date": "2025-12-31"}),
    ("90 days of engagement", {"engagement.end_date": "2026-03-31"}),
    # campaigns and responses
    ("8 campaigns", {"campaigns.count": 8}),
    ("a dozen campaigns", {"campaigns.count": 12}),
    ("campaigns on CTV only", {"campaigns.channels": {"ctv": 1.0}}),
    ("awareness campaigns", {"campaigns.goals": {"awareness": 1.0}}),
    (
        "budgets of $50k to $200k",
        {"campaigns.budget_usd.min": 50_000, "campaigns.budget_usd.max": 200_000},
    ),
    ("a $12 CPM on display", {"campaigns.cpm_usd.display": 12}),
    ("reach 35%", {"campaigns.reach": 0.35}),
    ("frequency cap of 5 per day", {"campaigns.frequency.cap_per_day": 5}),
    ("a 10% holdout", {"campaigns.holdout_fraction": 0.1}),
    ("no holdout", {"campaigns.holdout_fraction": 0}),
    ("flights of two weeks", {"campaigns.flight_days.max": 14}),
    ("conversion rate of 3%", {"responses.baseline_conversion_rate": 0.03}),
    ("a lift of 2 points", {"responses.max_incremental_lift": 0.02}),
    ("average order value of $75", {"responses.order_value.mean_usd": 75}),
    ("CTR 0.8%", {"responses.click_rate": 0.008}),
    ("first-touch attribution", {"responses.attribution.models": ["first_touch"]}),
    ("a 30-day lookback window", {"responses.attribution.window_days": 30}),
    # output
    (
        "write to catalog analytics schema tv_test",
        {"output.catalog": "analytics", "output.schema": "tv_test"},
    ),
    ("append a new batch", {"output.mode": "append"}),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_phrasings(text: str, expected: dict[str, Any]):
    data, reading = read(text)
    for path, want in expected.items():
        if want is None:  # the path must hold no weight (absent from a map)
            with pytest.raises(KeyError):
                lookup(data, path)
            continue
        assert matches(want, lookup(data, path)), (path, lookup(data, path), reading.edits)


def test_the_first_brief_of_a_new_user_fills_three_steps():
    data, reading = read(
        "I need 5,000 affluent suburban families in Texas and Florida, parents aged 35 to 54, "
        "who watch a lot of CTV"
    )
    steps = {e.path.split(".")[0] for e in reading.edits}
    assert {"households", "demographics", "engagement"} <= steps
    assert data["households"]["count"] == 5000
    assert data["households"]["states"] == {"TX": 0.5559, "FL": 0.4441}
    assert set(data["demographics"]["householder_age"]) == {"35-44", "45-54"}
    assert data["engagement"]["devices"]["ctv"] > 0.6
    assert not reading.unused and not reading.problems


def test_every_edit_names_the_words_it_came_from():
    _, reading = read("Texs and Flordia, 3k homes, heavy CTV, seed 11")
    phrases = {e.path: e.phrase for e in reading.edits}
    assert phrases["households.states"] == "Texs and Flordia"
    assert phrases["households.count"] == "3k homes"
    assert phrases["seed"] == "seed 11"
    note = next(e.note for e in reading.edits if e.path == "households.states")
    assert 'read as "texas"' in note and 'read as "florida"' in note


def test_real_words_are_never_read_as_misspellings():
    _, reading = read("write the tables to catalog main; 5,000 households")
    assert all(not e.path.startswith("engagement.devices") for e in reading.edits)


def test_unused_and_unsupported_words_are_reported_and_change_nothing():
    data, reading = read("2,000 Hispanic homeowners in Ohio who love Nike and outdoorsy stuff")
    assert {u.phrase for u in reading.unsupported} >= {"Hispanic", "homeowners", "outdoorsy"}
    assert "Nike" in " ".join(reading.unused)
    assert {e.path for e in reading.edits} == {"households.count", "households.states"}
    assert data["demographics"] == GenerationSpec().canonical()["demographics"]


def test_an_unmentioned_field_moves_only_as_far_as_the_rules_need_and_says_why():
    data, reading = read("householders 18 to 24")
    retired = next(e for e in reading.edits if e.path == "demographics.employment")
    assert "retired" not in retired.value and retired.phrase == "18 to 24"
    assert "55+" in retired.note
    levels = data["demographics"]["education"]
    assert levels.get("doctorate", 0) == 0 and "doctorate" in next(
        e.note for e in reading.edits if e.path == "demographics.education"
    )


def test_a_short_window_shortens_generated_flights():
    data, reading = read("a two-week window starting March 1, 2026")
    assert data["engagement"]["end_date"] == "2026-03-14"
    assert data["campaigns"]["flight_days"]["max"] == 14
    assert any("14-day window" in e.note for e in reading.edits)


def test_explicit_flights_widen_an_unmentioned_window():
    data, _ = read('a search campaign "fall_push" from 2026-09-01 to 2026-09-30 with $40k')
    assert data["engagement"]["end_date"] == "2026-09-30"
    assert data["campaigns"]["count"] == 1
    assert data["campaigns"]["flights"][0]["budget_usd"] == 40_000


def test_a_new_segment_and_its_targeting():
    data, _ = read(
        "Add a segment named ctv_parents: people 30 to 49 who mostly watch on CTV, and target it"
    )
    segment = data["audience"]["segments"][-1]
    assert segment["name"] == "ctv_parents"
    assert (segment["min_age"], segment["max_age"]) == (30, 49)
    assert segment["preferred_devices"] == ["ctv"]
    assert data["campaigns"]["target_segments"] == ["ctv_parents"]
    # words describing the segment do not change the population
    assert data["demographics"] == GenerationSpec().canonical()["demographics"]


def test_generations_follow_the_window_year():
    later = GenerationSpec.model_validate(
        {"engagement": {"start_date": "2036-01-01", "end_date": "2036-03-31"}}
    )
    now, _ = read("millennials")
    then, _ = read("millennials", later)
    assert "25-34" in now["demographics"]["householder_age"]
    assert "25-34" not in then["demographics"]["householder_age"]


def test_the_base_spec_is_kept_where_the_brief_is_silent():
    base = GenerationSpec.model_validate({"households": {"count": 777}, "seed": 5})
    data, _ = read("Florida retirees", base)
    assert data["households"]["count"] == 777 and data["seed"] == 5


@pytest.mark.parametrize(
    ("text", "path"),
    [
        ("60% of the households in Texas and 60% in Florida", "households.states"),
        ("householders 18-24 where 40% hold a doctorate", "demographics.education.doctorate"),
        ("engagement from 2026-03-31 to 2026-01-01", "engagement.end_date"),
        (
            "a baseline conversion rate of 80% plus 30 points of lift",
            "responses.max_incremental_lift",
        ),
        ("5,000 households, no, 8,000 households", "households.count"),
        ("target the segment moon_people", "campaigns.target_segments"),
    ],
)
def test_contradictions_are_refused_naming_the_field(text: str, path: str):
    reading = interpret(text)
    assert reading.spec is None and reading.refused
    assert any(p.path == path for p in reading.problems), [str(p) for p in reading.problems]


def test_nothing_understood_is_no_edit_and_no_refusal():
    reading = interpret("make it pop")
    assert not reading.edits and not reading.refused and not reading.understood
    assert reading.unused == ["make it pop"] or "pop" in " ".join(reading.unused)


def test_the_reading_is_deterministic():
    text = "1.2M HHs in the sun belt, A25-54, heavy mobile, Q4 2025, 6 campaigns, 15% holdout"
    first, second = interpret(text), interpret(text)
    assert first.edits == second.edits and first.spec.fingerprint() == second.spec.fingerprint()
