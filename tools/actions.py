"""The wizard's other tools: accept, go to a step, review, estimate, export, load, generate.

``generate`` refuses unless ``WizardState.gate()`` is empty; it calls an injected ``runner``
(``spec -> GenerationResult``) and an optional ``tracker`` (``(spec, result) -> note``) so progress events, cancellation and tracking stay with the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from generators.spec import GenerationSpec
from generators.spec.errors import SpecError
from generators.spec.io import parse_spec, parse_spec_text, spec_to_yaml
from generators.spec.rules import spec_warnings
from tools.step_tables import review, run_summary, step_table
from tools.wizard import STEPS, WizardError
from tools.wizard_tool import WizardTool

StepName = Literal[STEPS]  # type: ignore[valid-type]
Runner = Callable[[GenerationSpec], Any]
RunLogger = Callable[[GenerationSpec, Any], str]


class StepArg(BaseModel):
    model_config = ConfigDict(extra="forbid")
    step: StepName = Field(description=f"One of {', '.join(STEPS)}.")


class YamlArg(BaseModel):
    model_config = ConfigDict(extra="forbid")
    yaml_text: str = Field(
        description="A whole spec as YAML or JSON text (e.g. one exported by export_spec)."
    )


class AcceptStep(WizardTool):
    name: str = "accept_step"
    description: str = (
        "Accept the current step once the user confirmed its values, and move to the next open "
        "step. Refused when the step has problems, or when `step` is not the current step (steps "
        "cannot be skipped). Accepting the output step runs the write-permission check for "
        "output.catalog/schema. Returns the next step's values."
    )
    args_schema: type[BaseModel] = StepArg

    def act(self, step: str) -> str:
        following = self.wizard.accept(step)
        done = f"{step} accepted."
        if step == "output":
            done += f" Permission check: {self.wizard.permission_message}."
        if following is not None:
            return f"{done} Next:\n\n{step_table(self.wizard, following)}"
        reasons = self.wizard.gate()
        if reasons:
            return (
                done + " Generation is not available yet:\n" + "\n".join(f"- {r}" for r in reasons)
            )
        return (
            f"{done} Every step is accepted and the spec is valid: the generate tool is now "
            "available. Offer review_spec, estimate_sizes or export_spec, and ask the user before "
            "generating."
        )


class GotoStep(WizardTool):
    name: str = "goto_step"
    description: str = (
        "Go back to a step to review or edit it (any accepted step, or the first open one; "
        "later steps cannot be reached before the earlier ones are accepted). Editing a step "
        "re-opens it until it is accepted again. Returns the step's values."
    )
    args_schema: type[BaseModel] = StepArg

    def act(self, step: str) -> str:
        self.wizard.goto(step)
        return step_table(self.wizard, step)


class ReviewSpec(WizardTool):
    name: str = "review_spec"
    description: str = (
        "Show every step's values and status (accepted, current, open) and what still blocks "
        "generation. Changes nothing."
    )

    def act(self) -> str:
        return review(self.wizard)


class EstimateSizes(WizardTool):
    name: str = "estimate_sizes"
    description: str = (
        "Expected rows per table and in total for the current spec, computed without running "
        "Spark. Needs a valid spec. Changes nothing."
    )

    def act(self) -> str:
        from generators.run.estimate import render_estimate
        from generators.tables.expected import estimate

        spec = self.wizard.spec()
        lines = [f"```\n{render_estimate(estimate(spec))}\n```"]
        lines += [f"Warning: {w}" for w in spec_warnings(spec)]
        return "\n".join(lines)


class ExportSpec(WizardTool):
    name: str = "export_spec"
    description: str = (
        "The whole spec as YAML (every value explicit). The same YAML and seed regenerate "
        "identical tables, with `idgraph generate FILE` or load_spec. Needs a valid spec."
    )

    def act(self) -> str:
        return f"```yaml\n{spec_to_yaml(self.wizard.spec())}```"


class LoadSpec(WizardTool):
    name: str = "load_spec"
    description: str = (
        "Replace the whole spec by one given as YAML or JSON text (e.g. from export_spec). "
        "Missing fields take their defaults. The spec must validate and its output target must "
        "pass the permission check; then every step counts as accepted. Returns the review."
    )
    args_schema: type[BaseModel] = YamlArg

    def act(self, yaml_text: str) -> str:
        try:
            spec = parse_spec(parse_spec_text(yaml_text))
        except SpecError as error:
            raise WizardError("The spec was NOT loaded; fix these:", error.problems) from None
        self.wizard.load(spec)
        return "Spec loaded.\n\n" + review(self.wizard)


class Generate(WizardTool):
    name: str = "generate"
    description: str = (
        "Generate every table from the accepted spec into output.catalog/schema. Only available "
        "once every step is accepted, the spec is valid and the write permission was checked. "
        "Takes minutes for large specs; returns tables, rows, time, location and the validation "
        "verdict. Call it only when the user asked to generate."
    )
    runner: Runner
    tracker: RunLogger | None = None

    def act(self) -> str:
        reasons = self.wizard.gate()
        if reasons:
            raise WizardError(
                "generate refused; nothing was written:\n" + "\n".join(f"- {r}" for r in reasons)
            )
        spec = self.wizard.spec()
        result = self.runner(spec)
        self.wizard.last_result = result
        text = run_summary(result)
        recorded = getattr(result, "spec", None)
        if isinstance(recorded, GenerationSpec) and self.wizard.adopt_recorded(recorded):
            ends = ", ".join(str(d) for d in recorded.engagement.extended_from)
            text += (
                f"\n\nThe append extended the window: the spec now records its earlier ends "
                f"(engagement.extended_from: {ends}); export it to rerun to the same data."
            )
        if self.tracker is not None:
            try:
                text += f"\n\n{self.tracker(spec, result)}"
            except Exception as error:  # tracking must not hide a finished run
                text += f"\n\nThe run was not tracked: {type(error).__name__}: {error}"
        return text
