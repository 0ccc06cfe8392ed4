"""The chat under hostile edits (Hypothesis): the same edits as the spec suite, typed in guided
mode and sent as the agent's tool calls. Every turn answers (items end with TurnEnd), nothing
raises or shows a traceback, a step is changed exactly when the spec accepts the edit, an
accepted step has no problems, and the wizard never holds a value the spec refuses (no "urban
nan" in a step table)."""

from __future__ import annotations

import math
import re
from typing import Any

from hostile import SLOTS, Path, floats_in, mostly, mutated, texts, values_for, yaml_text
from hypothesis import given, settings
from hypothesis import strategies as st

from agent.chat_session import AgentSession
from agent.items import AssistantMessage, ToolResult, TurnEnd
from agent.scripted import ScriptedChatModel, say, tool_call
from generators.spec import GenerationSpec
from generators.spec.errors import SpecError
from generators.spec.io import parse_spec
from tools.partial import diff, merge, section_type
from tools.wizard import STEP_MODELS, STEPS, WizardState, owner

LEAKED = re.compile(r"Traceback|failed: [A-Z]\w*(Error|Exception)\b")


def _step_of(path: Path) -> str | None:
    if path == ("spec_version",) or (len(path) < 2 and path != ("seed",)):
        return None
    return owner(".".join(map(str, path)))


SLOTS_OF = {step: tuple(s for s in SLOTS if _step_of(s.path) == step) for step in STEPS}


def _edits_in(step: str) -> st.SearchStrategy[tuple[str, list[tuple[Path, Any]]]]:
    chosen = st.lists(
        st.sampled_from(SLOTS_OF[step]), min_size=1, max_size=3, unique_by=lambda s: s.path
    )
    return chosen.flatmap(
        lambda ss: st.tuples(*(st.tuples(st.just(s.path), values_for(s)) for s in ss))
    ).map(lambda edits: (step, list(edits)))


step_edits = st.sampled_from(STEPS).flatmap(_edits_in)


def relative(step: str, path: Path) -> Path:
    """A spec path as the step holds it (the output step also holds ``seed``)."""
    return path if path == ("seed",) else path[1:]


def update_for(wizard: WizardState, step: str, edits: list[tuple[Path, Any]]) -> dict[str, Any]:
    """The tool arguments that make the step what the edits make it."""
    before = wizard.step_data(step)
    after = mutated([(relative(step, p), v) for p, v in edits], base=before)
    return diff(before, after, STEP_MODELS[step])


def _nested(model: type, key: str) -> type | None:
    info = next((f for n, f in model.model_fields.items() if key in (n, f.alias)), None)
    return section_type(info.annotation) if info is not None else None


def without_unset(update: dict[str, Any], model: type) -> dict[str, Any]:
    """``update`` without the fields a step tool reads as "leave unchanged" (None), at every
    level of nested sections."""
    kept = {}
    for key, value in update.items():
        nested = _nested(model, key)
        if value is None:
            continue
        kept[key] = without_unset(value, nested) if nested and isinstance(value, dict) else value
    return kept


def own_problems(data: dict[str, Any], step: str) -> list[str]:
    try:
        parse_spec(data)
    except SpecError as error:
        return [str(p) for p in error.problems if owner(p.path) in (step, None)]
    return []


def at_step(session: AgentSession, step: str) -> None:
    for earlier in STEPS[: STEPS.index(step)]:
        session.wizard.accept(earlier)
    assert session.wizard.current_step == step


def assert_sound(session: AgentSession, items: list[Any]) -> None:
    """The turn answered, leaked nothing, and the wizard holds only what the spec accepts."""
    assert items and isinstance(items[-1], TurnEnd)
    assert any(isinstance(i, AssistantMessage | ToolResult) for i in items[:-1])
    for item in items:
        text = getattr(item, "content", None) or getattr(item, "text", "")
        assert not LEAKED.search(text), text[-2000:]
    wizard = session.wizard
    assert all(math.isfinite(f) for f in floats_in(wizard.data()))
    for step in wizard.accepted:
        assert not wizard.problems(step), (step, wizard.problems(step))


@settings(max_examples=60)
@given(step_edits)
def test_agent_tool_calls_change_a_step_exactly_when_the_spec_accepts_the_edit(case):
    step, edits = case
    model = ScriptedChatModel(responses=[])
    session = AgentSession(model, runner=_no_generation)
    at_step(session, step)
    before = session.wizard.data()
    update = without_unset(update_for(session.wizard, step, edits), STEP_MODELS[step])
    after = dict(before)
    after_step = merge(session.wizard.step_data(step), update, STEP_MODELS[step])
    if step == "output":
        after["seed"] = after_step.pop("seed")
    after[step] = after_step
    refused = own_problems(after, step)
    model.responses.extend(
        [tool_call(f"set_{step}", **update), tool_call("accept_step", step=step), say("done")]
    )
    items = session.send_sync("please apply these values")
    assert_sound(session, items)
    set_result, accept_result = [i for i in items if isinstance(i, ToolResult)]
    assert set_result.ok is not bool(refused), (refused, set_result.content[-1500:])
    if refused:
        assert session.wizard.data() == before
    assert accept_result.ok is not own_problems(session.wizard.data(), step)


def _no_generation(spec: GenerationSpec) -> None:
    raise AssertionError("nothing here may generate")


def typed(step: str, edits: list[tuple[Path, Any]]) -> str:
    return "\n".join(f"{'.'.join(map(str, relative(step, p)))} = {yaml_text(v)}" for p, v in edits)


hostile_messages = st.one_of(
    texts,
    st.text(min_size=1, max_size=200),
    st.sampled_from(["goto", "goto nowhere", "goto output", "load\n{", "load\nseed: [", "= 5"]),
    st.sampled_from(["back", "next", "review", "estimate", "export", "generate", "help"]),
    st.sampled_from(["{", "seed: 1\nseed: 2", "[" * 200, "a: &x 1\nb: *x", "seed: .nan\n"]),
)


@settings(max_examples=60)
@given(step_edits, st.lists(hostile_messages, max_size=2))
def test_guided_mode_answers_every_hostile_message_and_keeps_the_spec_sound(case, chatter):
    step, edits = case
    session = AgentSession(None, runner=_no_generation)
    at_step(session, step)
    for text in [typed(step, edits), *chatter, "next", "show"]:
        assert_sound(session, session.send_sync(text))


@settings(max_examples=30)
@given(
    st.sampled_from(STEPS), st.lists(mostly(hostile_messages, st.binary().map(repr)), max_size=4)
)
def test_guided_mode_survives_any_text(step, messages):
    session = AgentSession(None, runner=_no_generation)
    at_step(session, step)
    for text in messages:
        assert_sound(session, session.send_sync(text))


def test_a_nan_weight_is_refused_and_never_shown():
    """``urbanicity = {urban: nan, ...}`` is refused: the step never holds it, its table never
    shows "urban nan", and the step can still be accepted."""
    session = AgentSession(None, runner=_no_generation)
    (refusal,) = session.send_sync("urbanicity = {urban: .nan, suburban: 0.5, rural: 0.5}")[:-1]
    assert isinstance(refusal, ToolResult) and not refusal.ok
    assert "households.urbanicity.urban: must be a finite number" in refusal.content
    (shown,) = session.send_sync("show")[:-1]
    assert "| urbanicity | suburban 0.52, urban 0.27, rural 0.21 |" in shown.content
    assert "nan" not in shown.content
    (accepted,) = session.send_sync("next")[:-1]
    assert accepted.ok and accepted.content.startswith("households accepted.")
