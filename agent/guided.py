"""The guided mode: the wizard driven by plain English and short typed answers, with no LLM.

It calls the very same tools as the agent (so the same gating and the same messages):
- any other message is a plain-English description of the market, read by the offline
  interpreter (``generators.brief``): the reply shows what it understood per step (field, new
  value, the words it came from) and what it could not use; ``apply`` fills the steps it touched
  through their ``set_<step>`` tools, then opens them for review in order; ``adjust`` drops it;
- ``field = value`` edits of the current step, dotted within the step (``size.average = 2.4``,
  ``states = {TX: 0.6, FL: 0.4}``, ``income_brackets.200k_plus = 0.3``), values in YAML, several
  per message separated by new lines or ``;``; all edits of one message are one update;
- ``next`` (accept), ``back``, ``goto <step>`` (or just the step's name), ``review``, ``show``,
  ``estimate``, ``export``, ``generate``, ``help``;
- a whole YAML/JSON spec pasted in (or ``load`` followed by one) replaces the spec.
"""

from __future__ import annotations

import itertools
import json
import re
from collections.abc import Callable
from typing import Any

import yaml
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool

from agent.items import AssistantMessage, Item, ToolResult
from generators.brief import Interpretation, interpret
from generators.spec import GenerationSpec
from generators.spec.errors import Problem, SpecError
from generators.spec.io import apply_overrides
from tools.brief import apply_hint, listed, step_updates, understood
from tools.partial import diff
from tools.steps import EXAMPLES
from tools.wizard import STEP_MODELS, STEPS, WizardState

COMMANDS = {
    "accept": ("next", "accept", "ok", "yes", "y", "continue", "confirm"),
    "back": ("back", "previous", "prev"),
    "review": ("review", "summary"),
    "show": ("show", "values", "table"),
    "estimate": ("estimate", "sizes", "size"),
    "export": ("export", "yaml"),
    "generate": ("generate", "run"),
    "help": ("help", "?", "commands"),
    "apply": ("apply", "apply it"),
    "adjust": ("adjust", "discard"),
}
TOOL_OF = {
    "review": "review_spec",
    "estimate": "estimate_sizes",
    "export": "export_spec",
    "generate": "generate",
}
GOTO = re.compile(r"^(?:goto|go to|edit|step)\s+(\w+)$", re.IGNORECASE)
EDIT = re.compile(r"^\s*[A-Za-z_][\w.-]*\s*=\s*(?P<value>\S.*)$")
EXAMPLE_BRIEF = (
    "5,000 affluent suburban families in Texas and Florida, parents 35 to 54, heavy CTV "
    "viewers, Q1 2026"
)
SPEC_KEYS = set(GenerationSpec.model_fields) | {"schema"}
_ids = itertools.count(1)


def example_edits(step: str) -> str:
    """The step's example as ``field = value`` edits."""
    return "; ".join(
        f"{k} = {json.dumps(v, separators=(', ', ': '))}" for k, v in EXAMPLES[step].items()
    )


def help_text(wizard: WizardState) -> str:
    step = wizard.current_step
    where = f"You are at step **{step}**." if step else "Every step is accepted."
    lines = [
        where,
        "",
        f"- describe the market in plain English (e.g. *{EXAMPLE_BRIEF}*): I show what I "
        "understood, then `apply` or `adjust`",
        "- `field = value` edits the current step (dotted paths, YAML values; several edits "
        "separated by new lines or `;`)",
        "- `next` accepts the step, `back` goes to the previous one, `goto <step>` jumps back "
        f"({', '.join(STEPS)})",
        "- `show` (this step), `review` (everything), `estimate`, `export`, `generate`, `help`",
        "- paste a whole YAML spec to load it",
    ]
    if step:
        lines += ["", f"Example for {step}: `{example_edits(step)}`"]
    return "\n".join(lines)


