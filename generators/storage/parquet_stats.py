"""Row counts and Delta file statistics read from a Parquet footer (no data is scanned).

Invariants: ``numRecords`` is the footer's row count; ``minValues``/``maxValues`` are true bounds
of every top-level column they list (integers, finite floats, strings, dates and timestamps at
full microsecond precision); ``nullCount`` is exact. A column whose statistics are missing in
any row group is left out rather than guessed.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq


@dataclass
class _Column:
    """Statistics of one column merged over row groups; None means unknown."""

    bounded: bool
    nulls: int | None = 0
    low: object = None
    high: object = None

    def add(self, stats: pq.Statistics | None, rows: int) -> None:
        if stats is None or not stats.has_null_count:
            self.nulls = None
            self.bounded = False
            return
        if self.nulls is not None:
            self.nulls += stats.null_count
        if not self.bounded or stats.null_count == rows:
            return
        if not stats.has_min_max or not _finite(stats.min) or not _finite(stats.max):
            self.bounded = False
            return
        self.low = stats.min if self.low is None else min(self.low, stats.min)
        self.high = stats.max if self.high is None else max(self.high, stats.max)


def footer_stats(path: Path) -> tuple[int, str]:
    """(rows, Delta ``stats`` JSON) of one Parquet file."""
    meta = pq.read_metadata(path)
    columns = {
        f.name: _Column(bounded=_has_bounds(f.type))
        for f in meta.schema.to_arrow_schema()
        if not pa.types.is_nested(f.type)
    }
    for index in range(meta.num_row_groups):
        group = meta.row_group(index)
        for position in range(group.num_columns):
            chunk = group.column(position)
            if chunk.path_in_schema in columns:
                columns[chunk.path_in_schema].add(chunk.statistics, group.num_rows)
    bounds = {k: c for k, c in columns.items() if c.bounded and c.low is not None}
    document = {
        "numRecords": meta.num_rows,
        "minValues": {k: _json_value(c.low) for k, c in bounds.items()},
        "maxValues": {k: _json_value(c.high) for k, c in bounds.items()},
        "nullCount": {k: c.nulls for k, c in columns.items() if c.nulls is not None},
    }
    return meta.num_rows, json.dumps(document, separators=(",", ":"), allow_nan=False)


def _has_bounds(kind: pa.DataType) -> bool:
    return (
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_string(kind)
        or pa.types.is_date32(kind)
        or pa.types.is_timestamp(kind)
    )


def _finite(value: object) -> bool:
    return not (isinstance(value, float) and not math.isfinite(value))


def _json_value(value: object) -> object:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            return value.strftime("%Y-%m-%dT%H:%M:%S.%f")
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, date):
        return value.isoformat()
    return value
