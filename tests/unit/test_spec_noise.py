"""Identity noise in the spec: presets resolved to explicit rates, overrides, and spec versions
(version 1 keeps its graph, its canonical form and its fingerprint)."""

from __future__ import annotations

from dataclasses import fields

import pytest

from generators.spec import GenerationSpec
from generators.spec.errors import SpecError
from generators.spec.io import parse_spec, spec_to_yaml
from generators.spec.noise import PRESET_RATES, PRESETS, IdentityNoiseSpec, NoiseRates

# The default spec of spec_version 1, fingerprinted before version 2 existed.
V1_DEFAULT_FINGERPRINT = "cdc1f0cd4694103d67f4a97a61bd6d2c1b02823dec929ac3817389ab4de0a9f8"


def noise_of(spec: GenerationSpec) -> NoiseRates:
    return spec.demographics.identity.noise.resolved()


def problems(data: dict, *overrides: str) -> list[str]:
    with pytest.raises(SpecError) as error:
        parse_spec(data, overrides)
    return [str(p) for p in error.value.problems]


def test_a_new_spec_is_version_2_with_realistic_noise():
    spec = GenerationSpec()
    assert spec.spec_version == 2
    assert spec.demographics.identity.noise.preset == "realistic"
    assert noise_of(spec) == PRESET_RATES["realistic"]
    exported = parse_spec(spec.canonical())
    assert exported.fingerprint() == spec.fingerprint()
    assert "preset: realistic" in spec_to_yaml(spec)


@pytest.mark.parametrize("preset", PRESETS)
def test_each_preset_resolves_to_its_rates(preset):
    spec = parse_spec({"demographics": {"identity": {"noise": {"preset": preset}}}})
    assert noise_of(spec) == PRESET_RATES[preset]
    assert noise_of(spec).is_none == (preset == "easy")


def test_presets_grow_harder_in_every_rate():
    easy, realistic, hard = (PRESET_RATES[p] for p in PRESETS)
    for rate in ("workplace", "campus", "public_wifi", "carrier_nat", "ip_only_event_share"):
        assert getattr(easy, rate) == 0 < getattr(realistic, rate) < getattr(hard, rate), rate
    for rate in ("move_rate_per_year", "device_transfer_rate_per_year", "handoff_hours"):
        assert getattr(easy, rate) == 0 < getattr(realistic, rate) < getattr(hard, rate), rate
    assert easy.probabilistic_share == 0 < realistic.probabilistic_share < hard.probabilistic_share
    assert easy.wrong_share == 0 < realistic.wrong_share < hard.wrong_share
    # IP addresses change more often, and shared networks are smaller (more household-like)
    assert easy.ip_lease_days == 0 and realistic.ip_lease_days > hard.ip_lease_days > 0
    assert realistic.people_per_network > hard.people_per_network


def test_a_field_overrides_its_preset_and_the_rest_follow_the_preset():
    noise = {"preset": "hard", "churn": {"ip_lease_days": 30}, "links": {"wrong_share": 0.5}}
    rates = noise_of(parse_spec({"demographics": {"identity": {"noise": noise}}}))
    hard = PRESET_RATES["hard"]
    assert rates.ip_lease_days == 30 and rates.wrong_share == 0.5
    for f in fields(rates):
        if f.name not in ("ip_lease_days", "wrong_share"):
            assert getattr(rates, f.name) == getattr(hard, f.name), f.name


def test_changing_the_preset_of_an_exported_spec_changes_every_rate_left_to_it():
    exported = GenerationSpec().canonical()
    spec = parse_spec(exported, ["demographics.identity.noise.preset=hard"])
    assert noise_of(spec) == PRESET_RATES["hard"]
    assert parse_spec(exported, ["demographics.identity.noise.preset=easy"]).spec_version == 2


def test_version_1_has_no_noise_and_keeps_its_canonical_form_and_fingerprint():
    spec = parse_spec({"spec_version": 1})
    assert noise_of(spec).is_none
    assert "noise" not in spec.canonical()["demographics"]["identity"]
    assert spec.fingerprint() == V1_DEFAULT_FINGERPRINT
    assert parse_spec(spec.canonical()) == spec
    with_identity = parse_spec(
        {"spec_version": 1, "demographics": {"identity": {"cookie_lifetime_days": 20}}}
    )
    assert noise_of(with_identity).is_none
    explicit = {"spec_version": 1, "demographics": {"identity": {"noise": {"preset": "easy"}}}}
    assert parse_spec(explicit).fingerprint() == V1_DEFAULT_FINGERPRINT


def test_version_1_refuses_noise_naming_the_fix():
    found = problems({"spec_version": 1}, "demographics.identity.noise.preset=hard")
    assert found == [
        "demographics.identity.noise: spec_version 1 generates the identity graph without "
        "noise; set spec_version: 2 for noise, or remove demographics.identity.noise"
    ]
    found = problems(
        {"spec_version": 1}, "demographics.identity.noise.churn.move_rate_per_year=0.1"
    )
    assert found[0].startswith("demographics.identity.noise: spec_version 1")
    assert problems({"spec_version": 3})[0].startswith("spec_version:")


def test_inconsistent_rates_are_refused_at_their_field():
    over = problems({}, "demographics.identity.noise.links.deterministic_share=0.9")
    assert over == [
        "demographics.identity.noise.links.probabilistic_share: deterministic (0.9) and "
        "probabilistic (0.2) shares add up to more than 1; lower one of them"
    ]
    short = problems({}, "demographics.identity.noise.churn.ip_lease_days=0.5")
    assert short[0].startswith("demographics.identity.noise.churn.ip_lease_days: 0.5 days")
    wrong = problems({}, "demographics.identity.noise.links.wrong_share=0.95")
    assert wrong[0].startswith("demographics.identity.noise.links.wrong_share:")
    preset = problems({}, "demographics.identity.noise.preset=extreme")
    assert preset[0].startswith("demographics.identity.noise.preset:")


def test_every_rate_field_names_its_unit_and_both_preset_values():
    groups = IdentityNoiseSpec.model_fields
    for group in ("networks", "churn", "links"):
        for name, info in groups[group].annotation.model_fields.items():
            realistic = getattr(PRESET_RATES["realistic"], name)
            hard = getattr(PRESET_RATES["hard"], name)
            assert f"realistic {realistic:g}" in info.description, name
            assert f"hard {hard:g}" in info.description, name
            assert "Null: the preset's value" in info.description, name
