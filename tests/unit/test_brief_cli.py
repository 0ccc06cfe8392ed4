"""`idgraph spec from-text` through the real console script: the written spec, the lines on
stderr, refusals with exit 2 and no file, and the written spec passing `idgraph spec validate`
(tests/integration/test_brief_generates.py generates it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from generators.spec import GenerationSpec

IDGRAPH = str(Path(sys.executable).with_name("idgraph"))
BRIEF = "300 affluent families in Texs and Florida, parents 35 to 54, heavy CTV, Q1 2026, seed 9"


def idgraph(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [IDGRAPH, *args], input=stdin, capture_output=True, text=True, timeout=600
    )


def test_from_text_writes_the_full_spec_and_explains_each_edit(tmp_path: Path):
    target = tmp_path / "spec.yaml"
    result = idgraph("spec", "from-text", BRIEF, "-o", str(target))
    assert result.returncode == 0, result.stderr
    lines = result.stderr.splitlines()
    assert 'households.count = 300   <- "300 affluent families"' in lines
    assert any(
        line.startswith('households.states = {TX: 0.5559, FL: 0.4441}   <- "Texs and Florida"')
        and 'read as "texas"' in line
        for line in lines
    )
    assert 'seed = 9   <- "seed 9"' in lines
    assert lines[-1] == f"wrote {target}"
    spec = GenerationSpec.model_validate(yaml.safe_load(target.read_text()))
    assert spec.households.count == 300 and spec.seed == 9
    assert spec.output.catalog == "bryan_li"  # the rest is the default spec
    check = idgraph("spec", "validate", str(target))
    assert check.returncode == 0, check.stderr


def test_stdin_base_and_leftovers(tmp_path: Path):
    base = tmp_path / "base.yaml"
    base.write_text("households:\n  count: 1234\nseed: 5\n")
    result = idgraph(
        "spec", "from-text", "-", "--base", str(base), stdin="Hispanic renters who love Nike"
    )
    assert result.returncode == 0, result.stderr
    data = yaml.safe_load(result.stdout)
    assert data["households"]["count"] == 1234 and data["seed"] == 5
    assert 'not expressible: "Hispanic" (the spec has no ethnicity or race field)' in result.stderr
    assert 'unused: "Nike"' in result.stderr
    assert "nothing in the brief changes the spec" in result.stderr


def test_a_contradictory_brief_exits_2_without_a_file(tmp_path: Path):
    target = tmp_path / "spec.yaml"
    result = idgraph(
        "spec", "from-text", "householders 18-24 where 40% hold a doctorate", "-o", str(target)
    )
    assert result.returncode == 2
    assert not target.exists()
    assert any(
        line.startswith("demographics.education.doctorate: a doctorate degree needs age 26+")
        for line in result.stderr.splitlines()
    )
    assert "Traceback" not in result.stderr
