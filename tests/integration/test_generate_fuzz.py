"""A spec that validates generates (Hypothesis, slow): small worlds whose spec has one to three
fields at or just inside their bounds, or redrawn near the default, write every table, and every
hard check of the validation passes on them.

One Spark session serves every example (the session-scoped ``spark`` fixture). Each example
builds 50 households plus its own reference population (``generators.tables.reference``), so the
budget is a handful of examples; the spec-level suite covers the values that are refused.
"""

from __future__ import annotations

import tempfile
from typing import Any

import pytest
from hostile import SLOTS, Path, Slot, mostly, mutated, plausible
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st

from generators.run.service import run_generation
from generators.spec.errors import SpecError
from generators.spec.io import parse_spec
from generators.storage.local import LocalDeltaWarehouse
from generators.validation import contract
from generators.validation.hard import hard_checks

pytestmark = pytest.mark.slow

HOUSEHOLDS = 50
# Fields whose far end would make the world itself large (rows grow with them), kept small here:
# the spec-level suite and the scale tests cover them.
AFFORDABLE: dict[Path, float] = {
    ("engagement", "content", "catalog_size"): 50_000,
    ("engagement", "events_per_individual", "mean"): 64,
    ("engagement", "events_per_individual", "max"): 5_000,
    ("campaigns", "frequency", "mean"): 8,
    ("campaigns", "frequency", "cap_per_flight"): 100,
}
FIXED = {("households", "count"), ("spec_version",), ("output",)}
VARIED = tuple(
    s
    for s in SLOTS
    if s.kind in ("float", "int", "map", "profile", "labels", "date", "literal", "section")
    and not any(s.path[: len(f)] == f for f in FIXED)
)


def _near_bounds(slot: Slot) -> st.SearchStrategy[Any]:
    if slot.edges:
        return mostly(st.sampled_from(slot.edges), plausible(slot), odds=1)
    if slot.kind == "section":
        return st.just({})  # the section's defaults
    return plausible(slot)


edits = st.lists(st.sampled_from(VARIED), min_size=1, max_size=3, unique_by=lambda s: s.path)
valid_edits = edits.flatmap(
    lambda ss: st.tuples(*(st.tuples(st.just(s.path), _near_bounds(s)) for s in ss))
)


def affordable(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with HOUSEHOLDS households and the size-driving fields capped."""
    data["households"]["count"] = HOUSEHOLDS
    for (*parents, key), cap in AFFORDABLE.items():
        node = data
        for part in parents:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict) and isinstance(node.get(key), int | float):
            node[key] = min(node[key], type(node[key])(cap))
    return data


@settings(
    max_examples=6,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],  # no shrinking: a step is a Spark run
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(valid_edits)
def test_a_valid_spec_generates_every_table_and_passes_every_hard_check(spark, edits):
    try:
        spec = parse_spec(affordable(mutated(list(edits))))
    except SpecError:
        assume(False)
    warehouse = tempfile.mkdtemp(prefix="idgraph-generate-fuzz-")
    result = run_generation(spec, warehouse=warehouse, spark=spark, validate=False)
    assert set(result.rows) == set(contract.TABLES)
    tables = LocalDeltaWarehouse(warehouse, spec.output.catalog, spec.output.schema_name, spark)
    checks, _ = hard_checks({t: tables.read(t) for t in contract.TABLES}, spec)
    failed = [f"{c.table}: {c.name} ({c.violations}, e.g. {c.samples[:3]})" for c in checks]
    failed = [line for line, c in zip(failed, checks, strict=True) if c.verdict == "fail"]
    assert not failed, failed
