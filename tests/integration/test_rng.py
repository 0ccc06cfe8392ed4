"""Counter-based draws: distributions match their targets, values depend only on (seed, stream,
key): not on partitioning, not on the number of cores, and a different seed gives new values."""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from scipy import stats

from generators.synth import rng

N = 200_000
SIGMAS = 5  # tolerance in standard errors: the draws are fixed, so a pass is not luck-dependent
WEIGHTS = {"a": 0.5, "b": 0.3, "c": 0.2, "never": 0.0}
POWER = {"alpha": 2.5, "xmin": 1.0, "xmax": 100.0}
LOGNORMAL = {"mu": 1.0, "sigma": 0.5}


def draws(spark: SparkSession, seed: int, rows: int = N) -> DataFrame:
    """One row per key with a draw of each kind."""
    key = F.col("id")
    return spark.range(rows).select(
        key.alias("key"),
        rng.uniform(seed, "u", key).alias("u"),
        rng.uniform(seed, "v", key).alias("v"),
        rng.normal(seed, "z", key).alias("z"),
        rng.lognormal(seed, "ln", key, **LOGNORMAL).alias("ln"),
        rng.power_law(seed, "pl", key, **POWER).alias("pl"),
        rng.between(seed, "int", key, low=3, high=7).alias("int"),
        rng.bernoulli(seed, "flip", key, p=0.3).alias("flip"),
        rng.categorical(seed, "cat", key, weights=WEIGHTS).alias("cat"),
    )


def digest(df: DataFrame) -> str:
    """sha256 of every row, in key order."""
    rows = [tuple(r) for r in df.orderBy("key").collect()]
    return hashlib.sha256(json.dumps(rows).encode()).hexdigest()


@pytest.fixture(scope="module")
def sample(spark):
    return draws(spark, seed=11).cache()


def moments(df: DataFrame, column: str) -> tuple[float, float, float, float]:
    row = df.agg(F.avg(column), F.stddev(column), F.min(column), F.max(column)).first()
    return tuple(float(x) for x in row)


def test_uniform_range_mean_and_shape(sample):
    mean, sd, low, high = moments(sample, "u")
    assert low >= 0.0 and high < 1.0
    assert abs(mean - 0.5) < SIGMAS * math.sqrt(1 / 12 / N)
    assert abs(sd - math.sqrt(1 / 12)) < 0.002
    bins = sample.groupBy(F.floor(F.col("u") * 10).alias("bin")).count().collect()
    observed = [r["count"] for r in sorted(bins)]
    assert len(observed) == 10
    assert stats.chisquare(observed).pvalue > 1e-4


def test_categorical_frequencies_follow_weights(sample):
    counts = {r["cat"]: r["count"] for r in sample.groupBy("cat").count().collect()}
    assert "never" not in counts
    labels = ["a", "b", "c"]
    expected = [WEIGHTS[label] * N for label in labels]
    assert stats.chisquare([counts[label] for label in labels], expected).pvalue > 1e-4


def test_choose_weighted_is_the_inverse_cdf_of_each_rows_weights(spark, capsys):
    """Per-row weights (one of them zero on half the rows): each row gets the first label whose
    running sum exceeds u × total, computed here in Python; the draw compiles to Java code (no
    interpreted higher-order function)."""
    key = F.col("id")
    weights = [
        ("a", F.when(key % 2 == 0, 1.0).otherwise(0.0)),
        ("b", F.lit(0.5)),
        ("c", (key % 3).cast("double")),
    ]
    u = rng.uniform(3, "weighted", key)
    drawn = spark.range(3_000).select(
        key, u.alias("u"), rng.choose_weighted(u, weights).alias("label")
    )
    for row in drawn.collect():
        sums = list(itertools.accumulate([float(row.id % 2 == 0), 0.5, float(row.id % 3)]))
        above = [label for label, s in zip("abc", sums, strict=True) if s > row.u * sums[-1]]
        expected = above[0] if above else "c"
        assert row.label == expected, row
    drawn.explain()
    assert "lambdafunction" not in capsys.readouterr().out


def test_power_law_moments(sample):
    alpha, xmin, xmax = POWER["alpha"], POWER["xmin"], POWER["xmax"]
    norm = (1 - alpha) / (xmax ** (1 - alpha) - xmin ** (1 - alpha))
    mean_true = norm * (xmax ** (2 - alpha) - xmin ** (2 - alpha)) / (2 - alpha)
    second = norm * (xmax ** (3 - alpha) - xmin ** (3 - alpha)) / (3 - alpha)
    sd_true = math.sqrt(second - mean_true**2)
    mean, sd, low, high = moments(sample, "pl")
    assert xmin <= low and high <= xmax
    assert abs(mean - mean_true) < SIGMAS * sd_true / math.sqrt(N)
    assert abs(sd - sd_true) / sd_true < 0.05


