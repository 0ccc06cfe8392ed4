"""The wizard's tools as one list, and the subset offered to the model at each turn.

Offered: the current step's ``set_<step>`` and ``accept_step`` (while a step is open), the
always-safe tools, and ``generate`` only once ``WizardState.gate()`` is empty. Tools that are
not offered still refuse on their own when called: the filter guides, the tools enforce.
"""

from __future__ import annotations

from langchain_core.tools import BaseTool

from tools.actions import (
    AcceptStep,
    EstimateSizes,
    ExportSpec,
    Generate,
    GotoStep,
    LoadSpec,
    ReviewSpec,
    RunLogger,
    Runner,
)
from tools.brief import InterpretBrief
from tools.steps import step_tools
from tools.wizard import WizardState

ALWAYS = (
    "goto_step",
    "review_spec",
    "estimate_sizes",
    "export_spec",
    "load_spec",
    "interpret_brief",
)


def make_tools(
    wizard: WizardState, runner: Runner, tracker: RunLogger | None = None
) -> list[BaseTool]:
    """Every tool bound to ``wizard``; ``runner(spec)`` performs a generation."""
    return [
        *step_tools(wizard),
        AcceptStep(wizard=wizard),
        GotoStep(wizard=wizard),
        ReviewSpec(wizard=wizard),
        EstimateSizes(wizard=wizard),
        ExportSpec(wizard=wizard),
        LoadSpec(wizard=wizard),
        InterpretBrief(wizard=wizard),
        Generate(wizard=wizard, runner=runner, tracker=tracker),
    ]


def offered_names(wizard: WizardState) -> set[str]:
    """Names of the tools the model may see now."""
    names = set(ALWAYS)
    if wizard.current_step is not None:
        names |= {f"set_{wizard.current_step}", "accept_step"}
    if wizard.can_generate:
        names.add("generate")
    return names


def offered(wizard: WizardState, tools: list[BaseTool]) -> list[BaseTool]:
    """The tools offered now, in their original order."""
    names = offered_names(wizard)
    return [t for t in tools if t.name in names]
