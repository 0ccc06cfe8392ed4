"""`idgraph generate`: exit codes and streams, the summary table and the progress view.

A successful run of every registered table is exercised by the validation tests
(``tests/test_validate.py``); here the command's own wiring is tested."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from deltalake import DeltaTable
from rich.console import Console

from generators.cli.generate import final_outcome, render_rows, write_result_json
from generators.cli.main import main
from generators.cli.progress_bars import ProgressView
from generators.run.events import (
    RunFailed,
    RunFinished,
    RunStarted,
    TableDone,
    TableProgress,
    TableStarted,
    ValidationDone,
)
from generators.run.outcome import MARKER, Outcome, outcome_line, parse_outcome
from generators.run.service import run_generation
from generators.spec import GenerationSpec
from generators.spec.io import parse_spec, spec_to_yaml
from generators.tables.registry import TABLES
from tools.step_tables import run_summary


@pytest.fixture
def spec_file(tmp_path: Path) -> Path:
    path = tmp_path / "spec.yaml"
    path.write_text(spec_to_yaml(GenerationSpec()), encoding="utf-8")
    return path


def generate(spec_file: Path, warehouse: Path, *extra: str) -> int:
    return main(
        ["generate", str(spec_file), "--warehouse", str(warehouse), "--master", "local[2]", *extra]
    )


def test_invalid_spec_exits_2_and_writes_nothing(spark, spec_file, tmp_path, capsys):
    warehouse = tmp_path / "warehouse"
    assert generate(spec_file, warehouse, "--set", "households.count=0") == 2
    err = capsys.readouterr().err
    assert "households.count" in err
    assert "Traceback" not in err
    assert not warehouse.exists()


def test_failed_run_exits_1_without_traceback(spark, spec_file, tmp_path, capsys):
    """Nothing committed: the error on stderr, no outcome line (the tables were not written)."""
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the warehouse should be", encoding="utf-8")
    extra = ("--set", "households.count=10", "--no-validate", "--outcome-lines")
    code = generate(spec_file, blocked, *extra)
    out, err = capsys.readouterr()
    assert code == 1
    assert "generation failed, no table was changed" in err
    assert "Traceback" not in err
    assert MARKER not in out


def test_result_json_and_outcome_lines_record_the_committed_run(spark, spec_file, tmp_path, capsys):
    """--result-json holds what was committed; --outcome-lines prints it at the commit (no
    verdict yet) and, last on stdout, with the verdict and the report's text."""
    warehouse, result_file = tmp_path / "warehouse", tmp_path / "result.json"
    extra = ("--set", "households.count=20", "--result-json", str(result_file), "--outcome-lines")
    assert generate(spec_file, warehouse, *extra) == 0
    result = json.loads(result_file.read_text(encoding="utf-8"))
    schema = warehouse / "bryan_li" / "synthetic_identity"
    assert Path(result["location"]) == schema
    names = [node.name for node in TABLES]
    assert list(result["rows"]) == names
    assert result["rows"] == {
        t: DeltaTable(str(schema / t)).to_pyarrow_dataset().count_rows() for t in names
    }
    assert result["rows"]["households"] == 20
    report = Path(result["report_dir"]) / "report.md"
    assert result["validation_passed"] is True and report.is_file()
    out = capsys.readouterr().out.splitlines()
    committed, final = (parse_outcome(line) for line in out if line.startswith(MARKER))
    assert committed == Outcome(result["run_id"], result["rows"], None, None, final=False)
    assert parse_outcome(out[-1]) == final
    assert final == Outcome(
        result["run_id"], result["rows"], True, report.read_text("utf-8"), final=True
    )
    assert out[-2].split() == ["total", f"{sum(result['rows'].values()):,}"]  # then the line


def test_a_report_dir_that_is_a_file_is_refused_before_anything_runs(spec_file, tmp_path, capsys):
    taken = tmp_path / "report.txt"
    taken.write_text("not a folder", encoding="utf-8")
    warehouse = tmp_path / "warehouse"
    assert generate(spec_file, warehouse, "--report-dir", str(taken)) == 2
    err = capsys.readouterr().err
    assert f"--report-dir {taken} is a file; give a folder" in err
    assert "Traceback" not in err
    assert not warehouse.exists()


def test_validation_that_cannot_finish_keeps_the_committed_tables(spark, tmp_path):
    """A report folder that cannot be made (a file is in the way) fails validation after the
    commit: the result keeps the committed tables and says why, and so do the result JSON,
    the last outcome line and the chat's summary."""
    blocked = tmp_path / "a-file"
    blocked.write_text("in the way", encoding="utf-8")
    spec = parse_spec({"households": {"count": 20}})
    warehouse = tmp_path / "warehouse"
    result = run_generation(spec, warehouse=warehouse, report_dir=blocked, master="local[2]")
    assert result.validation_passed is None and not result.cancelled
    assert result.validation_error.startswith("FileExistsError")
    schema = warehouse / "bryan_li" / "synthetic_identity"
    assert result.rows == {
        t: DeltaTable(str(schema / t)).to_pyarrow_dataset().count_rows() for t in result.rows
    }
    written = tmp_path / "result.json"
    write_result_json(written, result)
    assert json.loads(written.read_text("utf-8"))["validation_error"] == result.validation_error
    last = final_outcome(result)
    assert last.validation_error == result.validation_error
    assert parse_outcome(outcome_line(last)) == last
    summary = run_summary(result)
    assert f"Validation: could not finish ({result.validation_error})" in summary


def test_summary_lists_rows_per_table_and_total():
    lines = render_rows({"households": 1000, "individuals": 2512}).splitlines()
    assert [line.split() for line in lines] == [
        ["table", "rows"],
        ["households", "1,000"],
        ["individuals", "2,512"],
        ["total", "3,512"],
    ]
    assert len({len(line) for line in lines}) == 1  # right-aligned counts


def test_progress_view_draws_a_run(tmp_path):
    out = tmp_path / "progress.txt"
    with out.open("w") as stream:
        console = Console(file=stream, width=120, force_terminal=False)
        with ProgressView(console) as view:
            view(
                RunStarted(
                    "r1", ("households", "individuals"), {"households": 10, "individuals": None}
                )
            )
            view(TableStarted("households", 10))
            view(TableProgress("households", 0.5, 5))
            view(TableDone("households", 10, 0.1, 2048))
            view(TableStarted("individuals", None))
            view(TableDone("individuals", 23, 0.1, 4096))
            view(RunFailed(None, "OSError: disk full"))
            view(RunFinished("r1", {"households": 10, "individuals": 23}, 0.3))
            view(ValidationDone(True, "/tmp/report"))
    text = out.read_text()
    assert "10 rows" in text and "23 rows" in text and "33 rows" in text
    assert "run failed in commit: OSError: disk full" in text
    assert "validation passed; report in /tmp/report" in text
