"""Expected rows per table for a spec, computed from the spec alone (no Spark job).

Each table module owns its formula as ``expected_rows(spec) -> float``; this module only gathers
them from the registry, in pipeline order. Estimates are expectations: actual counts differ by
sampling noise.
"""

from __future__ import annotations

from dataclasses import dataclass

from generators.spec import GenerationSpec
from generators.tables.registry import TABLES


@dataclass(frozen=True)
class Estimate:
    """Expected rows per table, in pipeline order."""

    rows: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.rows.values())


def estimate(spec: GenerationSpec) -> Estimate:
    """Expected rows of every table for this spec."""
    rows = {node.name: round(node.expected_rows(spec)) for node in TABLES}
    return Estimate(rows)
