"""Run the plain-English briefs through the agent and report accuracy per spec field.

    uv run python -m agent.eval.run_eval [--model configured|scripted|offline|offline-agent]
                                         [--out DIR] [--only ID ...] [--min-accuracy 0.9]

``configured`` uses the model ``agent.models.choose_model`` finds (Databricks endpoint or an
OpenAI-compatible server); ``scripted`` replays, per brief, the tool calls that set the expected
values (CI keeps the harness alive with it; its accuracy must be 100%). ``offline`` needs no
model: the guided mode reads each brief with the offline interpreter, applies the reading and
accepts every step, as a user pressing Apply then Accept would. ``offline-agent`` is the agent
path that uses the interpreter: a scripted model calls ``interpret_brief``, then passes the
reading's update for each step to its tool. Every brief runs in a fresh AgentSession whose
generation is disabled: only the resolved spec is scored. Writes ``report.md`` and
``report.json`` to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage

from agent.chat_session import AgentSession
from agent.eval.matchers import concrete, lookup, matches
from agent.items import ToolResult
from agent.models import choose_model
from agent.scripted import ScriptedChatModel, say, tool_call
from generators.brief import interpret
from generators.spec import GenerationSpec
from generators.spec.io import apply_overrides
from tools.brief import step_updates
from tools.partial import diff
from tools.wizard import STEP_MODELS, STEPS, WizardState, owner

BRIEFS = Path(__file__).with_name("briefs.yaml")
MAX_TURNS = 12
INSTRUCTION = (
    "{brief}\n\n(Evaluation run: set up the spec for this brief. Accept each step yourself once "
    "it validates, without asking me, and keep the defaults for anything the brief does not "
    "mention. Do not generate. If the brief is impossible as stated, explain why and stop.)"
)
FOLLOW_UP = (
    "Go ahead: accept each step once it validates and continue with the next one, keeping the "
    "defaults for anything the brief does not mention. If the brief cannot be built as stated, "
    "say so and stop."
)


@dataclass
class BriefResult:
    id: str
    fields: dict[str, bool] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    expected_error: str | None = None
    error_found: bool | None = None
    completed: bool = False
    tool_errors: list[str] = field(default_factory=list)
    turns: int = 0

    @property
    def passed(self) -> bool:
        if self.expected_error:
            return bool(self.error_found)
        return all(self.fields.values())


def load_briefs(path: Path = BRIEFS) -> list[dict[str, Any]]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["briefs"]


# ---------------------------------------------------------------- the scripted model


def _relative(step: str, path: str) -> str:
    return path if step == "output" and path == "seed" else path.split(".", 1)[1]


def scripted_values(brief: dict[str, Any]) -> dict[str, Any]:
    """Dotted path -> value the scripted model sets: attempt, else script, else derived."""
    defaults = GenerationSpec().canonical()
    given = {**(brief.get("script") or {}), **(brief.get("attempt") or {})}

    def covered(path: str) -> bool:
        return any(path == g or path.startswith(f"{g}.") for g in given)

    derived = {
        path: concrete(expected, _default(defaults, path))
        for path, expected in (brief.get("expect") or {}).items()
        if not covered(path)
    }
    return {**derived, **given}


def _default(defaults: dict[str, Any], path: str) -> Any:
    try:
        return lookup(defaults, path)
    except (KeyError, IndexError, ValueError):
        return None


def scripted_turns(brief: dict[str, Any]) -> list[AIMessage]:
    """The assistant turns that set the brief's values step by step (stopping at its error)."""
    values = scripted_values(brief)
    failing = owner(brief["expect_error"]) if brief.get("expect_error") else None
    defaults = WizardState()
    turns: list[AIMessage] = []
    for step in STEPS:
        edits = [
            f"{_relative(step, p)}={json.dumps(v)}" for p, v in values.items() if owner(p) == step
        ]
        if edits:
            before = defaults.step_data(step)
            update = diff(before, apply_overrides(before, edits), STEP_MODELS[step])
            if update:
                turns.append(tool_call(f"set_{step}", **update))
        if step == failing:
            turns.append(say(f"This brief cannot be built as stated: see the problem in {step}."))
            return turns
        turns.append(tool_call("accept_step", step=step))
    turns.append(say("Every step is accepted."))
    return turns


