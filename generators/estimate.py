"""Expected rows per table for a spec, computed from the spec alone (no Spark job).

Each table module owns its formula as ``expected_rows(spec) -> float``; this module only
gathers them in pipeline order. Estimates are expectations: actual counts differ by sampling noise.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from generators.spec import GenerationSpec

TABLE_MODULES = {
    "households": "generators.households",
    "individuals": "generators.individuals",
    "identity_mappings": "generators.identity",
    "content_catalog": "generators.content",
    "content_engagements": "generators.engagement",
    "viewership_patterns": "generators.patterns",
    "audience_attributes": "generators.audience",
    "campaigns": "generators.campaigns",
    "campaign_audience": "generators.campaign_audience",
    "campaign_exposures": "generators.exposures",
    "response_events": "generators.responses",
    "outcome_metrics": "generators.outcomes",
    "campaign_ground_truth": "generators.ground_truth",
}


@dataclass(frozen=True)
class Estimate:
    """Expected rows per table, in pipeline order."""

    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def estimate(spec: GenerationSpec) -> Estimate:
    """Expected rows of every table for this spec."""
    rows = {}
    for table, module_name in TABLE_MODULES.items():
        module = importlib.import_module(module_name)
        rows[table] = round(module.expected_rows(spec))
    return Estimate(rows)


def render_estimate(result: Estimate) -> str:
    """A plain two-column table: table, expected rows, then the total."""
    width = max(len(t) for t in result.rows) + 2
    lines = [f"{'table':<{width}}{'expected rows':>15}"]
    lines += [f"{table:<{width}}{rows:>15,}" for table, rows in result.rows.items()]
    lines.append(f"{'total':<{width}}{result.total:>15,}")
    return "\n".join(lines)
