"""`idgraph estimate`: expected rows and, from measured throughput, expected time (no Spark)."""

from __future__ import annotations

from pathlib import Path

import pytest

from generators.cli import main
from generators.run import estimate as est
from generators.spec import GenerationSpec
from generators.tables.expected import Estimate, estimate
from generators.tables.registry import TABLES

THROUGHPUT = """\
machine: 2 cores Test CPU, 8 GB
date: '2026-01-02'
households: 1000000
rows_per_core_second:
  households: 1000.0
  individuals: 2000.0
validation_rows_per_core_second: 10000.0
startup_seconds: 5.0
"""


@pytest.fixture
def throughput_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "throughput.yaml"
    path.write_text(THROUGHPUT)
    monkeypatch.setattr(est, "THROUGHPUT_FILE", path)
    return path


def test_time_is_rows_over_rate_times_cores(throughput_file: Path) -> None:
    rows = Estimate({"households": 4000, "individuals": 8000, "campaigns": 12})
    timing = est.expected_seconds(rows, est.load_throughput(), cores=2)
    assert timing.table_seconds == {"households": 2.0, "individuals": 2.0}  # no rate, no time
    assert timing.validation_seconds == pytest.approx(12012 / 20000)
    assert timing.total == pytest.approx(2.0 + 2.0 + 12012 / 20000 + 5.0)
    halved = est.expected_seconds(rows, est.load_throughput(), cores=4)
    assert halved.table_seconds == {"households": 1.0, "individuals": 1.0}
    with pytest.raises(ValueError):
        est.expected_seconds(rows, est.load_throughput(), cores=0)


def test_cli_prints_time_per_table_and_total(
    throughput_file: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("households:\n  count: 100000\n")
    assert main.main(["estimate", str(spec), "--cores", "4"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["table", "expected", "rows", "expected", "time"]
    rows = estimate(GenerationSpec.model_validate({"households": {"count": 100_000}})).rows
    by_table = {line.split()[0]: line for line in lines[1:]}
    assert by_table["households"].split()[1:] == ["100,000", "25", "s"]  # 100,000 / (1,000 × 4)
    assert by_table["campaigns"].split()[1:] == [f"{rows['campaigns']:,}", "-"]
    assert "spark start-up" in lines[-5] and lines[-5].endswith("5 s")
    assert lines[-3].startswith("total") and f"{sum(rows.values()):,}" in lines[-3]
    assert "4 cores" in lines[-2] and "2 cores Test CPU, 8 GB, 2026-01-02" in lines[-1]


def test_cli_without_throughput_prints_rows_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(est, "THROUGHPUT_FILE", tmp_path / "missing.yaml")
    spec = tmp_path / "spec.yaml"
    spec.write_text("households:\n  count: 1000\n")
    assert main.main(["estimate", str(spec)]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["table", "expected", "rows"]
    assert "expected time" not in out


def test_cores_must_be_positive(tmp_path: Path) -> None:
    spec = tmp_path / "spec.yaml"
    spec.write_text("{}\n")
    with pytest.raises(SystemExit) as exit_info:
        main.main(["estimate", str(spec), "--cores", "0"])
    assert exit_info.value.code == 2


def test_committed_throughput_covers_every_table() -> None:
    """The committed measurements time every table of the pipeline, with positive rates."""
    throughput = est.load_throughput()
    assert throughput is not None
    assert set(throughput.rows_per_core_second) == {node.name for node in TABLES}
    assert all(rate > 0 for rate in throughput.rows_per_core_second.values())
    assert throughput.validation_rows_per_core_second > 0 and throughput.startup_seconds >= 0
