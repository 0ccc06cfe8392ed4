"""The whole pipeline through a local Spark Connect server writes the same tables as classic
local Spark: the session's world, generated again by `idgraph generate --remote local[2]`, has
equal per-table content hashes (both warehouses read by one classic session)."""

from __future__ import annotations

from cli_runs import CliRun
from population import content_hash

from generators.spec.io import spec_to_yaml
from generators.storage.local import LocalDeltaWarehouse
from generators.storage.manifest import RunManifest
from generators.tables.registry import TABLES


def test_spark_connect_and_classic_write_identical_tables(spark, world, tmp_path):
    spec_file = tmp_path / "spec.yaml"
    spec_file.write_text(spec_to_yaml(world.spec), encoding="utf-8")
    remote = CliRun(tmp_path / "log", spec_file, tmp_path / "connect", "--remote", "local[2]")
    assert remote.wait() == 0, remote.err

    catalog, schema = world.spec.output.catalog, world.spec.output.schema_name
    connect = LocalDeltaWarehouse(tmp_path / "connect", catalog, schema, spark=spark)
    for node in TABLES:
        expected = content_hash(world.tables[node.name])
        assert expected[0] > 0, node.name
        assert content_hash(connect.read(node.name)) == expected, node.name
    runs = RunManifest(connect.schema_path).runs().values()
    assert [r["status"] for r in runs] == ["succeeded"]
