"""Writing a ``Report`` to its folder: report.json (every check), report.md (verdict first, then
tables of checks) and the PNG plots. Written files contain no wall-clock values."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from generators.validation.attribution import AttributionSection
from generators.validation.model import Check, Report
from generators.validation.plots import write_plots
from generators.validation.resolution import MAX_KEYS_PER_IDENTIFIER, ResolutionSection

MAX_CELL = 90
ICONS = {"pass": "✅ pass", "warn": "⚠️ warn", "fail": "❌ fail"}


def to_json(report: Report) -> str:
    return json.dumps(report.to_dict(), indent=2, default=str, sort_keys=False) + "\n"


def write_report(report: Report, folder: Path) -> Path:
    """Write every output of ``report`` into ``folder`` (created); sets ``report.path``."""
    folder.mkdir(parents=True, exist_ok=True)
    report.path = str(folder)
    plots = write_plots(report.checks, folder)
    (folder / "report.json").write_text(to_json(report), encoding="utf-8")
    (folder / "report.md").write_text(render_markdown(report, plots), encoding="utf-8")
    return folder


def render_markdown(report: Report, plots: list[str]) -> str:
    hard = [c for c in report.checks if c.kind == "hard"]
    stats = [c for c in report.checks if c.kind == "stat"]
    lines = [
        f"# Validation report: {report.catalog}.{report.schema}",
        "",
        f"**Verdict: {'PASSED' if report.passed else 'FAILED'}** — "
        f"{sum(c.ok for c in hard)}/{len(hard)} hard checks pass, "
        f"{sum(c.ok for c in stats)}/{len(stats)} statistical checks within tolerance "
        f"({len(report.warned())} warnings).",
        "",
        f"Report `{report.report_id}`, spec fingerprint `{report.spec_fingerprint[:16]}` "
        f"({report.spec_source}).",
        "",
    ]
    lines += [f"- {note}" for note in report.notes]
    lines += ["", "## Rows", "", "| table | rows |", "|---|---:|"]
    lines += [f"| {t} | {n:,} |" for t, n in report.rows.items()]
    problems = report.failed() + report.warned()
    if problems:
        lines += ["", "## Needs attention", ""]
        lines += [f"- {ICONS[c.verdict]} `{c.name}`: {_why(c)}" for c in problems]
    lines += ["", "## Hard checks", "", "| table | checks | failed |", "|---|---:|---:|"]
    for table in dict.fromkeys(c.table for c in hard):
        mine = [c for c in hard if c.table == table]
        lines.append(f"| {table} | {len(mine)} | {sum(not c.ok for c in mine)} |")
    lines += [
        "",
        "<details><summary>Every hard check</summary>",
        "",
        "| verdict | check | rule | violations | examples |",
        "|---|---|---|---:|---|",
    ]
    lines += [
        f"| {ICONS[c.verdict]} | `{c.name}` | {_cell(c.description)} | {c.violations:,} | "
        f"{_cell(', '.join(map(str, c.samples)) if not c.ok else '')} |"
        for c in hard
    ]
    lines += ["", "</details>"]
    lines += [
        "",
        "## Statistical checks",
        "",
        "| verdict | check | target | observed | statistic | tolerance |",
        "|---|---|---|---|---|---|",
    ]
    lines += [
        f"| {ICONS[c.verdict]} | `{c.name}` | {_cell(c.target)} | {_cell(c.observed)} | "
        f"{_cell(c.statistic)} | {_cell(c.tolerance)} |"
        for c in stats
    ]
    lines += _campaign_table(report.checks)
    lines += _attribution_table(report.attribution)
    lines += _resolution_table(report.resolution)
    if plots:
        lines += ["", "## Plots", ""]
        lines += [f"![{p.removesuffix('.png')}]({p})" for p in plots]
    return "\n".join(lines) + "\n"


def _campaign_table(checks: list[Check]) -> list[str]:
    lift = next((c for c in checks if c.name == "lift:campaign_ground_truth"), None)
    if lift is None:
        return []
    lines = [
        "",
        "## Lift per campaign",
        "",
        "True lift is campaign_ground_truth.true_lift (the expected effect on reached people);",
        "observed lift is the conversion rate of reached minus holdout people.",
        "",
        "| campaign | planted lift (max) | true lift | observed lift | 95% CI | covered |",
        "|---:|---:|---:|---:|---|---|",
    ]
    lines += [
        f"| {r['campaign_id']} | {r['planted_lift']:.4f} | {r['true_lift']:.4f} | {r['observed_lift']:.4f} | "
        f"[{r['ci_low']:.4f}, {r['ci_high']:.4f}] | {'yes' if r['covered'] else 'no'} |"
        for r in lift.data["campaigns"]
    ]
    return lines


def _attribution_table(section: AttributionSection | None) -> list[str]:
    if section is None:
        return []
    lines = [
        "",
        "## Attribution against truth",
        "",
        "Credit per campaign is the sum of outcome_metrics.attribution_weight over touches "
        "(organic rows credit no campaign);",
        "truth is campaign_ground_truth.true_incremental_conversions. Errors are summed over "
        "campaigns; over-credit is",
        "weight given to conversions that would have happened anyway, under-credit "
        "incremental conversions left organic.",
        "",
        "| model | credited | true incremental | absolute error | relative error "
        "| signed error | over-credit | under-credit |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {m.model} | {m.credited:,.1f} | {m.true_incremental:,} | {m.absolute_error:,.1f} | "
        f"{'' if m.relative_error is None else f'{m.relative_error:.1%}'} | "
        f"{m.signed_error:+,.1f} | {m.over_credit:,.1f} | {m.under_credit:,.1f} |"
        for m in section.models
    ]
    if section.models_agree and len(section.models) > 1:
        lines += [
            "",
            "Every model gives each campaign the same credit: touch paths never cross campaigns, "
            "so the models differ only in how they split a conversion among its touches.",
        ]
    return lines


def _resolution_table(section: ResolutionSection | None) -> list[str]:
    if section is None:
        return []
    lines = [
        "",
        "## Identity resolution reference",
        "",
        "A plain resolver: person keys that share an identifier (type and value) are connected, "
        f"identifiers of more than {MAX_KEYS_PER_IDENTIFIER} keys left out, and connected",
        "components taken; households over every identifier, persons over identifiers that are "
        "not household-shared. Pairwise scores against the truth",
        f"(household_id, true_owner_individual_id) on the first {section.households:,} "
        "households. About 1 without noise; lower is a harder graph.",
        "",
        "| level | scored | precision | recall | F1 | clusters | true entities |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {s.level} | {s.unit} | {s.precision:.4f} | {s.recall:.4f} | {s.f1:.4f} | "
        f"{s.clusters:,} | {s.true_entities:,} |"
        for s in section.scores
    ]
    return lines


def _why(check: Check) -> str:
    if check.kind == "hard":
        samples = f"; e.g. {', '.join(map(str, check.samples))}" if check.samples else ""
        return f"{check.description}: {check.violations:,} violations{samples}"
    return f"{check.description}: {check.statistic} (tolerance {check.tolerance})"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    text = text.replace("|", "\\|")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"
