"""The spec of the generated world the integration tests share (``world`` in
tests/integration/conftest.py): the default spec at a size whose statistics the validation can
judge, with its own target."""

from __future__ import annotations

CATALOG, SCHEMA = "cat", "sch"
HOUSEHOLDS = 400
WORLD_SPEC = {"households": {"count": HOUSEHOLDS}, "output": {"catalog": CATALOG, "schema": SCHEMA}}
