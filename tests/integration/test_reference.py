"""Reference constants: computed from the reference population once, then read back from the
on-disk cache by any process, exactly; a change of spec computes afresh; a broken cache only
costs time."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pyspark.sql import DataFrame, SparkSession

from generators.spec import GenerationSpec
from generators.tables import reference


class CountingMean:
    """A reference statistic that records how often it was computed."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, households: DataFrame) -> float:
        self.calls += 1
        return households.count() / 7.0


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh cache folder and no in-process memo (as in a new process)."""
    monkeypatch.setenv("IDGRAPH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(reference, "_MEANS", {})
    return tmp_path / "cache"


def _mean(spark: SparkSession, spec: GenerationSpec, statistic: CountingMean) -> float:
    return reference.reference_mean(spark, spec, "test.households", "households", statistic)


def test_computed_once_then_read_back_exactly_by_a_new_process(
    spark: SparkSession, cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    statistic = CountingMean()
    spec = GenerationSpec.model_validate({"households": {"count": 50}})
    first = _mean(spark, spec, statistic)
    assert first == reference.REFERENCE_HOUSEHOLDS / 7.0
    assert statistic.calls == 1
    assert len(list((cache / "reference").glob("*.json"))) == 1

    monkeypatch.setattr(reference, "_MEANS", {})  # a new process: only the disk cache is left
    other_count = GenerationSpec.model_validate({"households": {"count": 5000}})
    assert _mean(spark, other_count, statistic) == first
    assert statistic.calls == 1  # households.count is not part of the key


def test_another_spec_or_a_broken_file_computes_afresh(spark: SparkSession, cache: Path) -> None:
    statistic = CountingMean()
    _mean(spark, GenerationSpec.model_validate({"seed": 1}), statistic)
    _mean(spark, GenerationSpec.model_validate({"seed": 2}), statistic)
    assert statistic.calls == 2
    files = sorted((cache / "reference").glob("*.json"))
    assert len(files) == 2

    for path in files:
        path.write_text("{not json", encoding="utf-8")
    reference._MEANS.clear()
    assert _mean(spark, GenerationSpec.model_validate({"seed": 1}), statistic) == 1000 / 7.0
    assert statistic.calls == 3
    rewritten = [p for p in files if p.read_text(encoding="utf-8").startswith('{"value"')]
    assert len(rewritten) == 1


def test_an_unusable_cache_folder_only_costs_time(
    spark: SparkSession, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("IDGRAPH_CACHE_DIR", str(blocker))
    monkeypatch.setattr(reference, "_MEANS", {})
    statistic = CountingMean()
    assert _mean(spark, GenerationSpec(), statistic) == 1000 / 7.0
    assert statistic.calls == 1


def test_the_key_covers_the_generator_code(tmp_path: Path) -> None:
    package = Path(reference.__file__).resolve().parents[1]
    copy = tmp_path / "generators"
    shutil.copytree(package, copy, ignore=shutil.ignore_patterns("__pycache__"))
    assert reference.fingerprint(copy) == reference.code_fingerprint()
    with (copy / "synth" / "rng.py").open("a", encoding="utf-8") as source:
        source.write("\n# an edit\n")
    assert reference.fingerprint(copy) != reference.code_fingerprint()

    spec_json = reference.reference_spec(GenerationSpec()).canonical_json()
    assert reference._cache_file("x", spec_json) == reference._cache_file("x", spec_json)
    assert reference._cache_file("y", spec_json) != reference._cache_file("x", spec_json)
