"""The offline interpreter scored on every evaluation brief (agent/eval/briefs.yaml), as CI runs
it: at least 90% of expected fields right, on the original briefs and on the analyst-style ones
alike, and every impossible brief refused with the dotted field named."""

from __future__ import annotations

import json

import pytest

from agent.eval.run_eval import evaluate, load_briefs, main
from generators.brief import interpret

BRIEFS = load_briefs()
FIRST_NEW = next(i for i, b in enumerate(BRIEFS) if b["id"] == "terse_tx_fl_ga_hhi")


@pytest.mark.parametrize(
    ("name", "briefs"),
    [("original", BRIEFS[:FIRST_NEW]), ("analyst-style", BRIEFS[FIRST_NEW:])],
)
def test_offline_accuracy(name: str, briefs: list[dict]):
    assert len(briefs) >= (32 if name == "original" else 40)
    summary = evaluate(briefs, None)["summary"]
    assert summary["field_accuracy"] >= 0.9, summary
    assert summary["errors_detected"] == summary["errors_expected"] > 0
    assert summary["valid_briefs_completed"] == summary["valid_briefs"]


@pytest.mark.parametrize(
    "brief", [b for b in BRIEFS if b.get("expect_error")], ids=lambda b: b["id"]
)
def test_every_impossible_brief_is_refused_naming_its_field(brief: dict):
    reading = interpret(brief["brief"])
    assert reading.spec is None
    assert any(str(p).startswith(brief["expect_error"]) for p in reading.problems), reading.problems


def test_offline_modes_from_the_command_line(tmp_path):
    """Both offline modes through ``run_eval``'s command line, on a valid and an impossible brief
    of each set (the accuracy over every brief is measured in-process above)."""
    valid = [b["id"] for b in BRIEFS if not b.get("expect_error")]
    impossible = [b["id"] for b in BRIEFS if b.get("expect_error")]
    chosen = [valid[0], valid[-1], impossible[0], impossible[-1]]
    for mode in ("offline", "offline-agent"):
        out = tmp_path / mode
        args = ["--model", mode, "--out", str(out), "--min-accuracy", "0.9", "--only", *chosen]
        assert main(args) == 0
        report = json.loads((out / "report.json").read_text())
        assert report["summary"]["errors_detected"] == report["summary"]["errors_expected"] == 2
        assert "offline interpreter" in report["model"]