def welcome_text(wizard: WizardState) -> str:
    """The opening invitation: a description first, exact edits as the precise path."""
    return (
        "**Describe your target market**, e.g. "
        f"*{EXAMPLE_BRIEF}*. I read it without a language model and show what I understood, "
        "step by step, before anything changes.\n\n"
        f"For exact values type `field = value` ({example_edits('households')}); `help` lists "
        "every command.\n\n" + help_text(wizard).split("\n", 1)[0]
    )


def looks_like_edits(text: str) -> bool:
    """Every line (or ``;`` part) is ``dotted.path = value`` with one YAML value."""
    parts = [p.strip() for p in re.split(r"[;\n]", text) if p.strip()]
    if not parts:
        return False
    for part in parts:
        match = EDIT.match(part)
        if match is None:
            return False
        value = match.group("value").strip()
        if ", " in value and value[0] not in "{[":
            return False
        try:
            yaml.safe_load(value)
        except yaml.YAMLError:
            return False
    return True


def looks_like_spec(text: str) -> dict[str, Any] | None:
    """A pasted spec: a YAML/JSON mapping over top-level spec keys, on several lines or as JSON."""
    if "\n" not in text.strip() and not text.strip().startswith("{"):
        return None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    if isinstance(data, dict) and data and set(map(str, data)) <= SPEC_KEYS:
        return data
    return None


