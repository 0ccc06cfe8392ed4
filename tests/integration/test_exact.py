"""generators.synth.exact: order-independent sums are exact and do not depend on partitioning."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from pyspark.sql import functions as F

from generators.synth.exact import count_where, exact_mean, exact_money

# Probabilities over many magnitudes, 1.0 and 0.0 included: their exact mean is known.
VALUES = [1.0, 0.0, 0.5, 1 / 3, 2**-61, 0.999999, 1e-9, 0.123456789012345678] * 500


def _frame(spark, partitions):
    rows = [(i, v, i % 3 == 0) for i, v in enumerate(VALUES)]
    frame = spark.createDataFrame(rows, "i long, p double, picked boolean")
    return frame.repartition(partitions, F.col("i") % partitions).sortWithinPartitions("p")


def test_exact_mean_is_the_exact_mean_whatever_the_partitioning(spark):
    expected = {
        "all": sum(Fraction(v) for v in VALUES) / len(VALUES),
        "picked": sum(Fraction(v) for i, v in enumerate(VALUES) if i % 3 == 0) / len(VALUES[::3]),
    }
    results = set()
    for partitions in (1, 3, 7):
        row = _frame(spark, partitions).agg(
            exact_mean(F.col("p")).alias("all"),
            exact_mean(F.col("p"), F.col("picked")).alias("picked"),
            count_where(F.col("picked")).alias("n"),
        )
        result = tuple(row.first())
        results.add(result)
        assert result[0] == pytest.approx(float(expected["all"]), rel=2**-52, abs=0)
        assert result[1] == pytest.approx(float(expected["picked"]), rel=2**-52, abs=0)
        assert result[2] == len(VALUES[::3])
    assert len(results) == 1


def test_exact_mean_of_no_rows_is_null_and_nulls_are_skipped(spark):
    frame = spark.createDataFrame([(None,), (0.25,), (0.75,)], "p double")
    row = frame.agg(
        exact_mean(F.col("p")).alias("mean"),
        exact_mean(F.col("p"), F.col("p") > 2).alias("none"),
    ).first()
    assert (row["mean"], row["none"]) == (0.5, None)


def test_exact_money_sums_cents(spark):
    amounts = [0.1, 0.2, 19.99, 1234567.89, 0.01] * 300
    frame = spark.createDataFrame(
        [(a, True) for a in amounts] + [(5.0, False)], "usd double, c boolean"
    )
    total = frame.agg(exact_money(F.col("usd"), F.col("c"))).first()[0]
    assert total == float(sum(Decimal(str(a)) for a in amounts))
    assert frame.agg(exact_money(F.col("usd"), F.lit(False))).first()[0] == 0.0