def offline_turns(brief: dict[str, Any]) -> list[AIMessage]:
    """The agent turns that follow the offline interpreter: interpret_brief, then each step's
    update and acceptance in order (stopping where the brief is refused)."""
    reading = interpret(brief["brief"])
    turns = [tool_call("interpret_brief", text=brief["brief"])]
    if reading.refused:
        return [*turns, say("This brief cannot be built as stated.")]
    updates = step_updates(reading)
    for step in STEPS:
        if step in updates:
            turns.append(tool_call(f"set_{step}", **updates[step]))
        turns.append(tool_call("accept_step", step=step))
    return [*turns, say("Every step is accepted.")]


# ---------------------------------------------------------------- running and scoring


def _no_generation(spec: GenerationSpec) -> Any:
    raise RuntimeError("generation is disabled during evaluation")


def run_brief(brief: dict[str, Any], model: BaseChatModel) -> BriefResult:
    """One brief in a fresh session, followed up until every step is accepted or it stalls."""
    session = AgentSession(model, runner=_no_generation, tracker=None)
    items = session.send_sync(INSTRUCTION.format(brief=brief["brief"]))
    turns, idle = 1, 0
    while session.current_step is not None and turns < MAX_TURNS and idle < 2:
        if isinstance(model, ScriptedChatModel) and model.exhausted:
            break
        accepted = len(session.wizard.accepted)
        items += session.send_sync(FOLLOW_UP)
        turns += 1
        idle = idle + 1 if len(session.wizard.accepted) == accepted else 0
    return score(brief, session, items, turns)


def run_offline(brief: dict[str, Any]) -> BriefResult:
    """One brief in the guided mode: the description, Apply, then Accept until done."""
    session = AgentSession(None, runner=_no_generation, tracker=None)
    items = session.send_sync(brief["brief"])
    turns = 1
    if session.guided.pending is not None:
        items += session.send_sync("apply")
        turns += 1
        while session.current_step is not None and turns < MAX_TURNS:
            accepted = len(session.wizard.accepted)
            items += session.send_sync("next")
            turns += 1
            if len(session.wizard.accepted) == accepted:
                break
    return score(brief, session, items, turns)


def score(brief: dict[str, Any], session: AgentSession, items: list, turns: int) -> BriefResult:
    data = session.wizard.data()
    result = BriefResult(id=brief["id"], turns=turns, completed=session.current_step is None)
    result.tool_errors = [i.content for i in items if isinstance(i, ToolResult) and not i.ok]
    for path, expected in (brief.get("expect") or {}).items():
        try:
            actual = lookup(data, path)
        except (KeyError, IndexError, ValueError):
            actual = None
        result.values[path] = actual
        result.fields[path] = actual is not None and matches(expected, actual)
    if brief.get("expect_error"):
        result.expected_error = brief["expect_error"]
        result.error_found = any(result.expected_error in e for e in result.tool_errors) or (
            owner(result.expected_error) not in session.wizard.accepted
        )
    return result


def evaluate(
    briefs: list[dict[str, Any]], model_for: Callable[[dict[str, Any]], BaseChatModel] | None
) -> dict[str, Any]:
    """Run every brief (in the guided mode when ``model_for`` is None); the report as a
    JSON-compatible dict."""
    results = [
        run_offline(brief) if model_for is None else run_brief(brief, model_for(brief))
        for brief in briefs
    ]
    per_field: dict[str, dict[str, int]] = {}
    for r in results:
        for path, ok in r.fields.items():
            entry = per_field.setdefault(path, {"correct": 0, "total": 0})
            entry["correct"] += int(ok)
            entry["total"] += 1
    correct = sum(e["correct"] for e in per_field.values())
    total = sum(e["total"] for e in per_field.values())
    impossible = [r for r in results if r.expected_error]
    valid = [r for r in results if not r.expected_error]
    summary = {
        "briefs": len(results),
        "briefs_passed": sum(r.passed for r in results),
        "fields_correct": correct,
        "fields_total": total,
        "field_accuracy": correct / total if total else 1.0,
        "errors_detected": sum(bool(r.error_found) for r in impossible),
        "errors_expected": len(impossible),
        "valid_briefs_completed": sum(r.completed for r in valid),
        "valid_briefs": len(valid),
    }
    for entry in per_field.values():
        entry["accuracy"] = entry["correct"] / entry["total"]
    return {
        "summary": summary,
        "per_field": dict(sorted(per_field.items())),
        "briefs": [{**asdict(r), "passed": r.passed} for r in results],
    }


