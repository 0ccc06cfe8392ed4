"""Plain English in the chat with no model: the guided mode's reading, Apply and Adjust, the
agent's fallback when its endpoint fails, and the interpret_brief tool (no Spark)."""

from __future__ import annotations

import asyncio
import json

from langchain_core.messages import ToolMessage

from agent.chat_session import AgentSession
from agent.guided import looks_like_edits
from agent.items import AssistantMessage, ToolResult, TurnEnd
from agent.scripted import ScriptedChatModel, say, tool_call
from tools.wizard import STEPS
from ui.commands import brief_buttons, run_command

BRIEF = (
    "I need 5,000 affluent suburban families in Texas and Florida, parents aged 35 to 54, who "
    "watch a lot of CTV"
)


def say_to(session: AgentSession, text: str) -> tuple[list, TurnEnd]:
    items = session.send_sync(text)
    assert isinstance(items[-1], TurnEnd)
    return items[:-1], items[-1]


def results(items: list) -> list[ToolResult]:
    return [i for i in items if isinstance(i, ToolResult)]


def test_the_welcome_invites_a_description_and_keeps_exact_edits():
    welcome = AgentSession(None).welcome()[0]
    assert isinstance(welcome, AssistantMessage)
    assert welcome.text.startswith("**Describe your target market**, e.g.")
    assert "`field = value`" in welcome.text


def test_a_description_is_read_per_step_and_changes_nothing_until_applied():
    session = AgentSession(None)
    items, end = say_to(session, BRIEF)
    (reading,) = results(items)
    assert reading.ok and reading.tool == "interpret_brief"
    text = reading.content
    assert text.startswith("**Here is what I understood**")
    for step in ("**households**", "**demographics**", "**engagement**"):
        assert step in text
    assert '| count | 5000 | "5,000 affluent suburban families" |' in text
    assert '| states | TX 0.5559, FL 0.4441 | "Texas and Florida" |' in text
    assert "| householder_age | 45-54 0.5164, 35-44 0.4836 |" in text
    assert "**Apply** fills households, demographics and engagement" in text
    assert end.brief_pending and [b[0] for b in brief_buttons(end)] == ["apply", "adjust"]
    assert session.wizard.data()["households"]["count"] == 10_000  # nothing applied yet


def test_apply_fills_every_touched_step_then_reopens_them_for_review():
    session = AgentSession(None)
    say_to(session, BRIEF)
    items, end = say_to(session, "apply")
    assert not end.brief_pending and brief_buttons(end) == ()
    assert isinstance(items[0], AssistantMessage)
    assert items[0].text.startswith("Applied: households, demographics and engagement filled.")
    assert results(items)[-1].content.startswith("**Step 1/7 · households** (current)")
    data = session.wizard.data()
    assert data["households"]["count"] == 5000
    assert set(data["demographics"]["householder_age"]) == {"35-44", "45-54"}
    assert data["engagement"]["devices"]["ctv"] > 0.6
    assert session.current_step == "households" and not session.wizard.accepted
    walked = []
    for _ in STEPS:
        items, _ = say_to(session, "next")
        walked.append(results(items)[0].content.split("\n", 1)[0])
    assert walked[0].startswith("households accepted. Next:")
    assert walked[1].startswith("demographics accepted. Next:")
    assert session.current_step is None and session.can_generate


def test_apply_from_a_later_step_reaches_back_and_keeps_the_rest():
    session = AgentSession(None)
    for _ in range(4):
        say_to(session, "next")
    assert session.current_step == "campaigns"
    say_to(session, "Florida only, 4 campaigns on CTV")
    items, _ = say_to(session, "apply")
    assert all(r.ok for r in results(items))
    data = session.wizard.data()
    assert data["households"]["states"] == {"FL": 1.0}
    assert data["campaigns"]["count"] == 4 and data["campaigns"]["channels"] == {"ctv": 1.0}
    assert session.current_step == "households"
    assert {"demographics", "engagement", "audience"} <= session.wizard.accepted


def test_adjust_drops_the_reading():
    session = AgentSession(None)
    say_to(session, "Texas retirees")
    items, end = say_to(session, "adjust")
    assert "Nothing was applied" in items[0].text and not end.brief_pending
    items, _ = say_to(session, "apply")
    assert items[0].text.startswith("Nothing to apply")


def test_a_contradictory_brief_is_refused_naming_the_field():
    session = AgentSession(None)
    items, end = say_to(session, "60% of the households in Texas and 60% in Florida")
    (refusal,) = results(items)
    assert not refusal.ok and "**This brief cannot be built as stated**" in refusal.content
    assert "- households.states: weights sum to 1.2000" in refusal.content
    assert not end.brief_pending


def test_unused_and_unsupported_words_are_listed():
    session = AgentSession(None)
    items, _ = say_to(session, "3,000 Hispanic households in Ohio who love Nike")
    text = results(items)[0].content
    assert (
        '**Not expressible** (nothing changed for it): "Hispanic": the spec has no ethnicity'
        in text
    )
    assert '**Not used**: "Nike".' in text


def test_exact_edits_stay_the_precise_path():
    assert looks_like_edits("count = 5000; states = {TX: 0.6, FL: 0.4}")
    assert not looks_like_edits("seed=42, 1000 hh, catalog sandbox")
    session = AgentSession(None)
    items, _ = say_to(session, "count = 300")
    assert results(items)[0].tool == "set_households"
    items, _ = say_to(session, "seed=42, 1000 hh")
    assert results(items)[0].tool == "interpret_brief"


class BrokenEndpoint(ScriptedChatModel):
    def _generate(self, *args, **kwargs):
        raise ConnectionError("endpoint unreachable")


def test_a_failing_model_gets_the_offline_reading_and_the_buttons_apply_it():
    session = AgentSession(BrokenEndpoint(responses=[]))
    items, end = say_to(session, BRIEF)
    assert (
        "The language model is unavailable (ConnectionError: endpoint unreachable)" in items[0].text
    )
    assert "offline reading" in items[0].text
    assert results(items)[0].content.startswith("**Here is what I understood**")
    assert end.brief_pending
    applied = asyncio.run(run_command(session, "apply"))
    assert applied[0].text.startswith("Applied:")
    assert session.wizard.data()["households"]["count"] == 5000
    items, _ = say_to(session, "next")  # still down: commands work offline too
    assert results(items)[0].content.startswith("households accepted.")


def test_the_model_may_call_interpret_brief_and_pass_its_updates_on():
    model = ScriptedChatModel(
        responses=[tool_call("interpret_brief", text="8,000 homes in Ohio, seed 3"), say("Read.")]
    )
    session = AgentSession(model)
    session.send_sync("8,000 homes in Ohio, seed 3")
    assert "interpret_brief" in model.offered[0]
    (result,) = [m for m in model.received[-1] if isinstance(m, ToolMessage)]
    assert "Updates per step:" in result.content
    line = next(x for x in result.content.splitlines() if x.startswith("- set_households: "))
    assert json.loads(line.removeprefix("- set_households: ")) == {
        "count": 8000,
        "states": {"OH": 1.0},
    }
    assert session.wizard.data()["households"]["count"] == 10_000  # the tool changes nothing


def test_interpret_brief_refuses_a_contradiction_as_a_tool_error():
    model = ScriptedChatModel(
        responses=[tool_call("interpret_brief", text="engagement from 2026-03-31 to 2026-01-01")]
    )
    session = AgentSession(model)
    items = session.send_sync("go")
    (error,) = [i for i in items if isinstance(i, ToolResult)]
    assert not error.ok and "engagement.end_date" in error.content
