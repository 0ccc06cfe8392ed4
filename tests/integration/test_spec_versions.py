"""Spec versions keep their data: a version-1 spec generates exactly the tables it generated
before identity noise existed (per-table content hashes of a 300-household world, pinned in
golden/spec_v1_300_households.json), and a version-2 spec with the ``easy`` preset generates the
same tables."""

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
HOUSEHOLDS = 300


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
