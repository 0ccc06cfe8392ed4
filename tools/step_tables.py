"""Compact Markdown views of the wizard: a step's values, the whole review, a run summary.

Tables stay short: nested sections flatten to dotted rows, maps show their largest weights,
long profiles are abbreviated. The same text goes to the model (to echo) and to the user.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from tools.partial import section_type
from tools.wizard import STEP_MODELS, STEP_TITLES, STEPS, WizardState

MAP_ITEMS = 8  # every map but states fits
LIST_ITEMS = 6
VERDICTS = {True: "passed", False: "FAILED", None: "not run"}  # by validation_passed


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return f"{value:,}" if abs(value) >= 10_000 else str(value)
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def _map(value: dict[str, Any]) -> str:
    if not value:
        return "(none)"
    items = list(value.items())
    if _numeric(value):
        items.sort(key=lambda kv: (-kv[1], kv[0]))
    shown = ", ".join(f"{k} {_number(v)}" for k, v in items[:MAP_ITEMS])
    rest = len(items) - MAP_ITEMS
    return shown + (f", … +{rest} more" if rest > 0 else "")


def _numeric(value: dict[str, Any]) -> bool:
    return all(isinstance(v, int | float) and not isinstance(v, bool) for v in value.values())


def _item(value: dict[str, Any]) -> str:
    """A list item (segment, flight): its name, then every non-empty condition."""
    name = value.get("name", "")
    rest = [
        f"{k}={_leaf(v)}"
        for k, v in value.items()
        if k not in ("name", "description") and v not in (None, [], {}, "")
    ]
    return f"{name}: {'; '.join(rest)}" if rest else str(name)


def _leaf(value: Any) -> str:
    if isinstance(value, dict):
        return _map(value)
    if isinstance(value, list):
        if not value:
            return "(none)"
        shown = ", ".join(_leaf(v) for v in value[:LIST_ITEMS])
        more = f", … ({len(value)} values)" if len(value) > LIST_ITEMS else ""
        return shown + more
    if value is None:
        return "(any)"
    return _number(value)


def value_text(value: Any) -> str:
    """A value as the step tables show it (maps by largest weight, long lists cut)."""
    return _leaf(value)


def _nested(model: type[BaseModel], key: str) -> type[BaseModel] | None:
    info = next((f for n, f in model.model_fields.items() if key in (n, f.alias)), None)
    return section_type(info.annotation) if info is not None else None


def rows(data: dict[str, Any], model: type[BaseModel], prefix: str = "") -> list[tuple[str, str]]:
    """(dotted field, shown value) rows; nested sections flatten, lists of items get a row each."""
    out: list[tuple[str, str]] = []
    for key, value in data.items():
        nested = _nested(model, key)
        path = f"{prefix}{key}"
        if nested is not None and isinstance(value, dict):
            out += rows(value, nested, f"{path}.")
        elif value and isinstance(value, list) and all(isinstance(v, dict) for v in value):
            out += [(f"{path}.{i}", _item(v)) for i, v in enumerate(value)]
        else:
            out.append((path, _leaf(value)))
    return out


def step_status(wizard: WizardState, step: str) -> str:
    if step == wizard.current_step:
        return "current"
    return "accepted" if step in wizard.accepted else "open"


def step_table(wizard: WizardState, step: str, changed: set[str] = frozenset()) -> str:
    """The step's header and a two-column table of its values; changed fields are marked *."""
    data = wizard.step_data(step)
    model = STEP_MODELS[step]
    header = (
        f"**Step {STEPS.index(step) + 1}/{len(STEPS)} · {step}** ({step_status(wizard, step)}): "
        f"{STEP_TITLES[step]}"
    )
    body = ["| field | value |", "|---|---|"]
    for path, shown in rows(data, model):
        mark = " *" if any(path == c or path.startswith(f"{c}.") for c in changed) else ""
        body.append(f"| {path}{mark} | {shown} |")
    note = ["", "`*` = changed now"] if changed else []
    return "\n".join([header, "", *body, *note])


def changed_paths(update: dict[str, Any], model: type[BaseModel], prefix: str = "") -> set[str]:
    """Dotted paths an update sets (maps and lists count as one path)."""
    paths: set[str] = set()
    for key, value in update.items():
        nested = _nested(model, key)
        if nested is not None and isinstance(value, dict):
            paths |= changed_paths(value, nested, f"{prefix}{key}.")
        else:
            paths.add(f"{prefix}{key}")
    return paths


def review(wizard: WizardState) -> str:
    """Every step's table with its status, then what still blocks generation."""
    parts = [step_table(wizard, step) for step in STEPS]
    reasons = wizard.gate()
    if reasons:
        parts.append("**Not ready to generate:**\n" + "\n".join(f"- {r}" for r in reasons))
    else:
        parts.append("**Ready to generate** into {}.{}.".format(*wizard.target))
    return "\n\n".join(parts)


def run_summary(result: Any) -> str:
    """Tables and rows, time, location and validation verdict of a GenerationResult; for a
    Databricks Jobs run (a ``JobRunResult``), its run page and the tables' Unity Catalog names."""
    if hasattr(result, "tables"):
        return _job_summary(result)
    lines = [
        f"Generated {len(result.rows)} tables in {result.seconds:.1f} s (run {result.run_id}).",
        f"Location: {result.location}",
        f"Validation: {_verdict(result)}"
        + (f" (report: {result.report_dir})" if result.report_dir else ""),
        "",
        *_rows_table(result.rows),
    ]
    return "\n".join(lines)


def _job_summary(result: Any) -> str:
    """The tables' names and, when the run's output carried them, its verdict and rows."""
    page = f" ([run page]({result.run_page_url}))" if result.run_page_url else ""
    lines = [
        f"Databricks job run {result.run_id} wrote its tables in {result.seconds:.0f} s{page}.",
        f"Location: {result.location} (Unity Catalog)",
    ]
    if result.rows:
        lines += [
            f"Validation: {_verdict(result)}",
            "",
            *_rows_table(result.rows),
        ]
        return "\n".join(lines)
    lines += [
        "Rows and the validation verdict are in the run's output on Databricks.",
        "",
        "Tables:",
        *(f"- `{name}`" for name in result.tables),
    ]
    return "\n".join(lines)


def _verdict(result: Any) -> str:
    if result.validation_error:
        return f"could not finish ({result.validation_error}); the tables are committed"
    if result.validation_passed is None and result.cancelled:
        return "not run (cancelled after the tables were committed)"
    return VERDICTS[result.validation_passed]


def _rows_table(rows: dict[str, int]) -> list[str]:
    return [
        "| table | rows |",
        "|---|---:|",
        *(f"| {table} | {count:,} |" for table, count in rows.items()),
        f"| total | {sum(rows.values()):,} |",
    ]
