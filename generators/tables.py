"""The table registry: every generated table, in dependency order, one line each.

A line names the table, its module, its key and the tables it reads. The module provides
``build(ctx)``, ``COLUMNS`` (column → description), ``expected_rows(spec)`` and the table's
description (``DESCRIPTION``, else the first paragraph of its docstring).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from generators.pipeline import TableNode, check_graph

# (table, module in generators/, key, tables it reads)
REGISTRY: tuple[tuple[str, str, str | tuple[str, ...], tuple[str, ...]], ...] = (
    ("households", "households", "household_id", ()),
    ("individuals", "individuals", "individual_id", ("households",)),
    ("identity_mappings", "identity", "mapping_id", ("individuals",)),
    ("content_catalog", "content", "content_id", ()),
    ("content_engagements", "engagement", "event_id", ("individuals",)),
    ("viewership_patterns", "patterns", "individual_id", ("content_engagements",)),
    ("audience_attributes", "audience", "individual_id", ("individuals", "viewership_patterns")),
    ("campaigns", "campaigns", "campaign_id", ()),
    (
        "campaign_audience",
        "campaign_audience",
        ("individual_id", "campaign_id"),
        ("audience_attributes", "individuals", "campaigns", "content_engagements"),
    ),
    ("campaign_exposures", "exposures", "exposure_id", ("campaign_audience", "campaigns")),
    (
        "response_events",
        "responses",
        "response_id",
        ("campaign_audience", "campaigns", "campaign_exposures"),
    ),
    ("outcome_metrics", "outcomes", "outcome_id", ("campaign_audience", "campaigns")),
    ("campaign_ground_truth", "ground_truth", "campaign_id", ("campaign_audience", "campaigns")),
)


def node(
    table: str, module: ModuleType, key: str | tuple[str, ...], depends_on: tuple[str, ...]
) -> TableNode:
    """The TableNode of an entity module."""
    summary = (module.__doc__ or "").strip().split("\n\n")[0]
    return TableNode(
        name=table,
        build=module.build,
        depends_on=depends_on,
        description=getattr(module, "DESCRIPTION", None) or " ".join(summary.split()),
        columns=module.COLUMNS,
        key=key,
        expected_rows=module.expected_rows,
    )


def _load() -> tuple[TableNode, ...]:
    nodes = [
        node(table, importlib.import_module(f"generators.{module_name}"), key, depends_on)
        for table, module_name, key, depends_on in REGISTRY
    ]
    check_graph(nodes)
    return tuple(nodes)


TABLES: tuple[TableNode, ...] = _load()
