"""The reference population: population-level constants that never depend on households.count.

A few per-person formulas are scaled by a mean over people (activity ``m̄`` in
``generators.tables.viewers``, mean propensity in ``generators.tables.campaign_audience``). Taken over the
run's own population, every row would change with ``households.count``, and adding households
to a run (``output.mode: append``) would rewrite the rows already written. So those means are
taken over a fixed reference population instead: the first ``REFERENCE_HOUSEHOLDS`` households
of the same spec (households 0 .. REFERENCE_HOUSEHOLDS - 1, generated whatever the count; the
run's own first households when it has that many, since rows are pure functions of their ids).

Invariants: the reference tables are built by the registered table builders themselves
(``generators.tables.registry``), checkpointed in memory and never written; they depend on every spec field except
``households.count`` and ``output``; so the constants, and every row built from them, are identical for every
count. With 1,000 households (about 2,500 people) a mean's sampling error is about 1%.

Building the reference tables costs about a minute of CPU whatever the run's size, so each
constant is also kept on disk (``$IDGRAPH_CACHE_DIR``, default ``~/.cache/idgraph``), keyed by
the constant's name, the reference spec and a fingerprint of the generator code and data files:
any change to either computes it afresh. A missing, unreadable or unwritable cache only costs
time; a value read back is the float that was computed (JSON keeps doubles exactly).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession

from generators.spec import GenerationSpec

REFERENCE_HOUSEHOLDS = 1_000


def reference_spec(spec: GenerationSpec) -> GenerationSpec:
    """``spec`` with ``households.count`` set to the reference size and the default ``output``
    (where and how tables are written never changes their rows)."""
    households = spec.households.model_copy(update={"count": REFERENCE_HOUSEHOLDS})
    output = type(spec.output)()
    return spec.model_copy(update={"households": households, "output": output})


def reference_table(spark: SparkSession, spec: GenerationSpec, table: str) -> DataFrame:
    """Table ``table`` of the reference population of ``spec`` (in memory; nothing is written).
    Only ``table`` and the tables it reads, directly or not, are built."""
    from generators.tables.node import BuildContext
    from generators.tables.registry import TABLES

    ref = reference_spec(spec)
    nodes = {node.name: node for node in TABLES}
    if table not in nodes:
        raise KeyError(f"{table!r} is not a registered table")
    built: dict[str, DataFrame] = {}

    def get(name: str) -> DataFrame:
        if name not in built:
            node = nodes[name]
            rows = node.expected_rows(ref) if node.expected_rows else None
            built[name] = _materialized(node.build(BuildContext(spark, ref, get, rows)))
        return built[name]

    return get(table)


def _materialized(df: DataFrame) -> DataFrame:
    """``df`` checkpointed in memory, as a staged table would be, so the chained plans never grow
    past Spark's generated-code size limit; as is where the session cannot checkpoint (some
    serverless runtimes), which only costs speed."""
    try:
        return df.localCheckpoint()
    except Exception:
        return df


def reference_mean(
    spark: SparkSession,
    spec: GenerationSpec,
    name: str,
    table: str,
    mean: Callable[[DataFrame], float],
) -> float:
    """The constant ``name``: ``mean(reference table)``, computed once per process for a spec
    (whatever its count; ``name`` must identify ``mean``)."""
    key = (name, reference_spec(spec).canonical_json())
    if key not in _MEANS:
        path = _cache_file(*key)
        value = _read_cached(path)
        if value is None:
            value = mean(reference_table(spark, spec, table))
            _write_cached(path, value)
        _MEANS[key] = value
    return _MEANS[key]


def cache_dir() -> Path:
    """Where computed reference constants are kept across processes."""
    if os.environ.get("IDGRAPH_CACHE_DIR"):
        return Path(os.environ["IDGRAPH_CACHE_DIR"])
    if os.environ.get("XDG_CACHE_HOME"):
        return Path(os.environ["XDG_CACHE_HOME"]) / "idgraph"
    try:
        return Path.home() / ".cache" / "idgraph"
    except RuntimeError:  # no home directory (some containers)
        return Path(tempfile.gettempdir()) / "idgraph-cache"


def fingerprint(root: Path) -> str:
    """sha256 over the ``.py`` and ``.yaml`` files under ``root`` (relative path and content)."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.suffix in {".py", ".yaml"}):
        digest.update(path.relative_to(root).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


@functools.cache
def code_fingerprint() -> str:
    """The fingerprint of the generator package (code and data), once per process."""
    return fingerprint(Path(__file__).resolve().parents[1])


def _cache_file(name: str, reference_json: str) -> Path:
    key = json.dumps([name, reference_json, code_fingerprint()])
    return cache_dir() / "reference" / f"{hashlib.sha256(key.encode()).hexdigest()}.json"


def _read_cached(path: Path) -> float | None:
    try:
        value = json.loads(path.read_text(encoding="utf-8"))["value"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return float(value) if isinstance(value, float) and math.isfinite(value) else None


def _write_cached(path: Path, value: float) -> None:
    """Write atomically (a concurrent run reads the old file or the new one, never half)."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", dir=path.parent, suffix=".tmp", delete=False, encoding="utf-8"
        ) as handle:
            json.dump({"value": value}, handle)
        os.replace(handle.name, path)
    except OSError:
        return


_MEANS: dict[tuple[str, str], float] = {}
