"""Spec problems as ``dotted.path: what is wrong and how to fix it`` lines.

Pydantic errors and cross-section rule violations are both turned into ``Problem``s; nothing in
here ever shows a traceback to the user.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a spec: where (dotted path) and what to do about it."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class SpecError(ValueError):
    """A spec that does not validate; ``problems`` lists every reason."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class CrossRuleErrors(ValueError):
    """Raised inside model validation to carry several located problems through Pydantic."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("; ".join(str(p) for p in problems))


SHOWN_INPUT = 60  # characters of a refused value quoted back in a message


def shown(value: Any) -> str:
    """``repr(value)`` cut to SHOWN_INPUT characters: a problem stays one readable line whatever
    was pasted (a 10 MB string, a deep structure)."""
    text = repr(value)
    return text if len(text) <= SHOWN_INPUT else f"{text[: SHOWN_INPUT - 1]}…"


LISTED = 5  # values a problem names before "and N more"


def listed(values: Any) -> str:
    """Values the user gave, for a message: each ``shown``, at most LISTED of them."""
    items = [shown(v) for v in values]
    more = f" and {len(items) - LISTED} more" if len(items) > LISTED else ""
    return ", ".join(items[:LISTED]) + more


MAX_NAME = 255  # characters of a name: catalog, schema, segment, flight (base.Identifier)
PLAIN_KEY = re.compile(r"[A-Za-z0-9_+-]{1,64}")


def _key(part: Any) -> str:
    """A path part as written: field names, labels and indexes plain; any other key the user
    typed (with dots, spaces, control characters, or very long) quoted and cut by ``shown``."""
    text = str(part)
    return text if PLAIN_KEY.fullmatch(text) else shown(text)


def path_of(parts: Any) -> str:
    """A dotted path from its parts, each as ``_key`` writes it."""
    return ".".join(_key(p) for p in parts)


def _dotted(loc: tuple[Any, ...], prefix: str = "") -> str:
    parts = [p for p in loc if p not in ("function-after", "function-before", "[key]")]
    return ".".join(x for x in (prefix, path_of(parts)) if x)


def _allowed_fields(model: type | None, loc: tuple[Any, ...]) -> list[str]:
    """Field names (aliases) of the model that ``loc`` points into, for 'did you mean'."""
    if model is None:
        return []
    current: Any = model
    for part in loc[:-1]:
        fields = getattr(current, "model_fields", None)
        if fields is None:
            return []
        field = next((f for n, f in fields.items() if part in (n, f.alias)), None)
        if field is None:
            if isinstance(part, int):
                continue
            return []
        annotation = field.annotation
        args = getattr(annotation, "__args__", ())
        current = next((a for a in (annotation, *args) if hasattr(a, "model_fields")), None)
        if current is None:
            return []
    return [f.alias or n for n, f in current.model_fields.items()]


def _message(error: dict[str, Any], model: type | None) -> str:
    kind, msg, ctx = error["type"], error["msg"], error.get("ctx") or {}
    got = shown(error.get("input"))
    if error["loc"] and error["loc"][-1] == "[key]":
        return f"labels must be text; got {got} (write it as a quoted string)"
    if kind == "extra_forbidden":
        allowed = _allowed_fields(model, error["loc"])
        close = difflib.get_close_matches(str(error["loc"][-1]), allowed, n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        listed = f" (allowed: {', '.join(allowed)})" if allowed else ""
        return f"unknown field; {hint}remove it or rename it{listed}"
    if kind == "missing":
        return "required field is missing; add it"
    if kind in ("greater_than_equal", "greater_than", "less_than_equal", "less_than"):
        return f"{msg.lower()}; got {got}"
    if kind == "finite_number":
        return (
            f"must be a finite number; got {got}: write a plain number instead "
            "(e.g. 0 or 0.25), NaN and infinity are not values"
        )
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a mapping of fields or labels (key: value); got {got}"
    if kind == "list_type":
        return f"must be a list ([a, b, ...]); got {got}"
    if kind == "string_pattern_mismatch" and len(str(error.get("input"))) > MAX_NAME:
        return f"is {len(str(error.get('input'))):,} characters long; use at most {MAX_NAME}"
    if kind == "string_pattern_mismatch":
        return (
            f"{got} is not allowed: use letters, digits and underscores only, "
            "starting with a letter or underscore (no spaces, dots, quotes or semicolons)"
        )
    if kind in ("int_parsing", "int_type", "int_from_float"):
        return f"must be a whole number; got {got}"
    if kind in ("float_parsing", "float_type"):
        return f"must be a number; got {got}"
    if kind in ("date_parsing", "date_from_datetime_parsing", "date_type"):
        return f"must be a date written YYYY-MM-DD; got {got}"
    if kind == "date_from_datetime_inexact":
        return f"must be a date written YYYY-MM-DD, without a time of day; got {got}"
    if kind == "literal_error":
        return f"{msg.lower()}; got {got}"
    if kind == "value_error":
        text = str(ctx.get("error", msg))
        return text.removeprefix("Value error, ")
    return msg


def problems_from_validation(
    error: ValidationError, model: type | None = None, prefix: str = ""
) -> list[Problem]:
    """Translate a Pydantic ValidationError into located, actionable problems."""
    problems: list[Problem] = []
    for item in error.errors(include_url=False):
        cause = (item.get("ctx") or {}).get("error")
        if isinstance(cause, CrossRuleErrors):
            base = _dotted(item["loc"], prefix)
            for p in cause.problems:
                path = ".".join(x for x in (base, p.path) if x)
                problems.append(Problem(path, p.message))
            continue
        problems.append(Problem(_dotted(item["loc"], prefix), _message(item, model)))
    return problems
