"""The evaluation harness runs every brief against the scripted model (as CI does)."""

from __future__ import annotations

import json

from agent.eval.matchers import concrete, matches
from agent.eval.run_eval import load_briefs, main


def test_the_brief_set_is_large_and_varied():
    briefs = load_briefs()
    assert len(briefs) >= 25
    assert len({b["id"] for b in briefs}) == len(briefs)
    assert sum(bool(b.get("expect_error")) for b in briefs) >= 5
    sections = {path.split(".")[0] for b in briefs for path in b.get("expect", {})}
    assert sections >= {
        "households",
        "demographics",
        "engagement",
        "audience",
        "campaigns",
        "responses",
        "output",
        "seed",
    }


def test_matchers():
    assert matches({"TX": 0.56, "FL": 0.44}, {"TX": 0.6, "FL": 0.4, "CA": 0.0})
    assert not matches({"TX": 0.56, "FL": 0.44}, {"TX": 0.5, "FL": 0.4, "CA": 0.1})
    assert matches({"share_on": ["ctv"], "at_least": 0.5}, {"ctv": 0.6, "mobile": 0.4})
    assert not matches(
        {"share_on": ["retired"], "at_most": 0.1}, {"retired": 0.16, "employed": 0.84}
    )
    assert matches({"between": [50, 120]}, 80) and not matches({"between": [50, 120]}, 32)
    assert matches(["last_touch", "linear"], ["linear", "last_touch"])
    assert matches(
        {"contains": {"name": "g", "min_age": 18}}, [{"name": "a"}, {"name": "g", "min_age": 18}]
    )
    assert matches("2026-01-01", "2026-01-01") and matches(5000, 5000.0) and not matches(5000, 5100)
    scaled = concrete(
        {"share_on": ["suburban"], "at_least": 0.6},
        {"urban": 0.27, "suburban": 0.52, "rural": 0.21},
    )
    assert (
        abs(sum(scaled.values()) - 1) < 1e-3 and scaled["suburban"] == 0.8 and scaled["rural"] > 0
    )


def test_scripted_run_scores_every_brief_and_writes_the_reports(tmp_path):
    code = main(["--model", "scripted", "--out", str(tmp_path), "--min-accuracy", "1.0"])
    assert code == 0
    report = json.loads((tmp_path / "report.json").read_text())
    summary = report["summary"]
    assert summary["field_accuracy"] == 1.0 and summary["briefs_passed"] == summary["briefs"]
    assert summary["errors_detected"] == summary["errors_expected"] >= 5
    assert summary["valid_briefs_completed"] == summary["valid_briefs"]
    assert report["per_field"]["households.count"]["total"] >= 5
    markdown = (tmp_path / "report.md").read_text()
    assert "## Accuracy per field" in markdown and "| tx_fl_affluent_ctv | yes |" in markdown


def test_the_configured_mode_needs_a_model(tmp_path, monkeypatch, capsys):
    for name in ("DATABRICKS_SERVING_ENDPOINT", "OPENAI_BASE_URL", "IDGRAPH_OPENAI_MODEL"):
        monkeypatch.delenv(name, raising=False)
    assert main(["--model", "configured", "--out", str(tmp_path)]) == 2
    assert "use --model scripted" in capsys.readouterr().err
