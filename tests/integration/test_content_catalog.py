"""content_catalog: layout arithmetic, Zipf popularity, attributes and determinism."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from population import content_hash, small_spec
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from generators.spec import CONTENT_CATEGORIES, GenerationSpec
from generators.synth import rng
from generators.tables import content_catalog

SPEC = small_spec(100, seed=11)


@pytest.fixture(scope="module")
def catalog(spark: SparkSession):
    return content_catalog.catalog(spark, SPEC).toPandas()


def test_ids_and_category_counts_follow_the_layout(catalog) -> None:
    size = SPEC.engagement.content.catalog_size
    assert sorted(catalog["content_id"]) == list(range(size))
    weights = [SPEC.engagement.content.categories.get(c, 0.0) for c in CONTENT_CATEGORIES]
    expected = dict(zip(CONTENT_CATEGORIES, content_catalog.apportion(size, weights), strict=True))
    counts = catalog["content_category"].value_counts().to_dict()
    assert counts == {c: n for c, n in expected.items() if n}
    for category, items in catalog.groupby("content_category"):
        assert sorted(items["popularity_rank"]) == list(range(1, len(items) + 1)), category


def test_ids_interleave_categories(catalog) -> None:
    """The affine bijection scatters each category over the id range."""
    first_hundred = catalog[catalog["content_id"] < 100]
    assert first_hundred["content_category"].nunique() >= 8


def test_popularity_is_zipf_within_each_category(catalog) -> None:
    s = SPEC.engagement.content.popularity_zipf_exponent
    for category, items in catalog.groupby("content_category"):
        items = items.sort_values("popularity_rank")
        assert items["popularity"].sum() == pytest.approx(1.0, abs=1e-9), category
        assert items["popularity"].is_monotonic_decreasing, category
        tail = items[items["popularity_rank"] >= 3]
        slope = np.polyfit(np.log(tail["popularity_rank"]), np.log(tail["popularity"]), 1)[0]
        assert slope == pytest.approx(-s, abs=0.05), category


def test_attributes_are_plausible(catalog) -> None:
    low, high = content_catalog.LENGTH_BOUNDS
    assert catalog["length_seconds"].between(low, high).all()
    medians = catalog.groupby("content_category")["length_seconds"].median()
    for category, median in medians.items():
        assert median == pytest.approx(content_catalog.LENGTH_MEDIAN_SECONDS[category], rel=0.15)
    assert medians["news"] < medians["comedy"] < medians["drama"]
    assert (catalog["release_date"] < SPEC.engagement.start_date).all()
    episodes = catalog["content_category"].map(content_catalog.EPISODES_PER_SERIES)
    assert catalog["episode_number"].between(1, episodes).all()
    titles = catalog["series_title"] + " - Episode " + catalog["episode_number"].astype(str)
    assert (catalog["title"] == titles).all()
    # A series is EPISODES_PER_SERIES consecutive ranks with one title, released weekly.
    first_release = pd.to_datetime(catalog["release_date"]) - pd.to_timedelta(
        (catalog["episode_number"] - 1) * 7, unit="D"
    )
    series = catalog.assign(
        series=(catalog["popularity_rank"] - 1) // episodes, first_release=first_release
    ).groupby(["content_category", "series"])
    assert (series["series_title"].nunique() == 1).all()
    assert (series["first_release"].nunique() == 1).all()


def test_layout_round_trips_every_item(spark: SparkSession) -> None:
    lay = content_catalog.layout(SPEC)
    table = content_catalog.catalog(spark, SPEC)
    index = {c: i for i, c in enumerate(lay.categories)}
    category_index = F.lit(0)
    for name, i in index.items():
        category_index = F.when(F.col("content_category") == name, F.lit(i)).otherwise(
            category_index
        )
    mismatches = (
        table.withColumn("_ci", category_index)
        .where(
            (lay.content_id(F.col("_ci"), F.col("popularity_rank")) != F.col("content_id"))
            | (lay.category_index_at(lay.position(F.col("content_id"))) != F.col("_ci"))
        )
        .count()
    )
    assert mismatches == 0


@pytest.mark.parametrize("exponent", [0.7, 1.0, 1.6])
def test_zipf_sampler_matches_the_popularity_column(spark: SparkSession, exponent: float) -> None:
    spec = small_spec(
        10, engagement={"content": {"catalog_size": 300, "popularity_zipf_exponent": exponent}}
    )
    lay = content_catalog.layout(spec)
    category = 0
    draws = 200_000
    ranks = (
        spark.range(draws)
        .select(lay.zipf_rank(rng.uniform(1, "zipf-test", F.col("id")), F.lit(category)).alias("r"))
        .groupBy("r")
        .count()
        .toPandas()
        .set_index("r")["count"]
    )
    n = lay.counts[category]
    assert ranks.index.min() >= 1 and ranks.index.max() <= n
    table = content_catalog.catalog(spark, spec).toPandas()
    popularity = (
        table[table["content_category"] == lay.categories[category]]
        .set_index("popularity_rank")["popularity"]
        .sort_index()
    )
    observed = ranks.reindex(popularity.index, fill_value=0) / draws
    # Binomial noise: within 5 standard errors per rank.
    se = np.sqrt(popularity * (1 - popularity) / draws)
    assert (np.abs(observed - popularity) <= 5 * se + 1e-12).all()


def test_apportion_is_exact_and_skips_zero_weights() -> None:
    assert content_catalog.apportion(7, [0.5, 0.0, 0.5]) == [4, 0, 3]
    assert (
        sum(
            content_catalog.apportion(
                2001, [0.14, 0.13, 0.15, 0.12, 0.09, 0.08, 0.07, 0.09, 0.08, 0.05]
            )
        )
        == 2001
    )


def test_tiny_catalogs(spark: SparkSession) -> None:
    for size in (1, 3):
        spec = small_spec(10, engagement={"content": {"catalog_size": size}})
        rows = content_catalog.catalog(spark, spec).toPandas()
        assert sorted(rows["content_id"]) == list(range(size))
        assert (rows["popularity_rank"] == 1).all()
        assert rows["popularity"].tolist() == pytest.approx([1.0] * size)


def test_deterministic_and_seed_dependent(spark: SparkSession) -> None:
    first = content_hash(content_catalog.catalog(spark, SPEC))
    previous = spark.conf.get("spark.sql.shuffle.partitions")
    spark.conf.set("spark.sql.shuffle.partitions", "7")
    try:
        again = content_hash(content_catalog.catalog(spark, SPEC).repartition(5))
    finally:
        spark.conf.set("spark.sql.shuffle.partitions", previous)
    other = content_hash(content_catalog.catalog(spark, small_spec(100, seed=12)))
    assert first == again
    assert first != other


def test_expected_rows() -> None:
    spec = GenerationSpec.model_validate({"engagement": {"content": {"catalog_size": 1234}}})
    assert content_catalog.expected_rows(spec) == 1234
    assert math.isclose(content_catalog.expected_rows(SPEC), SPEC.engagement.content.catalog_size)
