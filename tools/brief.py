"""A plain-English brief in the wizard: what the offline interpreter understood, per step.

``step_updates`` turns an ``Interpretation`` into one partial update per wizard step (what
``set_<step>`` takes); ``understood`` renders it as Markdown: a table per step (field, new value,
the brief's words), then what was not used and what the spec cannot express. ``InterpretBrief``
is the same reading as a tool the model may call: it changes nothing and returns the table and
the updates to pass to the step tools.
"""

from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from generators.brief import Interpretation, interpret
from tools.partial import diff
from tools.step_tables import value_text
from tools.wizard import STEP_MODELS, STEPS, WizardError, owner
from tools.wizard_tool import WizardTool


def _step_data(data: dict[str, Any], step: str) -> dict[str, Any]:
    if step == "output":
        return {**data["output"], "seed": data["seed"]}
    return data[step]


def step_updates(reading: Interpretation) -> dict[str, dict[str, Any]]:
    """Step -> the partial update that applies the reading to it, in step order (empty when
    the reading was refused)."""
    if reading.spec is None:
        return {}
    after = reading.spec.canonical()
    updates = {}
    for step in STEPS:
        update = diff(_step_data(reading.base, step), _step_data(after, step), STEP_MODELS[step])
        if update:
            updates[step] = update
    return updates


def _relative(path: str) -> str:
    return path if path == "seed" else path.split(".", 1)[1]


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def understood(reading: Interpretation) -> str:
    """The reading as Markdown: per step, field | new value | from."""
    lines = ["**Here is what I understood** (nothing changes until you apply it):"]
    by_step: dict[str, list] = {}
    for edit in reading.edits:
        by_step.setdefault(owner(edit.path) or "output", []).append(edit)
    for step in STEPS:
        if step not in by_step:
            continue
        lines += ["", f"**{step}**", "", "| field | new value | from |", "|---|---|---|"]
        for edit in by_step[step]:
            source = f'"{edit.phrase}"' + (f" ({edit.note})" if edit.note else "")
            lines.append(
                f"| {_cell(_relative(edit.path))} | {_cell(value_text(edit.value))} | {_cell(source)} |"
            )
    lines += _leftovers(reading)
    if reading.refused:
        lines += [
            "",
            "**This brief cannot be built as stated** (nothing was changed):",
            *(f"- {p}" for p in reading.problems),
            "",
            "Say which one you mean, or fix it with `field = value`.",
        ]
    return "\n".join(lines)


def _leftovers(reading: Interpretation) -> list[str]:
    lines = []
    if reading.unsupported:
        listed = "; ".join(f'"{u.phrase}": {u.reason}' for u in reading.unsupported)
        lines += ["", f"**Not expressible** (nothing changed for it): {listed}."]
    if reading.unused:
        lines += ["", "**Not used**: " + ", ".join(f'"{p}"' for p in reading.unused) + "."]
    return lines


def listed(steps: list[str]) -> str:
    """ "households, demographics and engagement"."""
    return ", ".join(steps[:-1]) + (" and " if len(steps) > 1 else "") + steps[-1]


def apply_hint(reading: Interpretation) -> str:
    steps = list(step_updates(reading))
    if not steps:
        return "Nothing in it changes the spec."
    return (
        f"**Apply** fills {listed(steps)} (each step still checked by its tool) and then walks you "
        "through them for review; **Adjust** to say it differently. `field = value` sets an exact "
        "value."
    )


class BriefArg(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str = Field(description="The user's plain-English description of the market.")


class InterpretBrief(WizardTool):
    name: str = "interpret_brief"
    description: str = (
        "Read a plain-English market description with the deterministic offline interpreter "
        "(words to spec fields, from the project's vocabulary). Changes nothing. Returns what it "
        "understood (field, value, the user's words), words it could not use, requests the spec "
        "cannot express, contradictions, and the update for each step: pass each one to its "
        "set_<step> tool in step order, accepting each step before the next."
    )
    args_schema: type[BaseModel] = BriefArg

    def act(self, text: str) -> str:
        reading = interpret(text, self.wizard.data())
        if reading.refused:
            raise WizardError(
                "The brief cannot be built as stated; nothing was changed. Explain the conflict "
                "to the user and ask which value they mean:",
                reading.problems,
            )
        updates = step_updates(reading)
        parts = [understood(reading)]
        if updates:
            parts.append(
                "Updates per step:\n"
                + "\n".join(
                    f"- set_{step}: {json.dumps(update)}" for step, update in updates.items()
                )
            )
        return "\n\n".join(parts)
