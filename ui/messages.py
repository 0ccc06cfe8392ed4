"""The app's own Markdown (no Chainlit): the welcome, the edit hint, the run's table of results.

Step tables, reviews and run summaries come from the wizard's tools (``tools.step_tables``); this
module only adds what the chat shows around them.
"""

from __future__ import annotations

from pathlib import Path

from agent.guided import example_edits
from tools.wizard import STEPS
from ui.run_progress import RunProgress

STEP_LINES = (
    ("households", "how many households, how big, where, how affluent"),
    ("demographics", "ages, gender, education, employment, cross-device identifiers"),
    ("engagement", "the time window, events per person, content catalogue, devices"),
    ("audience", "segments, affinity, behavioural classes, propensity"),
    ("campaigns", "count, flights, channels, budgets, targeting, frequency, holdouts"),
    ("responses", "conversion, planted lift, response lags, order values, attribution"),
)


def welcome(user_line: str, mode: str, model_label: str) -> str:
    """The opening message: who is signed in, the six steps, the two modes, the buttons."""
    steps = "\n".join(f"{i}. **{name}**: {what}" for i, (name, what) in enumerate(STEP_LINES, 1))
    if mode == "guided":
        how = (
            "You are in the **guided mode** (no language model configured): describe the market "
            "in plain English and the offline interpreter shows what it understood, step by step, "
            "for you to **Apply** or **Adjust**; `field = value` sets an exact value (e.g. "
            "`count = 5000`, `states = {TX: 0.6, FL: 0.4}`); `next` accepts a step, then `back`, "
            "`review`, `estimate`, `export`, `generate` or `help`."
        )
    else:
        how = (
            f"You are chatting with a **language model** ({model_label}): describe the market in "
            "plain English and it fills each step for you to confirm; `field = value` works too."
        )
    return (
        "# idgraph: synthetic marketing identity graphs\n\n"
        f"{user_line}\n\n"
        "We build a generation spec in six steps, then choose where the tables go and the seed:\n\n"
        f"{steps}\n\n"
        "Two modes share the same steps and checks: a **language model** that turns plain English "
        "into the spec, or the **guided mode** driven by short commands.\n\n"
        f"{how}\n\n"
        "The buttons under each step accept it, go back, show how to edit, review everything, "
        "export the spec as YAML and, once every step is accepted, generate. Upload a spec file "
        "(YAML or JSON, with the paperclip) to resume or rerun it."
    )


def edit_hint(step: str | None, mode: str) -> str:
    """How to change the current step by typing."""
    if step is None:
        return (
            "Every step is accepted. To change one, type `goto <step>` "
            f"({', '.join(STEPS)}), then `field = value`."
        )
    plain = " Or just say what you want in plain English."
    return (
        f"Type `field = value` to change **{step}** (dotted paths inside the step, YAML values; "
        f"several edits separated by `;` or new lines).{plain}\n\n"
        f"Example: `{example_edits(step)}`"
    )


def table_results(progress: RunProgress, location: str, local: bool) -> str:
    """Rows and seconds per table, and where every table lives."""
    lines = ["| table | rows | seconds | location |", "|---|---:|---:|---|"]
    for state in progress.tables.values():
        seconds = f"{state.seconds:.1f}" if state.seconds is not None else ""
        where = str(Path(location) / state.name) if local else f"{location}.{state.name}"
        lines.append(f"| {state.name} | {state.rows:,} | {seconds} | `{where}` |")
    total = sum(state.rows for state in progress.tables.values())
    lines.append(f"| **total** | **{total:,}** | {progress.elapsed:.1f} | |")
    kind = "local Delta tables" if local else "Unity Catalog tables"
    return f"**Tables** ({kind}):\n\n" + "\n".join(lines)