def markdown(report: dict[str, Any], model_label: str) -> str:
    s = report["summary"]
    lines = [
        f"# Agent evaluation ({model_label})",
        "",
        f"- briefs passed: {s['briefs_passed']}/{s['briefs']}",
        f"- field accuracy: {s['field_accuracy']:.1%} ({s['fields_correct']}/{s['fields_total']})",
        f"- impossible briefs caught: {s['errors_detected']}/{s['errors_expected']}",
        f"- valid briefs with every step accepted: {s['valid_briefs_completed']}/{s['valid_briefs']}",
        "",
        "## Accuracy per field",
        "",
        "| field | correct | total | accuracy |",
        "|---|---:|---:|---:|",
        *(
            f"| {path} | {e['correct']} | {e['total']} | {e['accuracy']:.0%} |"
            for path, e in report["per_field"].items()
        ),
        "",
        "## Briefs",
        "",
        "| brief | passed | turns | misses |",
        "|---|---|---:|---|",
    ]
    for b in report["briefs"]:
        misses = [
            f"{p} = {json.dumps(b['values'][p], default=str)}"
            for p, ok in b["fields"].items()
            if not ok
        ]
        if b["expected_error"] and not b["error_found"]:
            misses.append(f"no error on {b['expected_error']}")
        lines.append(
            f"| {b['id']} | {'yes' if b['passed'] else 'NO'} | {b['turns']} | {'; '.join(misses)} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m agent.eval.run_eval", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument(
        "--model",
        choices=("configured", "scripted", "offline", "offline-agent"),
        default="configured",
    )
    parser.add_argument("--briefs", type=Path, default=BRIEFS)
    parser.add_argument("--out", type=Path, default=Path("eval_report"))
    parser.add_argument("--only", nargs="*", help="brief ids to run (default: all)")
    parser.add_argument(
        "--min-accuracy", type=float, default=0.0, help="exit 1 below this field accuracy"
    )
    args = parser.parse_args(argv)
    briefs = [b for b in load_briefs(args.briefs) if not args.only or b["id"] in args.only]
    model_for: Callable[[dict[str, Any]], BaseChatModel] | None
    if args.model == "scripted":
        label = "scripted model"

        def model_for(brief: dict[str, Any]) -> BaseChatModel:
            return ScriptedChatModel(responses=scripted_turns(brief))
    elif args.model == "offline":
        label, model_for = "offline interpreter (guided mode)", None
    elif args.model == "offline-agent":
        label = "offline interpreter (agent path, interpret_brief)"

        def model_for(brief: dict[str, Any]) -> BaseChatModel:
            return ScriptedChatModel(responses=offline_turns(brief))
    else:
        choice = choose_model()
        if choice.model is None:
            print(
                f"No model is configured ({choice.label}): set DATABRICKS_SERVING_ENDPOINT, or "
                "OPENAI_BASE_URL and IDGRAPH_OPENAI_MODEL; or use --model scripted.",
                file=sys.stderr,
            )
            return 2
        label = choice.label

        def model_for(brief: dict[str, Any]) -> BaseChatModel:
            return choice.model

    report = evaluate(briefs, model_for)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "report.json").write_text(
        json.dumps({"model": label, **report}, indent=2, default=str)
    )
    (args.out / "report.md").write_text(markdown(report, label))
    s = report["summary"]
    print(
        f"{label}: {s['briefs_passed']}/{s['briefs']} briefs passed, field accuracy "
        f"{s['field_accuracy']:.1%}; report in {args.out}/report.md"
    )
    return 0 if s["field_accuracy"] >= args.min_accuracy else 1


if __name__ == "__main__":
    sys.exit(main())
