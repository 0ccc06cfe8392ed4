"""One tool per wizard step: ``set_<step>`` merges a partial update into that step.

The arguments are the step's section model made all-optional (``tools.partial``), so field
types, ranges and descriptions come from ``generators.spec`` alone. The result is the step's
resolved values as a table for the user to confirm, or the problems to fix.
"""

from __future__ import annotations

import json
from typing import Any

from generators.spec import GenerationSpec
from generators.spec.errors import Problem
from tools.partial import partial_model, update_dict
from tools.step_tables import changed_paths, step_table
from tools.wizard import STEP_MODELS, STEP_TITLES, STEPS, WizardState
from tools.wizard_tool import WizardTool

EXAMPLES: dict[str, dict[str, Any]] = {
    "households": {
        "count": 5000,
        "states": {"TX": 0.55, "FL": 0.45},
        "income_brackets": {"100k_150k": 0.45, "150k_200k": 0.3, "200k_plus": 0.25},
        "urbanicity": {"suburban": 0.8, "urban": 0.2},
    },
    "demographics": {
        "householder_age": {"35-44": 0.5, "45-54": 0.5},
        "identity": {"identifier_types": {"ctv_id": 0.9}, "noise": {"preset": "hard"}},
    },
    "engagement": {
        "start_date": "2026-01-01",
        "end_date": "2026-03-31",
        "events_per_individual": {"mean": 60},
        "devices": {"ctv": 0.6, "mobile": 0.25, "desktop": 0.1, "tablet": 0.05},
    },
    "audience": {
        "segments": [
            {"name": "ctv_families", "min_age": 35, "max_age": 54, "preferred_devices": ["ctv"]}
        ]
    },
    "campaigns": {
        "count": 4,
        "channels": {"ctv": 0.5, "video": 0.3, "social": 0.2},
        "target_segments": ["ctv_families"],
    },
    "responses": {"baseline_conversion_rate": 0.01, "max_incremental_lift": 0.02},
    "output": {"catalog": "main", "schema": "synthetic_tx_fl", "mode": "overwrite", "seed": 7},
}

SEED_FIELD = (("seed", GenerationSpec.model_fields["seed"]),)


def args_model(step: str) -> type:
    """The partial model a step tool takes (the output step also takes ``seed``)."""
    return partial_model(STEP_MODELS[step], SEED_FIELD if step == "output" else ())


def describe(step: str) -> str:
    number = STEPS.index(step) + 1
    return (
        f"Step {number} of {len(STEPS)} ({step}): set {STEP_TITLES[step]}. Pass ONLY the fields "
        "to change: nested objects merge, while maps (weights such as states or devices) and "
        "lists (segments, flights) replace as a whole. Weights are shares summing to 1 over the "
        "listed labels; omitted labels get 0. Works only while this is the current step (see "
        "goto_step). Returns the step's resolved values for the user to confirm, or the fields "
        f"to fix. Example: {json.dumps(EXAMPLES[step])}"
    )


class StepTool(WizardTool):
    """``set_<step>``: a partial update of one wizard step."""

    step: str

    def locate(self, problem: Problem) -> Problem:
        if self.step == "output" and problem.path.split(".")[0] == "seed":
            return problem
        return Problem(".".join(p for p in (self.step, problem.path) if p), problem.message)

    def act(self, **kwargs: Any) -> str:
        update = update_dict(self.args_schema.model_validate(kwargs))
        if not update:
            return "Nothing was changed (no field given).\n\n" + step_table(self.wizard, self.step)
        elsewhere = self.wizard.update(self.step, update)
        text = step_table(self.wizard, self.step, changed_paths(update, STEP_MODELS[self.step]))
        if elsewhere:
            text += "\n\nThis change breaks other steps (they must be fixed there):\n" + "\n".join(
                f"- {p}" for p in elsewhere
            )
        return (
            f"{text}\n\nShow these values to the user; once confirmed, call "
            f"accept_step(step='{self.step}')."
        )


def step_tools(wizard: WizardState) -> list[StepTool]:
    """The ``set_<step>`` tools, in step order."""
    return [
        StepTool(
            name=f"set_{step}",
            description=describe(step),
            args_schema=args_model(step),
            wizard=wizard,
            step=step,
        )
        for step in STEPS
    ]
