"""`idgraph spec init|validate` through the real console script: exit codes and messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from generators.spec import GenerationSpec

IDGRAPH = str(Path(sys.executable).with_name("idgraph"))


def idgraph(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [IDGRAPH, *args], input=stdin, capture_output=True, text=True, timeout=120
    )


def test_init_pipes_into_validate():
    init = idgraph("spec", "init")
    assert init.returncode == 0
    check = idgraph("spec", "validate", "/dev/stdin", stdin=init.stdout)
    assert check.returncode == 0, check.stderr
    assert GenerationSpec().fingerprint()[:16] in check.stderr


def test_init_writes_a_file_that_round_trips(tmp_path: Path):
    target = tmp_path / "spec.yaml"
    assert idgraph("spec", "init", "-o", str(target)).returncode == 0
    data = yaml.safe_load(target.read_text())
    assert data["output"] == {
        "catalog": "bryan_li",
        "schema": "synthetic_identity",
        "mode": "overwrite",
    }
    assert GenerationSpec.model_validate(data) == GenerationSpec()


def test_validate_reports_every_problem_without_traceback(tmp_path: Path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("households:\n  count: 0\noutput:\n  catalog: 'x; DROP TABLE y'\n")
    result = idgraph("spec", "validate", str(spec), "--set", "seed=-3")
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert {line.split(":")[0] for line in lines} == {"households.count", "output.catalog", "seed"}
    assert "Traceback" not in result.stderr


def test_set_overrides_are_applied(tmp_path: Path):
    result = idgraph("spec", "validate", "/dev/stdin", "--set", "households.count=5000", stdin="{}")
    assert result.returncode == 0 and "5,000 households" in result.stderr


def test_missing_file_and_bad_yaml_exit_2(tmp_path: Path):
    missing = idgraph("spec", "validate", str(tmp_path / "nope.yaml"))
    assert missing.returncode == 2 and "file not found" in missing.stderr
    broken = tmp_path / "broken.yaml"
    broken.write_text("households: [\n")
    bad = idgraph("spec", "validate", str(broken))
    assert bad.returncode == 2 and "not valid YAML or JSON at line" in bad.stderr
    assert "Traceback" not in missing.stderr + bad.stderr


def test_json_spec_accepted(tmp_path: Path):
    spec = tmp_path / "spec.json"
    spec.write_text('{"seed": 3, "households": {"count": 10}}')
    assert idgraph("spec", "validate", str(spec)).returncode == 0


def test_large_count_warns_but_validates():
    result = idgraph(
        "spec", "validate", "/dev/stdin", "--set", "households.count=20000000", stdin="{}"
    )
    assert result.returncode == 0 and "warning: households.count" in result.stderr
