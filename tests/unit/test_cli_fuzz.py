"""The command line under hostile input (Hypothesis): `--set` items and spec files of any shape
give exit 0 (valid) or exit 2 with one `where: what to do` line per problem on stderr, never a
traceback. Most cases run ``main`` in this process; a few spawn the real `idgraph` for what only
a process sees (standard input closed, a folder, binary junk, a 10 MB file)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml
from hostile import SLOTS, dotted, mutated, mutations, texts, values_for, yaml_text
from hypothesis import given, settings
from hypothesis import strategies as st

from generators.cli.main import EXIT_INVALID, EXIT_OK, main
from generators.spec.text import MAX_SPEC_BYTES

MAX_LINE = 600
WORKDIR = Path(tempfile.mkdtemp(prefix="idgraph-cli-fuzz-"))
EMPTY_SPEC = WORKDIR / "empty.yaml"  # every default: --set items build on it
EMPTY_SPEC.write_text("{}\n", encoding="utf-8")


def run(*argv: str) -> tuple[int, str, str]:
    """``idgraph argv`` in this process: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exit_:  # argparse refusing the command line itself
            code = exit_.code
    return code, out.getvalue(), err.getvalue()


def assert_answered(code: int, out: str, err: str, command: str = "spec validate") -> None:
    """Exit 0 with its normal output, or exit 2 with problem lines; never a traceback."""
    assert "Traceback" not in err + out, err[-2000:]
    lines = err.splitlines()
    assert code in (EXIT_OK, EXIT_INVALID), (code, err[-2000:])
    if code == EXIT_OK:
        if command == "estimate":
            assert "total" in out, out
        else:
            assert out == "" and lines[-1].startswith("valid: fingerprint "), err
            lines = lines[:-1]
        assert all(line.startswith("warning: ") for line in lines), err
        return
    assert out == "" and lines, "a refusal must say why, on stderr only"
    for line in lines:
        assert ": " in line and len(line) <= MAX_LINE, line[:300]
        assert line.split(": ", 1)[1].strip(), line


# ------------------------------------------------------------ --set items

paths = st.one_of(
    st.sampled_from(SLOTS).map(lambda s: dotted(s.path)),
    st.sampled_from(SLOTS).map(lambda s: dotted(s.path) + ".extra"),
    st.sampled_from(["", ".", "seed.", ".seed", "a..b", "seed.x", "audience.segments.x.name"]),
    st.sampled_from(["audience.segments.99.name", "engagement.seasonality.hour_of_day.24"]),
    st.sampled_from(["households.states.TX.x", "output.schema", " households.count "]),
    texts,
)
raw_values = st.one_of(
    st.sampled_from(["[", "{a: ", "!!binary AAAA", "!!python/object:os.system x", "*a", "&a 1"]),
    st.sampled_from(["'", '"', "{seed: 1, seed: 2}", "- a\n- b", "\x00", "1e309", ".NaN"]),
    texts,
)
typed_values = st.sampled_from(SLOTS).flatmap(
    lambda slot: values_for(slot).map(lambda v: f"{dotted(slot.path)}={yaml_text(v)}")
)
set_items = st.one_of(
    typed_values,
    typed_values,
    st.tuples(paths, raw_values).map(lambda pv: f"{pv[0]}={pv[1]}"),
    st.tuples(paths, st.sampled_from(SLOTS).flatmap(values_for)).map(
        lambda pv: f"{pv[0]}={yaml_text(pv[1])}"
    ),
    paths,  # no '=' at all
)


@settings(max_examples=200)
@given(st.sampled_from(["spec validate", "estimate"]), st.lists(set_items, min_size=1, max_size=3))
def test_hostile_set_items_give_exit_2_and_problem_lines_or_a_valid_spec(command, items):
    """``estimate`` also turns every spec that validates into expected rows."""
    argv = [*command.split(), str(EMPTY_SPEC), *(f"--set={i}" for i in items)]
    if command == "estimate":
        argv.append("--cores=2")
    assert_answered(*run(*argv), command)


