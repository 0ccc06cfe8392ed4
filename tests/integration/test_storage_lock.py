"""Runs on one target never interleave; runs on different targets do not wait for each other."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from cli_runs import CliRun, delta_version, staging_exists, wait_until

from generators.spec import GenerationSpec
from generators.spec.io import spec_to_yaml
from generators.storage.lock import (
    LOCK_FILE,
    TargetBusy,
    WaitCancelled,
    lock_timeout,
    target_lock,
)
from generators.storage.manifest import RunManifest

SCHEMA = ("bryan_li", "synthetic_identity")


def test_busy_target_fails_fast_with_a_clear_message(tmp_path):
    target = tmp_path / "cat" / "sch"
    busy = pytest.raises(TargetBusy, match=r"cat\.sch is busy")
    with target_lock(target), busy, target_lock(target, timeout=0):
        pass
    assert (target / LOCK_FILE).exists()


def test_busy_target_waits_with_a_message_then_gives_up(tmp_path):
    target = tmp_path / "cat" / "sch"
    messages: list[str] = []
    busy = pytest.raises(TargetBusy, match=r"still busy after 0\.3 s")
    with target_lock(target), busy, target_lock(target, timeout=0.3, on_wait=messages.append):
        pass
    assert len(messages) == 1
    assert "waiting for another idgraph run on cat.sch" in messages[0]


def test_waiting_run_proceeds_once_the_target_is_free(tmp_path):
    target = tmp_path / "cat" / "sch"
    order: list[str] = []
    waiting = threading.Event()
    first = target_lock(target)
    first.__enter__()

    def second() -> None:
        with target_lock(target, on_wait=lambda _: waiting.set()):
            order.append("second")

    thread = threading.Thread(target=second)
    thread.start()
    assert waiting.wait(30)
    order.append("first")
    first.__exit__(None, None, None)
    thread.join(30)
    assert order == ["first", "second"]


def test_cancel_stops_the_wait_for_a_busy_target(tmp_path):
    target = tmp_path / "cat" / "sch"
    cancel, waiting = threading.Event(), threading.Event()
    outcome: list[BaseException] = []

    def second() -> None:
        try:
            with target_lock(target, on_wait=lambda _: waiting.set(), cancel=cancel):
                outcome.append(AssertionError("acquired a busy lock"))
        except WaitCancelled as error:
            outcome.append(error)

    with target_lock(target):
        thread = threading.Thread(target=second)
        thread.start()
        assert waiting.wait(30)
        cancel.set()
        thread.join(30)
    assert len(outcome) == 1 and isinstance(outcome[0], WaitCancelled), outcome
    assert "nothing was written" in str(outcome[0])


def test_other_targets_are_not_blocked(tmp_path):
    with target_lock(tmp_path / "cat" / "one"), target_lock(tmp_path / "cat" / "two", timeout=0):
        pass


def test_lock_timeout_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("IDGRAPH_LOCK_TIMEOUT", raising=False)
    assert lock_timeout() is None
    monkeypatch.setenv("IDGRAPH_LOCK_TIMEOUT", "0")
    assert lock_timeout() == 0
    monkeypatch.setenv("IDGRAPH_LOCK_TIMEOUT", "2.5")
    assert lock_timeout() == 2.5
    for bad in ("-1", "soon", "nan"):
        monkeypatch.setenv("IDGRAPH_LOCK_TIMEOUT", bad)
        with pytest.raises(ValueError, match="IDGRAPH_LOCK_TIMEOUT"):
            lock_timeout()


@pytest.fixture
def tiny_spec(tmp_path: Path) -> Path:
    path = tmp_path / "spec.yaml"
    spec = GenerationSpec.model_validate({"households": {"count": 50}})
    path.write_text(spec_to_yaml(spec), encoding="utf-8")
    return path


def test_concurrent_cli_runs_on_one_target_never_interleave(tmp_path, tiny_spec):
    """A holds the target; B (fail fast) exits 1 at once writing nothing; C waits, then
    proceeds: an append of A's spec, refused (exit 2) for naming A's finished run, which it can
    only see once A has committed and let go; D on another target runs beside A."""
    one, two = tmp_path / "one", tmp_path / "two"
    schema = one.joinpath(*SCHEMA)
    a = CliRun(tmp_path / "a", tiny_spec, one)
    d = CliRun(tmp_path / "d", tiny_spec, two)
    wait_until(lambda: staging_exists(schema), a)

    b = CliRun(tmp_path / "b", tiny_spec, one, IDGRAPH_LOCK_TIMEOUT="0")
    assert b.wait() == 1
    assert "bryan_li.synthetic_identity is busy" in b.err
    assert "Traceback" not in b.err
    c = CliRun(tmp_path / "c", tiny_spec, one, "--mode", "append")
    wait_until(lambda: "waiting for another idgraph run" in c.err, c)

    assert a.wait() == 0, a.err
    assert c.wait() == 2, c.err
    assert d.wait() == 0, d.err
    assert delta_version(schema / "households") is not None
    (run,) = RunManifest(schema).runs().values()
    assert run["status"] == "succeeded"
    assert (
        f"households.count: 50 is not more than 50; output.mode append adds households to run {run['run_id']}"
        in c.err
    )
    assert [r["status"] for r in RunManifest(two.joinpath(*SCHEMA)).runs().values()] == [
        "succeeded"
    ]
