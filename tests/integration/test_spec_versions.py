"""Spec versions keep their data: a version-1 spec generates exactly the tables it generated
before identity noise existed (per-table content hashes of a 300-household world, pinned in
golden/spec_v1_300_households.json), a version-2 spec with the ``easy`` preset generates the
same tables, and the version-2 default (``realistic`` noise) generates the tables pinned in
golden/spec_v2_300_households.json: an exported spec reruns to the same data on later code.

A change that means to alter version-2 data needs a new spec version; the pins are written by
``PYTHONPATH=tests python tests/integration/test_spec_versions.py`` only for a version that has
none yet."""

from __future__ import annotations

import json
from pathlib import Path

from population import content_hash
from pyspark.sql import SparkSession

from generators.run.service import run_generation
from generators.spec import GenerationSpec
from generators.spec.io import parse_spec
from generators.storage import LocalDeltaWarehouse
from generators.tables.registry import TABLES

GOLDEN = Path(__file__).parent / "golden" / "spec_v1_300_households.json"
GOLDEN_V2 = Path(__file__).parent / "golden" / "spec_v2_300_households.json"
HOUSEHOLDS = 300
V2_DEFAULT = {"spec_version": 2, "households": {"count": HOUSEHOLDS}}


def world_hashes(spark: SparkSession, spec: GenerationSpec, root: Path) -> dict[str, list[int]]:
    """(rows, content hash) of every table of ``spec``, generated into a fresh warehouse."""
    run_generation(spec, warehouse=root, spark=spark, validate=False)
    store = LocalDeltaWarehouse(root, spec.output.catalog, spec.output.schema_name, spark=spark)
    return {t.name: list(content_hash(store.read(t.name))) for t in TABLES}


def test_version_1_generates_the_pinned_tables(spark, tmp_path):
    spec = parse_spec({"spec_version": 1, "households": {"count": HOUSEHOLDS}})
    assert world_hashes(spark, spec, tmp_path) == json.loads(GOLDEN.read_text())


def test_version_2_easy_generates_the_version_1_tables(spark, tmp_path):
    spec = parse_spec(
        {
            "spec_version": 2,
            "households": {"count": HOUSEHOLDS},
            "demographics": {"identity": {"noise": {"preset": "easy"}}},
        }
    )
    assert world_hashes(spark, spec, tmp_path) == json.loads(GOLDEN.read_text())


def test_version_2_default_generates_the_pinned_tables(spark, tmp_path):
    spec = parse_spec(V2_DEFAULT)
    assert spec.demographics.identity.noise.preset == "realistic"
    assert world_hashes(spark, spec, tmp_path) == json.loads(GOLDEN_V2.read_text())


if __name__ == "__main__":
    import tempfile

    from generators.spark.session import get_spark

    if GOLDEN_V2.exists():
        raise SystemExit(f"{GOLDEN_V2} exists: version-2 data is pinned")
    session = get_spark(master="local[2]", short_run=True)
    hashes = world_hashes(session, parse_spec(V2_DEFAULT), Path(tempfile.mkdtemp()) / "w")
    GOLDEN_V2.write_text(json.dumps(hashes, indent=2) + "\n", encoding="utf-8")
