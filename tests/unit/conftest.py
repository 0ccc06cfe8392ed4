"""Unit tests run without a JVM: this folder is the fast loop (``./dev test unit``)."""

from __future__ import annotations

from collections.abc import Iterator

import psutil
import pytest


def _java_processes() -> set[int]:
    return {p.pid for p in psutil.Process().children(recursive=True) if "java" in p.name()}


@pytest.fixture(autouse=True)
def no_jvm() -> Iterator[None]:
    """Fails a unit test that starts Java (Spark belongs in tests/integration)."""
    before = _java_processes()
    yield
    started = _java_processes() - before
    assert not started, "this test started a JVM: move it to tests/integration"
