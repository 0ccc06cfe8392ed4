"""Expected spec values of the evaluation briefs: matching them, and deriving concrete values.

``matches(expected, actual)`` says whether a resolved spec value satisfies an expectation (the
forms are documented at the top of ``briefs.yaml``); ``concrete(expected, default)`` is a value
that satisfies it, starting from the default value at that path (used by the scripted model).
"""

from __future__ import annotations

import math
from typing import Any

MATCHERS = {"approx", "tol", "between", "support", "share_on", "at_least", "at_most", "contains"}
WEIGHT_TOLERANCE = 0.1
REL_TOLERANCE = 0.01
DECIMALS = 6


def is_matcher(value: Any) -> bool:
    return isinstance(value, dict) and bool(value) and set(value) <= MATCHERS


def lookup(data: Any, path: str) -> Any:
    """The value at a dotted path (map keys and list indexes); KeyError when absent."""
    node = data
    for part in path.split("."):
        if isinstance(node, list):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            raise KeyError(path)
    return node


def _number_equal(expected: float, actual: Any) -> bool:
    if isinstance(actual, bool) or not isinstance(actual, int | float):
        return False
    return math.isclose(expected, actual, rel_tol=REL_TOLERANCE, abs_tol=1e-9)


def _scalar_equal(expected: Any, actual: Any) -> bool:
    if isinstance(expected, int | float) and not isinstance(expected, bool):
        return _number_equal(expected, actual)
    return str(expected) == str(actual)


def _weights(value: Any) -> dict[str, float]:
    return {str(k): float(v) for k, v in (value or {}).items()}


def _item_matches(expected: dict[str, Any], actual: Any) -> bool:
    return isinstance(actual, dict) and all(
        k in actual and matches(v, actual[k]) for k, v in expected.items()
    )


def _matcher(expected: dict[str, Any], actual: Any) -> bool:
    if "approx" in expected:
        return abs(float(actual) - float(expected["approx"])) <= float(expected.get("tol", 0))
    if "between" in expected:
        low, high = expected["between"]
        return isinstance(actual, int | float) and low <= actual <= high
    if "support" in expected:
        positive = {k for k, w in _weights(actual).items() if w > 0}
        return positive == set(expected["support"])
    if "share_on" in expected:
        share = sum(w for k, w in _weights(actual).items() if k in expected["share_on"])
        if "at_most" in expected:
            return share <= expected["at_most"] + 1e-9
        return share >= expected.get("at_least", 0) - 1e-9
    if "contains" in expected:
        return isinstance(actual, list) and any(
            _item_matches(expected["contains"], a) for a in actual
        )
    raise ValueError(f"unknown matcher {sorted(expected)}")


def matches(expected: Any, actual: Any) -> bool:
    """Whether ``actual`` (a resolved spec value) satisfies ``expected``."""
    if is_matcher(expected):
        return _matcher(expected, actual)
    if isinstance(expected, dict):
        positive = {k: w for k, w in _weights(actual).items() if w > 0}
        wanted = _weights(expected)
        return set(positive) == {k for k, w in wanted.items() if w > 0} and all(
            abs(positive.get(k, 0) - w) <= WEIGHT_TOLERANCE for k, w in wanted.items()
        )
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return False
        if all(isinstance(e, dict) for e in expected):
            return all(any(_item_matches(e, a) for a in actual) for e in expected)
        return sorted(map(str, expected)) == sorted(map(str, actual))
    return _scalar_equal(expected, actual)


def _scaled(default: dict[str, float], labels: list[str], share: float) -> dict[str, float]:
    """``default`` rescaled so ``labels`` hold ``share`` and the others the rest."""
    inside = {k: w for k, w in default.items() if k in labels}
    for label in labels:
        inside.setdefault(label, 0.0)
    outside = {k: w for k, w in default.items() if k not in labels}
    result = {}
    for group, total in ((inside, share), (outside, 1 - share)):
        mass = sum(group.values())
        for k, w in group.items():
            result[k] = round(total * (w / mass if mass else 1 / len(group)), DECIMALS)
    return result


def concrete(expected: Any, default: Any) -> Any:
    """A value satisfying ``expected``, derived from the ``default`` at the same path."""
    if not is_matcher(expected):
        return expected
    if "approx" in expected:
        return expected["approx"]
    if "between" in expected:
        low, high = expected["between"]
        middle = (low + high) / 2
        return int(middle) if isinstance(low, int) and isinstance(high, int) else middle
    if "support" in expected:
        labels = expected["support"]
        return {k: round(1 / len(labels), DECIMALS) for k in labels}
    if "share_on" in expected:
        share = expected["at_most"] / 2 if "at_most" in expected else (1 + expected["at_least"]) / 2
        return _scaled(_weights(default), expected["share_on"], share)
    if "contains" in expected:
        return [*(default or []), expected["contains"]]
    raise ValueError(f"unknown matcher {sorted(expected)}")
