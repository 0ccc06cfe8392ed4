"""content_catalog: the content items people engage with, laid out by arithmetic.

Layout (driver-side, from the spec alone):
- items per category: largest-remainder apportionment of ``catalog_size`` by
  ``engagement.content.categories`` (ties to the earlier category); categories with no item are
  never engaged with;
- each category owns a block of *positions* ``offset_c .. offset_c + n_c - 1``; the item at block
  position ``rank - 1`` has popularity rank ``rank`` (1 = most popular) within its category;
- ``content_id = (a × position + b) mod catalog_size`` with ``a`` coprime to the size (``a`` and
  ``b`` from a hash of the seed): a bijection, so ids interleave categories while staying
  0..catalog_size-1, and any (category, rank) maps to its id with no lookup.

Popularity (Zipf-like with exponent s = ``popularity_zipf_exponent``): within a category of n items
the item of rank r is drawn with probability ``(H(r + ½) − H(r − ½)) / (H(n + ½) − H(½))`` where
``H(x) = x^(1−s)`` (``ln x`` when s = 1): the continuous Zipf density integrated over the rank's
unit interval, ≈ ``r^−s`` normalised. ``zipf_rank`` inverts this CDF in closed form, so the
``popularity`` column is exactly the probability the engagement sampler uses.

Other attributes are pure functions of ``(seed, content_id)``: length ~ lognormal around a
per-category median (``LENGTH_MEDIAN_SECONDS``, σ = 0.35, clamped to 30 s .. 4 h); items group by
rank into series of ``EPISODES_PER_SERIES`` episodes released weekly, the last before the window.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F

from generators.spec import CONTENT_CATEGORIES, GenerationSpec
from generators.synth import rng
from generators.synth.sampling import element, round_half_up

if TYPE_CHECKING:
    from generators.tables.node import BuildContext

TABLE = "content_catalog"
DESCRIPTION = "Content items with category, series, length, release date and Zipf-like popularity."
COLUMNS = {
    "content_id": "Item id, 0 .. catalog_size - 1.",
    "content_category": "Category of the item (spec engagement.content.categories).",
    "series_title": "Show, series or channel the item belongs to.",
    "episode_number": "Episode within its series, 1-based; released weekly.",
    "title": "Item title: series title and episode.",
    "length_seconds": "Running time in seconds (category median, lognormal spread).",
    "popularity_rank": "Popularity rank within its category, 1 = most popular.",
    "popularity": "Probability the item is chosen when its category is chosen (Zipf-like).",
    "release_date": "Release date (DATE), before the engagement window.",
}

LENGTH_MEDIAN_SECONDS = {
    "news": 300,
    "sports": 3600,
    "drama": 3000,
    "comedy": 1500,
    "reality": 2700,
    "kids": 900,
    "documentary": 3300,
    "music": 240,
    "lifestyle": 900,
    "gaming": 1800,
}
LENGTH_SIGMA = 0.35
LENGTH_BOUNDS = (30, 4 * 3600)
EPISODES_PER_SERIES = {
    "news": 30,
    "sports": 10,
    "drama": 10,
    "comedy": 12,
    "reality": 12,
    "kids": 20,
    "documentary": 4,
    "music": 12,
    "lifestyle": 10,
    "gaming": 15,
}
SERIES_BACK_CATALOG_DAYS = 1095
# fmt: off
ADJECTIVES = ("Golden", "Midnight", "Northern", "Silver", "Hidden", "Wild", "Urban", "Little",
              "Great", "Electric", "Quiet", "Bright", "Lost", "Brave", "Crimson", "Open")
NOUNS = {
    "news": ("Report", "Briefing", "Dispatch", "Headlines", "Tonight", "Desk"),
    "sports": ("Matchday", "Playbook", "Arena", "Overtime", "Sideline", "Scoreboard"),
    "drama": ("Secrets", "Harbor", "Legacy", "Crossing", "Verdict", "Heirs"),
    "comedy": ("Roommates", "Misfits", "Office Hours", "Family Plan", "Neighbors", "Wingmen"),
    "reality": ("Island", "Makeover", "Showdown", "Kitchen", "Mansion", "Challenge"),
    "kids": ("Adventures", "Friends", "Explorers", "Puppets", "Rockets", "Treehouse"),
    "documentary": ("Planet", "Frontiers", "Chronicles", "Wilderness", "Origins", "Files"),
    "music": ("Sessions", "Anthems", "Live", "Grooves", "Ballads", "Beats"),
    "lifestyle": ("Home", "Kitchen Table", "Garden", "Style", "Getaways", "Wellness"),
    "gaming": ("Speedrun", "Quest", "Respawn", "Arcade", "Let's Play", "Boss Fight"),
}
# fmt: on


@dataclass(frozen=True)
class CatalogLayout:
    """Categories with at least one item (spec order), their item counts and block offsets,
    and the affine bijection between block positions and content ids."""

    categories: tuple[str, ...]
    counts: tuple[int, ...]
    offsets: tuple[int, ...]
    size: int
    multiplier: int
    inverse: int
    shift: int
    exponent: float

    def content_id(self, category_index: Column, rank: Column) -> Column:
        """The id of the item of popularity ``rank`` (1-based) in category ``category_index``."""
        position = element(self.offsets, category_index).cast("long") + rank.cast("long") - 1
        return F.pmod(F.lit(self.multiplier) * position + F.lit(self.shift), F.lit(self.size))

    def position(self, content_id: Column) -> Column:
        """The block position of an item id (inverse of ``content_id``)."""
        unshifted = F.pmod(content_id - F.lit(self.shift), F.lit(self.size))
        return F.pmod(F.lit(self.inverse) * unshifted, F.lit(self.size))

    def category_index_at(self, position: Column) -> Column:
        """Index into ``categories`` of the block holding ``position``."""
        expr = F.lit(0)
        for index, offset in enumerate(self.offsets[1:], start=1):
            expr = F.when(position >= F.lit(offset), F.lit(index)).otherwise(expr)
        return expr

    def count(self, category_index: Column) -> Column:
        """Items in category ``category_index``."""
        return element(self.counts, category_index)

    def category(self, category_index: Column) -> Column:
        """Category name of ``category_index``."""
        return element(self.categories, category_index)

    def zipf_rank(self, u: Column, category_index: Column) -> Column:
        """The popularity rank drawn by a uniform ``u`` (inverse of the CDF in the docstring)."""
        n = self.count(category_index).cast("double")
        low, high = self._h(F.lit(0.5)), self._h(n + 0.5)
        x = self._h_inverse(low + u * (high - low))
        return F.least(F.greatest(F.floor(x + 0.5), F.lit(1)), n).cast("int")

    def zipf_share(self, rank: Column, category_index: Column) -> Column:
        """Probability of ``rank`` within its category."""
        n = self.count(category_index).cast("double")
        r = rank.cast("double")
        return (self._h(r + 0.5) - self._h(r - 0.5)) / (self._h(n + 0.5) - self._h(F.lit(0.5)))

    def length_seconds(self, seed: int, content_id: Column, category_index: Column) -> Column:
        """Running time (int seconds) of an item."""
        medians = [math.log(LENGTH_MEDIAN_SECONDS[c]) for c in self.categories]
        raw = rng.lognormal(
            seed,
            "content.length",
            content_id,
            mu=element(medians, category_index),
            sigma=LENGTH_SIGMA,
        )
        low, high = LENGTH_BOUNDS
        return F.least(F.greatest(round_half_up(raw), F.lit(low)), F.lit(high)).cast("int")

    def _h(self, x: Column) -> Column:
        if self.exponent == 1.0:
            return F.log(x)
        return F.pow(x, F.lit(1.0 - self.exponent))

    def _h_inverse(self, y: Column) -> Column:
        if self.exponent == 1.0:
            return F.exp(y)
        return F.pow(y, F.lit(1.0 / (1.0 - self.exponent)))


def layout(spec: GenerationSpec) -> CatalogLayout:
    """The catalog layout of a spec (see the module docstring)."""
    content = spec.engagement.content
    size = content.catalog_size
    counts = apportion(size, [content.categories.get(c, 0.0) for c in CONTENT_CATEGORIES])
    kept = [(c, n) for c, n in zip(CONTENT_CATEGORIES, counts, strict=True) if n > 0]
    offsets = [sum(n for _, n in kept[:i]) for i in range(len(kept))]
    digest = hashlib.sha256(f"idgraph.content.{spec.seed}".encode()).digest()
    multiplier = _coprime(1 + int.from_bytes(digest[:8], "big") % max(size - 1, 1), size)
    return CatalogLayout(
        categories=tuple(c for c, _ in kept),
        counts=tuple(n for _, n in kept),
        offsets=tuple(offsets),
        size=size,
        multiplier=multiplier,
        inverse=pow(multiplier, -1, size) if size > 1 else 0,
        shift=int.from_bytes(digest[8:16], "big") % size,
        exponent=content.popularity_zipf_exponent,
    )


def apportion(total: int, weights: list[float]) -> list[int]:
    """Largest-remainder split of ``total`` by ``weights``; ties go to the earlier index."""
    weight_sum = sum(weights)
    quotas = [total * w / weight_sum for w in weights]
    counts = [math.floor(q) for q in quotas]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(quotas[i] - counts[i]), i))
    for i in by_remainder[: total - sum(counts)]:
        counts[i] += 1
    return counts


def catalog(spark: SparkSession, spec: GenerationSpec) -> DataFrame:
    """The content_catalog table of a spec."""
    lay = layout(spec)
    seed = spec.seed
    content_id = F.col("content_id")
    category_index = F.col("_category_index")
    position = lay.position(content_id)
    episodes = element([EPISODES_PER_SERIES[c] for c in lay.categories], category_index)
    items = (
        spark.range(lay.size)
        .withColumnRenamed("id", "content_id")
        .withColumn("_category_index", lay.category_index_at(position))
        .withColumn(
            "popularity_rank",
            (position - element(lay.offsets, category_index) + 1).cast("int"),
        )
        .withColumn("_series", F.floor((F.col("popularity_rank") - 1) / episodes))
        .withColumn("episode_number", (F.pmod(F.col("popularity_rank") - 1, episodes) + 1))
        .withColumn("content_category", lay.category(category_index))
    )
    series_keys = (F.col("content_category"), F.col("_series"))
    series_title = F.concat_ws(
        " ",
        rng.choose(
            rng.uniform(seed, "content.adjective", *series_keys),
            [(a, 1.0) for a in ADJECTIVES],
        ),
        _noun(seed, lay, category_index, series_keys),
    )
    first_release_days = rng.between(
        seed,
        "content.series_release",
        *series_keys,
        low=episodes * 7,
        high=episodes * 7 + SERIES_BACK_CATALOG_DAYS,
    )
    release_offset = (F.col("episode_number") - 1) * 7 - first_release_days
    return items.select(
        "content_id",
        "content_category",
        series_title.alias("series_title"),
        F.col("episode_number").cast("int").alias("episode_number"),
        F.concat(series_title, F.lit(" - Episode "), F.col("episode_number")).alias("title"),
        lay.length_seconds(seed, content_id, category_index).alias("length_seconds"),
        "popularity_rank",
        lay.zipf_share(F.col("popularity_rank"), category_index).alias("popularity"),
        F.date_add(F.lit(spec.engagement.start_date), release_offset.cast("int")).alias(
            "release_date"
        ),
    )


def build(ctx: BuildContext) -> DataFrame:
    """Pipeline entry point."""
    return catalog(ctx.spark, ctx.spec)


def expected_rows(spec: GenerationSpec) -> float:
    return float(spec.engagement.content.catalog_size)


def _noun(
    seed: int, lay: CatalogLayout, category_index: Column, keys: tuple[Column, ...]
) -> Column:
    pick = rng.between(seed, "content.noun", *keys, low=0, high=5).cast("int")
    nouns = [noun for c in lay.categories for noun in NOUNS[c]]
    return element(nouns, category_index * F.lit(6) + pick)


def _coprime(candidate: int, size: int) -> int:
    while math.gcd(candidate, size) != 1:
        candidate += 1
    return candidate