def test_lognormal_and_normal_moments(sample):
    mu, sigma = LOGNORMAL["mu"], LOGNORMAL["sigma"]
    mean, sd, low, _ = moments(sample, "ln")
    mean_true = math.exp(mu + sigma**2 / 2)
    sd_true = math.sqrt((math.exp(sigma**2) - 1) * math.exp(2 * mu + sigma**2))
    assert low > 0
    assert abs(mean - mean_true) < SIGMAS * sd_true / math.sqrt(N)
    assert abs(sd - sd_true) / sd_true < 0.03
    log_mean, log_sd, _, _ = moments(sample.select(F.log("ln").alias("l")), "l")
    assert abs(log_mean - mu) < SIGMAS * sigma / math.sqrt(N)
    assert abs(log_sd - sigma) < 0.01
    z_mean, z_sd, _, _ = moments(sample, "z")
    assert abs(z_mean) < SIGMAS / math.sqrt(N)
    assert abs(z_sd - 1) < 0.01


def test_discrete_draws(sample):
    values = {r["int"]: r["count"] for r in sample.groupBy("int").count().collect()}
    assert sorted(values) == [3, 4, 5, 6, 7]
    assert stats.chisquare(list(values.values())).pvalue > 1e-4
    flip = sample.agg(F.avg(F.col("flip").cast("double"))).first()[0]
    assert abs(flip - 0.3) < SIGMAS * math.sqrt(0.3 * 0.7 / N)


def test_streams_are_independent(sample):
    correlation = sample.agg(F.corr("u", "v")).first()[0]
    assert abs(correlation) < SIGMAS / math.sqrt(N)


def test_values_do_not_depend_on_partitioning(spark):
    base = draws(spark, seed=5, rows=5_000)
    assert digest(base) == digest(base.repartition(7)) == digest(base.coalesce(1))
    shuffled = base.repartition(3, F.col("u"))
    assert digest(shuffled) == digest(base)


def test_values_do_not_depend_on_cores(spark):
    """The same draws from a separate local[1] session in a subprocess."""
    tests = Path(__file__).resolve().parent
    script = (
        f"import sys; sys.path.insert(0, {str(tests)!r}); "
        "from test_rng import draws, digest; from generators.spark.session import get_spark; "
        "print(digest(draws(get_spark(master='local[1]'), seed=5, rows=5_000)))"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=tests.parents[1],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == digest(draws(spark, seed=5, rows=5_000))


def test_another_seed_gives_other_values(spark):
    first = draws(spark, seed=1, rows=5_000).select("key", F.col("u").alias("u1"))
    second = draws(spark, seed=2, rows=5_000).select("key", F.col("u").alias("u2"))
    same = first.join(second, "key").where(F.col("u1") == F.col("u2")).count()
    assert same == 0
    assert digest(draws(spark, seed=1, rows=5_000)) == digest(draws(spark, seed=1, rows=5_000))


@pytest.mark.parametrize("seed", [0, 42, 2**31 - 1, 2**31, 2**62 + 12_345, 2**63 - 1])
def test_folded_stream_key_hashes_exactly_like_spark_over_seed_and_stream(spark, seed):
    """``hash64`` passes one precomputed long instead of (seed, stream): every value equals
    Spark's own xxhash64 of (seed, stream, keys), for int and long seeds (the literal's type
    changes at 2^31), streams of 0, 16, 34 and 77 UTF-8 bytes (XXH64's short, mid and 32-byte
    stripe paths), and long, int, string and null keys."""
    rows = spark.range(3_000).select(
        F.col("id"), F.col("id").cast("int").alias("i"), F.col("id").cast("string").alias("s")
    )
    keys = (F.col("id"), F.col("i"), F.col("s"), F.lit(None).cast("long"))
    for stream in ("", "engagement.count", "émission.ü#n1-" + "x" * 18, "y" * 77):
        spark_own = F.xxhash64(F.lit(seed), F.lit(stream), *keys)
        differing = rows.where(rng.hash64(seed, stream, *keys) != spark_own).count()
        assert differing == 0, (seed, stream)