# ------------------------------------------------------------ spec files


FAST_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)  # libyaml writes the inputs faster


def _spec_texts() -> st.SearchStrategy[bytes]:
    as_yaml = mutations().map(
        lambda e: yaml.dump(mutated(e), Dumper=FAST_DUMPER, allow_unicode=True, sort_keys=False)
    )
    as_json = mutations().map(lambda e: json.dumps(mutated(e), default=str))
    cut = st.tuples(as_yaml, st.floats(0, 1)).map(lambda t: t[0][: int(len(t[0]) * t[1])])
    doubled = st.tuples(as_yaml, st.sampled_from(["seed: 7", "households: {}", "output: 1"])).map(
        lambda t: f"{t[0]}\n{t[1]}\n"
    )
    text = st.one_of(as_yaml, as_json, cut, doubled, st.text(max_size=200))
    return st.one_of(
        text.map(lambda t: t.encode("utf-8", "surrogatepass")), st.binary(max_size=300)
    )


@settings(max_examples=60)
@given(_spec_texts(), st.lists(typed_values, max_size=1))
def test_hostile_spec_files_give_exit_2_and_problem_lines_or_a_valid_spec(content, items):
    spec_file = WORKDIR / "spec.yaml"
    spec_file.write_bytes(content)
    assert_answered(*run("spec", "validate", str(spec_file), *(f"--set={i}" for i in items)))


# ------------------------------------------------------------ what only a real process sees


def idgraph(*argv: str, **kwargs) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from generators.cli.main import console_main; console_main()"]
    return subprocess.run(
        [*command, *argv], capture_output=True, text=True, timeout=120, check=False, **kwargs
    )


def one_clear_line(result: subprocess.CompletedProcess[str], where: str, says: str) -> None:
    assert result.returncode == EXIT_INVALID, result.stderr
    assert result.stdout == "" and "Traceback" not in result.stderr
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"{where}: ") and says in line, line


def test_standard_input_closed():
    closed = idgraph("spec", "validate", "/dev/stdin", preexec_fn=lambda: os.close(0))
    one_clear_line(closed, "/dev/stdin", "standard input is closed")


def test_empty_standard_input():
    empty = idgraph("spec", "validate", "/dev/stdin", stdin=subprocess.DEVNULL)
    one_clear_line(empty, "/dev/stdin", "holds no spec")


def test_a_folder(tmp_path):
    one_clear_line(idgraph("spec", "validate", str(tmp_path)), str(tmp_path), "is a folder")


def test_binary_junk(tmp_path):
    junk = tmp_path / "junk.yaml"
    junk.write_bytes(bytes(range(256)) * 4)
    one_clear_line(idgraph("estimate", str(junk)), str(junk), "is not UTF-8 text")


def test_a_10_mb_file_is_refused_unread(tmp_path):
    big = tmp_path / "big.yaml"
    big.write_bytes(b"seed: 1\n" + b"# padding\n" * (1024 * 1024))
    assert big.stat().st_size > 10 * 1024 * 1024 > MAX_SPEC_BYTES
    one_clear_line(idgraph("generate", str(big)), str(big), "is larger than 1,024 KB")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('{"seed": 1, "seed": 2}', "the key 'seed' is given twice"),
        ("households:\n  count: [1,\n", "not valid YAML or JSON at line 3"),
        ("a: &x [1]\nb: *x\n", "anchors and aliases"),
    ],
)
def test_malformed_files_in_process(tmp_path, text, says):
    spec_file = tmp_path / "spec.json"
    spec_file.write_text(text, encoding="utf-8")
    code, out, err = run("spec", "validate", str(spec_file))
    assert code == EXIT_INVALID and out == ""
    (line,) = err.splitlines()
    assert line.startswith(f"{spec_file}: ") and says in line
