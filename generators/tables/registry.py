"""The table registry: every generated table, in dependency order, one line each.

A line names the table, its key and the tables it reads; the table's module,
``generators/tables/<table>.py``, provides
``build(ctx)``, ``COLUMNS`` (column → description), ``expected_rows(spec)`` and the table's
description (``DESCRIPTION``, else the first paragraph of its docstring), and, when only some
specs generate some of its columns, ``OPTIONAL_COLUMNS``; ``spark_conf(spec)`` when its write
needs Spark SQL settings of its own.
"""

from __future__ import annotations

import importlib
from types import ModuleType

from generators.tables.node import TableNode, check_graph

# (table, key, tables it reads); the table's module is generators/tables/<table>.py
REGISTRY: tuple[tuple[str, str | tuple[str, ...], tuple[str, ...]], ...] = (
    ("households", "household_id", ()),
    ("individuals", "individual_id", ("households",)),
    ("identity_mappings", "mapping_id", ("individuals",)),
    ("content_catalog", "content_id", ()),
    ("content_engagements", "event_id", ("individuals",)),
    ("viewership_patterns", "individual_id", ("content_engagements",)),
    ("audience_attributes", "individual_id", ("individuals", "viewership_patterns")),
    ("campaigns", "campaign_id", ()),
    (
        "campaign_audience",
        ("individual_id", "campaign_id"),
        ("audience_attributes", "individuals", "campaigns", "content_engagements"),
    ),
    ("campaign_exposures", "exposure_id", ("campaign_audience", "campaigns")),
    ("response_events", "response_id", ("campaign_audience", "campaigns", "campaign_exposures")),
    ("outcome_metrics", "outcome_id", ("campaign_audience", "campaigns")),
    ("campaign_ground_truth", "campaign_id", ("campaign_audience", "campaigns")),
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
        optional_columns=frozenset(getattr(module, "OPTIONAL_COLUMNS", ())),
        spark_conf=getattr(module, "spark_conf", None),
    )


def _load() -> tuple[TableNode, ...]:
    nodes = [
        node(table, importlib.import_module(f"generators.tables.{table}"), key, depends_on)
        for table, key, depends_on in REGISTRY
    ]
    check_graph(nodes)
    return tuple(nodes)


TABLES: tuple[TableNode, ...] = _load()
