"""The whole pipeline through a local Spark Connect server writes the same tables as classic
local Spark: per-table content hashes are equal (both warehouses read by one classic session)."""

from __future__ import annotations

from cli_runs import CliRun
from population import content_hash

from generators.run.service import run_generation
from generators.spec import GenerationSpec
from generators.spec.io import spec_to_yaml
from generators.storage.local import LocalDeltaWarehouse
from generators.storage.manifest import RunManifest
from generators.tables.registry import TABLES

SPEC = {"households": {"count": 60}, "output": {"catalog": "cat", "schema": "sch"}}


def test_spark_connect_and_classic_write_identical_tables(spark, tmp_path):
    spec = GenerationSpec.model_validate(SPEC)
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(spec_to_yaml(spec), encoding="utf-8")
    remote = CliRun(tmp_path / "log", spec_file, tmp_path / "connect", "--remote", "local[2]")
    run_generation(spec, warehouse=tmp_path / "classic", master="local[2]", validate=False)
    assert remote.wait() == 0, remote.err

    classic = LocalDeltaWarehouse(tmp_path / "classic", "cat", "sch", spark=spark)
    connect = LocalDeltaWarehouse(tmp_path / "connect", "cat", "sch", spark=spark)
    for node in TABLES:
        expected = content_hash(classic.read(node.name))
        assert expected[0] > 0, node.name
        assert content_hash(connect.read(node.name)) == expected, node.name
    runs = RunManifest(connect.schema_path).runs().values()
    assert [r["status"] for r in runs] == ["succeeded"]
