"""The guided mode, without any model: short answers and ``field = value`` edits drive the same
tools, with the same gating and messages."""

from __future__ import annotations

from agent.chat_session import AgentSession
from agent.items import AssistantMessage, ToolResult, TurnEnd
from generators.spec import GenerationSpec
from generators.spec.io import spec_to_yaml


def say(session: AgentSession, text: str) -> list:
    items = session.send_sync(text)
    assert isinstance(items[-1], TurnEnd)
    return items[:-1]


def only_result(items: list) -> ToolResult:
    (result,) = [i for i in items if isinstance(i, ToolResult)]
    return result


def test_guided_walk_through_every_step_to_generation_being_offered():
    session = AgentSession(None)
    edit = only_result(say(session, "count = 300; states = {TX: 0.6, FL: 0.4}\nsize.average = 3"))
    assert edit.ok and edit.tool == "set_households"
    assert "| count * | 300 |" in edit.content and "| size.average * | 3 |" in edit.content
    assert "| size.min | 1 |" in edit.content  # only what was typed is marked as changed
    assert only_result(say(session, "next")).content.startswith("households accepted.")
    demographics = only_result(
        say(
            session,
            "householder_age = {35-44: 0.5, 45-54: 0.5}\n"
            "employment = {employed: 0.85, unemployed: 0.05, retired: 0.02, student: 0.08}",
        )
    )
    assert demographics.ok, demographics.content
    for step in ("demographics", "engagement", "audience", "campaigns", "responses"):
        accepted = only_result(say(session, "next"))
        assert accepted.ok and accepted.content.startswith(f"{step} accepted.")
    assert session.current_step == "output"
    assert only_result(say(session, "output.schema = tx_fl; seed = 7")).ok
    assert not session.can_generate
    final = only_result(say(session, "ok"))
    assert final.ok and "generate tool is now available" in final.content
    assert session.can_generate and session.current_step is None
    spec = session.wizard.spec()
    assert (spec.households.count, spec.seed, spec.output.schema_name) == (300, 7, "tx_fl")
    assert spec.households.states == {"TX": 0.6, "FL": 0.4}
    exported = only_result(say(session, "export"))
    assert "schema: tx_fl" in exported.content and exported.content.startswith("```yaml")


def test_guided_errors_use_the_tool_messages():
    session = AgentSession(None)
    invalid = only_result(say(session, "count = 0"))
    assert not invalid.ok and "households.count: input should be greater than" in invalid.content
    typo = only_result(say(session, "cont = 5"))
    assert "did you mean 'count'?" in typo.content
    elsewhere = say(session, "campaigns.count = 3")
    assert "is in step campaigns; type `goto campaigns` first" in elsewhere[0].text
    jump = only_result(say(session, "goto campaigns"))
    assert not jump.ok and "households is not accepted yet" in jump.content
    early = only_result(say(session, "generate"))
    assert not early.ok and "generate refused" in early.content
    unknown = say(session, "make it pop")
    assert isinstance(unknown[0], AssistantMessage) and "did not understand" in unknown[0].text
    assert session.wizard.step_data("households")["count"] == 10_000


def test_guided_navigation_commands():
    session = AgentSession(None)
    say(session, "next")
    assert session.current_step == "demographics"
    assert only_result(say(session, "back")).tool == "goto_step"
    assert session.current_step == "households"
    assert only_result(say(session, "demographics")).ok  # a step name alone goes there
    assert session.current_step == "demographics"
    review = only_result(say(session, "review"))
    assert review.tool == "review_spec" and "(accepted)" in review.content
    assert "`next` accepts the step" in say(session, "help")[0].text
    assert only_result(say(session, "show")).content.startswith("**Step 2/7 · demographics**")


def test_guided_accepts_a_pasted_yaml_spec():
    session = AgentSession(None)
    pasted = spec_to_yaml(GenerationSpec.model_validate({"seed": 99, "households": {"count": 42}}))
    loaded = only_result(say(session, pasted))
    assert loaded.tool == "load_spec" and loaded.ok
    assert session.can_generate and session.wizard.spec().seed == 99
    partial = only_result(say(session, "load\nhouseholds:\n  count: 77"))
    assert partial.ok and session.wizard.spec().households.count == 77
    assert session.wizard.spec().seed == 42  # a loaded spec replaces everything


def test_the_demographics_step_offers_the_identity_noise_presets():
    session = AgentSession(None)
    say(session, "next")
    shown = only_result(say(session, "show")).content
    assert "| identity.noise.preset | realistic |" in shown
    assert "| identity.noise.links.wrong_share | (any) |" in shown  # null: the preset's value
    hard = only_result(say(session, "identity.noise.preset = hard"))
    assert hard.ok and "| identity.noise.preset * | hard |" in hard.content
    rates = session.wizard.spec().demographics.identity.noise.resolved()
    assert (
        rates
        == GenerationSpec.model_validate(
            {"demographics": {"identity": {"noise": {"preset": "hard"}}}}
        ).demographics.identity.noise.resolved()
    )
    faster = only_result(say(session, "identity.noise.churn.ip_lease_days = 5"))
    assert faster.ok and session.wizard.spec().demographics.identity.noise.preset == "hard"
    assert session.wizard.spec().demographics.identity.noise.resolved().ip_lease_days == 5


def test_a_version_1_spec_keeps_no_noise_and_says_how_to_add_it():
    session = AgentSession(None)
    loaded = only_result(
        say(session, spec_to_yaml(GenerationSpec.model_validate({"spec_version": 1})))
    )
    assert loaded.ok, loaded.content
    assert session.wizard.spec().demographics.identity.noise.resolved().is_none
    say(session, "goto demographics")
    refused = only_result(say(session, "identity.noise.preset = realistic"))
    assert not refused.ok
    assert "spec_version 1 generates the identity graph without noise" in refused.content