class GuidedMode:
    """Turns short answers into tool calls on ``tools`` (those of ``tools.toolset.make_tools``)."""

    def __init__(self, wizard: WizardState, tools: list[BaseTool]):
        self.wizard = wizard
        self.tools = {t.name: t for t in tools}
        self.pending: Interpretation | None = None  # a reading waiting for apply or adjust

    def welcome(self) -> list[Item]:
        return [AssistantMessage(welcome_text(self.wizard)), *self._show()]

    def handle(self, text: str, emit: Callable[[Item], None]) -> None:
        """Act on one user message, emitting what the UI shows."""
        stripped = text.strip()
        word = stripped.lower()
        command = next((c for c, words in COMMANDS.items() if word in words), None)
        goto = GOTO.match(stripped)
        if not stripped or command == "show":
            self._emit_all(emit, self._show())
        elif command == "help":
            emit(AssistantMessage(help_text(self.wizard)))
        elif command == "apply":
            self._apply(emit)
        elif command == "adjust":
            self.pending = None
            emit(
                AssistantMessage(
                    "Nothing was applied. Describe it again with your corrections, or set exact "
                    "values with `field = value`."
                )
            )
        elif command == "accept":
            step = self.wizard.current_step
            if step is None:
                emit(AssistantMessage("Every step is accepted: `review`, `export` or `generate`."))
            else:
                emit(self._call("accept_step", step=step))
        elif command == "back":
            self._back(emit)
        elif command in TOOL_OF:
            emit(self._call(TOOL_OF[command]))
        elif goto or word in STEPS:
            emit(self._call("goto_step", step=(goto.group(1) if goto else word).lower()))
        elif word.startswith("load") and "\n" in stripped:
            emit(self._call("load_spec", yaml_text=stripped.split("\n", 1)[1]))
        elif looks_like_spec(stripped) is not None:
            emit(self._call("load_spec", yaml_text=stripped))
        elif looks_like_edits(stripped):
            self._edit(stripped, emit)
        else:
            self.describe(stripped, emit)

    # ------------------------------------------------------------ actions

    def _call(self, name: str, **args: Any) -> ToolResult:
        call = {"name": name, "args": args, "id": f"guided_{next(_ids)}", "type": "tool_call"}
        message: ToolMessage = self.tools[name].invoke(call)
        return ToolResult(
            name, str(message.content), message.status != "error", self.wizard.current_step
        )

    def _show(self) -> list[Item]:
        step = self.wizard.current_step
        if step is None:
            return [self._call("review_spec")]
        return [self._call("goto_step", step=step)]

    def _back(self, emit: Callable[[Item], None]) -> None:
        step = self.wizard.current_step
        index = len(STEPS) if step is None else STEPS.index(step)
        if index == 0:
            emit(AssistantMessage("This is the first step already."))
            return
        emit(self._call("goto_step", step=STEPS[index - 1]))

    def _edit(self, text: str, emit: Callable[[Item], None]) -> None:
        step = self.wizard.current_step
        if step is None:
            emit(AssistantMessage("Every step is accepted; `goto <step>` first to change one."))
            return
        lines = [part.strip() for part in re.split(r"[;\n]", text) if part.strip()]
        unknown = [line for line in lines if "=" not in line]
        if unknown:
            emit(
                AssistantMessage(
                    f"I did not understand {', '.join(map(repr, unknown))}.\n\n{help_text(self.wizard)}"
                )
            )
            return
        try:
            update = self._update(step, lines)
        except SpecError as error:
            emit(AssistantMessage("\n".join(f"- {p}" for p in error.problems)))
            return
        emit(self._call(f"set_{step}", **update))

    # ------------------------------------------------------------ plain English

    def describe(self, text: str, emit: Callable[[Item], None]) -> None:
        """Read a description offline and show what it would change (nothing changes yet)."""
        reading = interpret(text, self.wizard.data())
        step = self.wizard.current_step
        self.pending = None
        if not reading.understood:
            lines = [f"I did not understand {text!r}: none of its words maps to a spec field."]
            if reading.unsupported:
                lines += [f'- "{u.phrase}": {u.reason}' for u in reading.unsupported]
            emit(AssistantMessage("\n".join([*lines, "", help_text(self.wizard)])))
            return
        if reading.refused:
            emit(ToolResult("interpret_brief", understood(reading), False, step))
            return
        self.pending = reading
        text = f"{understood(reading)}\n\n{apply_hint(reading)}"
        emit(ToolResult("interpret_brief", text, True, step))

    def _apply(self, emit: Callable[[Item], None]) -> None:
        """Fill every step the pending reading touches through its tool, in order, then open
        those steps again so the user reviews each one."""
        reading, self.pending = self.pending, None
        updates = step_updates(reading) if reading is not None else {}
        if not updates:
            emit(AssistantMessage("Nothing to apply: describe your market first."))
            return
        touched = list(updates)
        for step in touched:
            failure = self._reach(step)
            if failure is None:
                failure = self._checked(self._call(f"set_{step}", **updates[step]))
            if failure is None and step != touched[-1]:
                failure = self._checked(self._call("accept_step", step=step))
            if failure is not None:
                emit(failure)
                return
        self.wizard.reopen(touched)
        emit(
            AssistantMessage(
                f"Applied: {listed(touched)} filled. Review each step below and accept it to go on "
                "(`field = value` changes an exact value)."
            )
        )
        emit(self._call("goto_step", step=touched[0]))

    def _reach(self, step: str) -> ToolResult | None:
        """Make ``step`` current: go back to it, or accept the open steps before it."""
        while self.wizard.current_step != step:
            current = self.wizard.current_step
            if (
                step in self.wizard.accepted
                or current is None
                or STEPS.index(current) > STEPS.index(step)
            ):
                return self._checked(self._call("goto_step", step=step))
            failure = self._checked(self._call("accept_step", step=current))
            if failure is not None:
                return failure
        return None

    @staticmethod
    def _checked(result: ToolResult) -> ToolResult | None:
        return None if result.ok else result

    def _update(self, step: str, lines: list[str]) -> dict[str, Any]:
        """The update that applies ``path = value`` lines to the current step."""
        relative = []
        for line in lines:
            path, value = line.split("=", 1)
            head, _, rest = path.strip().partition(".")
            if head in STEPS and rest:
                if head != step:
                    raise SpecError(
                        [Problem(path.strip(), f"is in step {head}; type `goto {head}` first")]
                    )
                path = rest
            relative.append(f"{path.strip()}={value}")
        before = self.wizard.step_data(step)
        return diff(before, apply_overrides(before, relative), STEP_MODELS[step])

    @staticmethod
    def _emit_all(emit: Callable[[Item], None], items: list[Item]) -> None:
        for item in items:
            emit(item)
