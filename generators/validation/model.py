"""The validation report's data: checks with verdicts, gathered in a ``Report``.

Invariants: a hard check is ``pass`` or ``fail`` (``violations`` counts offending rows or keys,
``samples`` holds at most ``MAX_SAMPLES`` of them); a statistical check is ``pass`` or ``warn``
(never ``fail``) and states its target, observed value, statistic and tolerance. A report passes
when every hard check passes. Everything is JSON-compatible (``to_dict``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from generators.validation.attribution import AttributionSection
    from generators.validation.resolution import ResolutionSection

Verdict = Literal["pass", "warn", "fail"]
Kind = Literal["hard", "stat"]
MAX_SAMPLES = 5


@dataclass
class Check:
    """One check. ``data`` carries small series (histograms, per-campaign rows) for plots."""

    name: str
    kind: Kind
    table: str
    verdict: Verdict
    description: str
    violations: int | None = None
    samples: list[Any] = field(default_factory=list)
    target: Any = None
    observed: Any = None
    statistic: str | None = None
    tolerance: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.verdict == "pass"


def hard(
    name: str, table: str, description: str, violations: int, samples: list[Any] | None = None
) -> Check:
    """A hard check: fails on any violation."""
    return Check(
        name,
        "hard",
        table,
        "pass" if violations == 0 else "fail",
        description,
        violations=int(violations),
        samples=list(samples or [])[:MAX_SAMPLES],
    )


def stat(
    name: str,
    table: str,
    description: str,
    *,
    within: bool,
    target: Any,
    observed: Any,
    statistic: str,
    tolerance: str,
    data: dict[str, Any] | None = None,
) -> Check:
    """A statistical check: warns (never fails) when the observation is outside tolerance."""
    return Check(
        name,
        "stat",
        table,
        "pass" if within else "warn",
        description,
        target=target,
        observed=observed,
        statistic=statistic,
        tolerance=tolerance,
        data=dict(data or {}),
    )


SHARE_FLOOR = 0.02


def share_stat(
    name: str,
    table: str,
    description: str,
    *,
    target: float,
    hits: int,
    n: int,
    unit: str,
    data: dict[str, Any] | None = None,
    floor: float = SHARE_FLOOR,
) -> Check:
    """A share ``hits / n`` against ``target``, within ``max(floor, 3 binomial standard
    errors)`` so small runs are not flagged for sampling noise alone."""
    observed = hits / n if n else 0.0
    tolerance = max(floor, 3 * math.sqrt(target * (1 - target) / max(n, 1)))
    return stat(
        name,
        table,
        description,
        within=abs(observed - target) <= tolerance,
        target=target,
        observed=round(observed, 4),
        statistic=f"difference {observed - target:+.4f} over n={n:,} {unit}",
        tolerance=f"|difference| <= {tolerance:.4f}",
        data=data,
    )


@dataclass
class Report:
    """All checks of one validation, with where the tables and the spec came from, and the
    informational "Attribution against truth" and "Identity resolution reference" sections
    (None when their tables are absent)."""

    catalog: str
    schema: str
    report_id: str
    spec_fingerprint: str
    spec_source: str
    rows: dict[str, int]
    checks: list[Check]
    notes: list[str] = field(default_factory=list)
    path: str | None = None
    attribution: AttributionSection | None = None
    resolution: ResolutionSection | None = None

    @property
    def passed(self) -> bool:
        """True when every hard check passes (warnings do not fail a report)."""
        return all(c.ok for c in self.checks if c.kind == "hard")

    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.verdict == "fail"]

    def warned(self) -> list[Check]:
        return [c for c in self.checks if c.verdict == "warn"]

    def summary_lines(self) -> list[str]:
        """A verdict line, then one line per failed or warned check."""
        hard_checks = [c for c in self.checks if c.kind == "hard"]
        stats = [c for c in self.checks if c.kind == "stat"]
        verdict = "PASSED" if self.passed else "FAILED"
        lines = [
            f"validation {verdict}: {self.catalog}.{self.schema}: "
            f"{sum(c.ok for c in hard_checks)}/{len(hard_checks)} hard checks pass, "
            f"{sum(c.ok for c in stats)}/{len(stats)} statistical checks within tolerance"
        ]
        for check in self.failed():
            sample = f" e.g. {', '.join(map(str, check.samples))}" if check.samples else ""
            lines.append(f"FAIL {check.name}: {check.violations:,} violations{sample}")
        for check in self.warned():
            lines.append(f"WARN {check.name}: {check.statistic} (tolerance {check.tolerance})")
        if self.path:
            lines.append(f"report: {self.path}")
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "passed": self.passed,
            "catalog": self.catalog,
            "schema": self.schema,
            "report_id": self.report_id,
            "spec_fingerprint": self.spec_fingerprint,
            "spec_source": self.spec_source,
            "rows": self.rows,
            "notes": self.notes,
            "checks": [asdict(c) for c in self.checks],
            "attribution_vs_truth": self.attribution.to_dict() if self.attribution else None,
            "identity_resolution_reference": (
                self.resolution.to_dict() if self.resolution else None
            ),
        }
