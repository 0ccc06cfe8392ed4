"""Settings every test shares: a modest Spark driver heap, a fresh reference-constant cache, and
the order in which test files start (the longest first, so parallel workers finish together)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import settings

# Tests share the machine with other Spark processes (subprocess sessions, the app server):
# a modest driver heap each keeps the whole suite inside 24 GB.
os.environ.setdefault("IDGRAPH_DRIVER_MEMORY_MB", "3072")
# Reference constants (generators.tables.reference) are computed once per test session, in a
# fresh cache shared with the subprocess runs and with the other pytest-xdist workers of the same
# session (writes are atomic), never read from the developer's own cache.
_RUN = os.environ.get("PYTEST_XDIST_TESTRUNUID")
os.environ["IDGRAPH_CACHE_DIR"] = (
    str(Path(tempfile.gettempdir()) / f"idgraph-test-cache-{_RUN}")
    if _RUN
    else tempfile.mkdtemp(prefix="idgraph-test-cache-")
)

# Property-based tests are reproducible by default: the same examples on every run and machine,
# no timing deadline (the machine is shared). IDGRAPH_HYPOTHESIS=explore draws new examples on
# each run (and keeps failures in .hypothesis/ to replay them) when hunting for new holes.
settings.register_profile("reproducible", derandomize=True, database=None, deadline=None)
settings.register_profile("explore", deadline=None)
settings.load_profile(os.environ.get("IDGRAPH_HYPOTHESIS", "reproducible"))


# Test files that take minutes (markers) start first: with one file per worker at a time
# (``--dist loadfile``), a long file started last would leave the other workers idle.
LONG_FIRST = ("slow", "browser", "notebooks")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files with a LONG_FIRST marker first, in collection order otherwise (a stable sort)."""
    items.sort(key=lambda item: not any(item.get_closest_marker(m) for m in LONG_FIRST))


@pytest.fixture
def tmp_warehouse(tmp_path: Path) -> Path:
    """An empty folder for a local Delta warehouse."""
    warehouse = tmp_path / "warehouse"
    warehouse.mkdir()
    return warehouse
