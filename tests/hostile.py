"""Hostile input for property-based tests: the default spec with one to three fields replaced by
adversarial values, drawn per field type with Hypothesis.

``SLOTS`` lists every field of ``GenerationSpec`` (nested sections, map entries by map, list
items by their first item) with its kind; ``mutations()`` draws 1-3 ``(path, value)`` edits and
``mutated(edits)`` applies them to a copy of the default spec's canonical data. Values cover what
a hostile user types: NaN, ±infinity, zero, negatives, huge and tiny numbers, empty and one-label
maps, unknown labels, duplicated list items, unicode and control characters, very long strings,
wrong types, dates far apart or reversed.

``resolves(path, data)`` tells whether a problem's dotted path names a field of the spec model
or a key/item present in the data (the spec-level invariant asks every problem for one).
"""

from __future__ import annotations

import copy
import math
import re
import types
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal, Union, get_args, get_origin

import yaml
from hypothesis import strategies as st
from pydantic import BaseModel

from generators.spec import GenerationSpec, census
from generators.spec.domains import (
    ATTRIBUTION_MODELS,
    BEHAVIOURAL_CLASSES,
    CONTENT_CATEGORIES,
    DEVICE_TYPES,
    GENDERS,
    INCOME_BRACKETS,
    URBANICITY,
)
from generators.spec.errors import shown

Path = tuple[str | int, ...]
DEFAULT: dict[str, Any] = GenerationSpec().canonical()

# ------------------------------------------------------------ the spec's fields


@dataclass(frozen=True)
class Slot:
    """A field of the spec: where it is, what kind of value it holds, labels it draws from."""

    path: Path
    kind: str  # section, map, profile, labels, items, dates, float, int, text, date, literal
    labels: tuple[str, ...] = ()
    choices: tuple[Any, ...] = ()
    edges: tuple[Any, ...] = ()  # a number's bounds as the model states them, and just inside


def _edges(info: Any, kind: Any) -> tuple[Any, ...]:
    """The values at and just inside a numeric field's bounds (``ge``, ``gt``, ``le``, ``lt``)."""
    found: list[Any] = []
    for bound in info.metadata:
        for name, inward in (("ge", 0), ("gt", 1), ("le", 0), ("lt", -1)):
            value = getattr(bound, name, None)
            if value is None:
                continue
            if kind is int:
                found.append(value + inward)
            elif inward:
                found.append(math.nextafter(value, math.inf * inward))
            else:
                found.append(float(value))
    return tuple(found)


LIST_LABELS = {
    "genders": GENDERS,
    "income_brackets": INCOME_BRACKETS,
    "states": census.states(),
    "urbanicity": URBANICITY,
    "top_categories": CONTENT_CATEGORIES,
    "behavioural_classes": BEHAVIOURAL_CLASSES,
    "preferred_devices": DEVICE_TYPES,
    "target_segments": tuple(s["name"] for s in DEFAULT["audience"]["segments"]),
    "models": ATTRIBUTION_MODELS,
}


def _bare(annotation: Any) -> Any:
    """``annotation`` without ``Annotated`` metadata and without ``| None``."""
    while True:
        if get_origin(annotation) is Annotated:
            annotation = get_args(annotation)[0]
        elif get_origin(annotation) in (Union, types.UnionType):
            inner = [a for a in get_args(annotation) if a is not type(None)]
            annotation = inner[0]
        else:
            return annotation


def _model_field(model: type[BaseModel], key: str | int) -> Any:
    for name, info in model.model_fields.items():
        if key in (name, info.alias):
            return info.annotation
    return None


def _slots(model: type[BaseModel], data: dict[str, Any], path: Path) -> list[Slot]:
    found: list[Slot] = []
    for name, info in model.model_fields.items():
        key = info.alias or name
        here = (*path, key)
        kind = _bare(info.annotation)
        value = data.get(key)
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            found.append(Slot(here, "section"))
            found += _slots(kind, value, here)
        elif get_origin(kind) is dict:
            found.append(Slot(here, "map", tuple(value)))
        elif get_origin(kind) is list:
            item = _bare(get_args(kind)[0])
            if isinstance(item, type) and issubclass(item, BaseModel):
                found.append(Slot(here, "items"))
                if value:
                    found += _slots(item, value[0], (*here, 0))
            elif item is date:
                found.append(Slot(here, "dates"))
            elif item is float:
                found.append(Slot(here, "profile", (), (len(value),)))
            else:
                found.append(Slot(here, "labels", LIST_LABELS.get(key, ())))
        elif get_origin(kind) is Literal:
            found.append(Slot(here, "literal", (), get_args(kind)))
        elif kind is bool:
            found.append(Slot(here, "literal", (), (True, False)))
        else:
            name = {float: "float", int: "int", date: "date"}.get(kind, "text")
            found.append(Slot(here, name, edges=_edges(info, kind)))
    return found


SLOTS: tuple[Slot, ...] = tuple(_slots(GenerationSpec, DEFAULT, ()))

# ------------------------------------------------------------ adversarial values

NASTY_FLOATS = (
    math.nan,
    math.inf,
    -math.inf,
    0.0,
    -0.0,
    -1.0,
    5e-324,
    1e-300,
    1e-12,
    0.5,
    1.0,
    1.0000001,
    3.0,
    1e300,
    1.7976931348623157e308,
    -1e300,
    2.0**63,
)
NASTY_INTS = (0, -1, 1, 2, 15, 16, 255, 256, 1023, 1024, 65_536, 65_537, 2**31, 2**63 - 1, 2**63)
NASTY_INTS += (2**64, 10**30, 10**400, 1_000_000_000, 1_000_000_001)
NASTY_TEXT = (
    "",
    " ",
    "nan",
    "NaN",
    "inf",
    "-Infinity",
    "1e309",
    "null",
    "~",
    "general",
    "\x00",
    "\ud800",
    "\u2028",
    "\ufeff",
    "\x1b[31mred",
    "é",
    "🙂",
    "'; DROP TABLE x; --",
    "a" * 10_000,
    "x" * 256,
    "TX",
    "sports",
    "ctv",
    "female",
    "heavy",
)
NASTY_DATES = (
    date(1, 1, 1),
    date(1900, 1, 1),
    date(1999, 12, 31),
    date(2000, 1, 1),
    date(2025, 12, 31),
    date(2026, 1, 1),
    date(2026, 2, 28),
    date(2026, 3, 31),
    date(2030, 12, 31),
    date(2031, 1, 2),
    date(2099, 12, 31),
    date(2100, 1, 1),
    date(2999, 1, 1),
    date(9999, 12, 31),
)


def mostly(usual: st.SearchStrategy[Any], rare: st.SearchStrategy[Any], odds: int = 3):
    """``usual`` ``odds`` times as often as ``rare`` (``one_of`` would draw them evenly)."""
    return st.integers(0, odds).flatmap(lambda i: rare if i == 0 else usual)


floats = st.one_of(
    st.sampled_from(NASTY_FLOATS),
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(min_value=-2, max_value=2),
)
ints = st.one_of(st.sampled_from(NASTY_INTS), st.integers(min_value=-10, max_value=10**6))
texts = st.one_of(
    st.sampled_from(NASTY_TEXT),
    st.text(max_size=30),
    st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,20}", fullmatch=True),
)
dates = st.one_of(
    st.sampled_from(NASTY_DATES),
    st.dates(),
    st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
    st.sampled_from(["2026-02-30", "2026-1-1", "yesterday", "2026-01-01T12:00:00"]),
    st.just(datetime(2026, 1, 1, 12, 30)),
)
junk = st.one_of(
    st.none(),
    st.booleans(),
    st.text(max_size=10),
    floats,
    ints,
    st.lists(st.integers(-2, 2), max_size=3),
    st.dictionaries(st.text(max_size=5), st.integers(-2, 2), max_size=2),
)


def _weights(labels: tuple[str, ...]) -> st.SearchStrategy[dict[Any, Any]]:
    """Maps over ``labels``: valid shares and every way of getting them wrong."""
    label = st.sampled_from(labels) if labels else texts
    normalised = st.lists(label, min_size=1, max_size=max(1, len(labels)), unique=True).flatmap(
        lambda keys: st.lists(
            st.floats(min_value=0, max_value=1), min_size=len(keys), max_size=len(keys)
        ).map(lambda ws: _shares(keys, ws))
    )
    return st.one_of(
        st.just({}),
        label.map(lambda k: {k: 1.0}),
        st.tuples(label, floats).map(lambda kv: {kv[0]: kv[1]}),
        normalised,
        st.tuples(normalised, label, floats).map(lambda t: {**t[0], t[1]: t[2]}),
        st.tuples(normalised, texts).map(lambda t: {**t[0], t[1]: 0.0}),
        st.tuples(label, label).map(lambda t: {t[0]: 1e-300, t[1]: 1.0}),
        label.map(lambda k: {k: 0.0}),
        st.tuples(label, st.integers(-5, 5)).map(lambda t: {t[1]: 1.0, t[0]: 0.0}),
        st.tuples(label, texts).map(lambda t: {t[0]: t[1]}),
        st.tuples(label, label).map(lambda t: {t[0]: -1.0, t[1]: 2.0}),
    )


def _shares(keys: list[str], weights: list[float]) -> dict[str, float]:
    total = sum(weights)
    if total <= 0:
        return {k: 1.0 / len(keys) for k in keys}
    return {k: w / total for k, w in zip(keys, weights, strict=True)}


def _profile(length: int) -> st.SearchStrategy[list[Any]]:
    base = [1.0] * length
    return st.one_of(
        st.lists(floats, min_size=length, max_size=length),
        st.tuples(st.integers(0, length - 1), floats).map(
            lambda t: [t[1] if i == t[0] else v for i, v in enumerate(base)]
        ),
        st.lists(st.floats(0, 10), min_size=0, max_size=length + 2),
        st.just([0.0] * length),
        st.just([1e-300] * length),
        st.just([0.0] * (length - 1) + [5e-324]),
    )


def _labels(labels: tuple[str, ...]) -> st.SearchStrategy[list[Any]]:
    label = st.sampled_from(labels) if labels else texts
    return st.one_of(
        st.just([]),
        st.lists(label, min_size=1, max_size=4),
        label.map(lambda x: [x, x]),
        st.lists(texts, min_size=1, max_size=3),
        st.lists(junk, min_size=1, max_size=2),
    )


def _items(path: Path) -> st.SearchStrategy[Any]:
    current = _at(DEFAULT, path)
    first = current[0] if current else None
    options = [st.just([]), st.lists(junk, max_size=2)]
    if first is not None:
        options += [st.just([first, first]), st.just([first] * 101), st.just([first])]
    return st.one_of(*options)


def _dates_list() -> st.SearchStrategy[list[Any]]:
    return st.one_of(st.just([]), st.lists(dates, min_size=1, max_size=3))


def values_for(slot: Slot) -> st.SearchStrategy[Any]:
    """Adversarial values for one field: mostly of its type, sometimes of any type."""
    kind = slot.kind
    typed: st.SearchStrategy[Any]
    if kind == "float":
        typed = floats
    elif kind == "int":
        typed = ints
    elif kind == "text":
        typed = texts
    elif kind == "date":
        typed = dates
    elif kind == "literal":
        typed = st.one_of(st.sampled_from(slot.choices), texts)
    elif kind == "map":
        typed = _weights(slot.labels)
    elif kind == "profile":
        typed = _profile(slot.choices[0])
    elif kind == "labels":
        typed = _labels(slot.labels)
    elif kind == "items":
        typed = _items(slot.path)
    elif kind == "dates":
        typed = _dates_list()
    else:  # a section: an unknown field in it, or not a mapping at all
        section = _at(DEFAULT, slot.path)
        typed = st.one_of(
            st.just({}),
            st.tuples(texts, junk).map(lambda kv: {**section, kv[0]: kv[1]}),
        )
    return mostly(plausible(slot), st.one_of(typed, junk), odds=1)


def plausible(slot: Slot) -> st.SearchStrategy[Any]:
    """Values near the default (scaled, nudged, re-drawn over the same labels): often valid, so
    valid specs with unusual values get exercised too."""
    default = _at(DEFAULT, slot.path)
    if default is None:  # an optional bound (min_age, min_propensity)
        bounds = st.integers(0, 120) if slot.kind == "int" else st.floats(0, 1)
        return st.one_of(st.none(), bounds)
    if slot.kind == "float":
        factors = st.sampled_from((0.0, 1e-9, 0.001, 0.5, 0.999, 1.0, 1.001, 2.0, 10.0, 1e6))
        return factors.map(lambda f: default * f)
    if slot.kind == "int":
        return st.integers(-1, 3).map(lambda d: default * 2 if d == 3 else max(default + d, 0))
    if slot.kind == "date":
        start = date.fromisoformat(default)
        return st.integers(-400, 2000).map(lambda d: start + timedelta(days=d))
    if slot.kind == "map":
        keys = st.lists(st.sampled_from(slot.labels), min_size=1, unique=True)
        return keys.flatmap(
            lambda ks: st.lists(st.floats(0, 1), min_size=len(ks), max_size=len(ks)).map(
                lambda ws: _shares(ks, ws)
            )
        )
    if slot.kind == "profile":
        n = slot.choices[0]
        return st.lists(st.floats(0, 100), min_size=n, max_size=n)
    if slot.kind == "labels" and slot.labels:
        return st.lists(st.sampled_from(slot.labels), max_size=3)
    if slot.kind == "literal":
        return st.sampled_from(slot.choices)
    return st.just(default)


default_window_days = st.integers(0, 89).map(lambda d: date(2026, 1, 1) + timedelta(days=d))


def _flights() -> st.SearchStrategy[list[tuple[Path, Any]]]:
    """Explicit flights (with a matching campaigns.count) whose fields are adversarial."""

    flight = st.fixed_dictionaries(
        {
            "name": mostly(st.sampled_from(["f1", "f2", "spring_sale"]), texts),
            "start_date": mostly(default_window_days, dates),
            "end_date": mostly(default_window_days, dates),
            "channel": mostly(st.sampled_from(["ctv", "email", "search"]), texts),
            "budget_usd": mostly(st.floats(1, 1e7), floats),
        },
        optional={
            "goal": mostly(st.sampled_from(["awareness", "conversion"]), texts),
            "target_segments": mostly(
                st.lists(st.sampled_from(LIST_LABELS["target_segments"]), max_size=2),
                _labels(LIST_LABELS["target_segments"]),
            ),
        },
    )
    return st.lists(flight, min_size=1, max_size=3).map(
        lambda fs: [(("campaigns", "flights"), fs), (("campaigns", "count"), len(fs))]
    )


def mutations() -> st.SearchStrategy[list[tuple[Path, Any]]]:
    """One to three ``(path, value)`` edits of the default spec."""
    chosen = st.lists(st.sampled_from(SLOTS), min_size=1, max_size=3, unique_by=lambda s: s.path)
    edits = chosen.flatmap(
        lambda ss: st.tuples(*(st.tuples(st.just(s.path), values_for(s)) for s in ss))
    )
    return mostly(edits.map(list), _flights())


def _at(data: Any, path: Path) -> Any:
    for part in path:
        data = data[part]
    return data


def mutated(edits: list[tuple[Path, Any]], base: dict[str, Any] | None = None) -> dict[str, Any]:
    """A deep copy of ``base`` (the default spec's data) with each edit applied in order; an edit
    below a value an earlier edit replaced by a non-container is dropped."""
    data = copy.deepcopy(DEFAULT if base is None else base)
    for path, value in edits:
        node: Any = data
        for part in path[:-1]:
            try:
                node = node[part]
            except (KeyError, IndexError, TypeError):
                node = None
                break
        last = path[-1]
        if isinstance(node, dict) or (
            isinstance(node, list) and isinstance(last, int) and last < len(node)
        ):
            node[last] = copy.deepcopy(value)
    return data


def floats_in(value: Any) -> list[float]:
    """Every float held anywhere in JSON-like data."""
    if isinstance(value, dict):
        return [f for v in value.values() for f in floats_in(v)]
    if isinstance(value, list):
        return [f for v in value for f in floats_in(v)]
    return [value] if isinstance(value, float) else []


# ------------------------------------------------------------ located problems


def resolves(path: str, data: dict[str, Any]) -> bool:
    """``path`` (dotted) names a field of the spec model, or a key/item of ``data`` or of the
    default spec. An unknown key the user wrote may only be the last part, plain or quoted (a key
    that is not a plain word is shown quoted and cut by ``errors.shown``)."""
    quote = re.search(r"(^|\.)(['\"])", path)
    plain = path[: quote.start()] if quote else path
    parts: list[str] = plain.split(".") if plain else []
    last_quoted = path[quote.start(2) :] if quote else None
    if not parts and last_quoted is None:
        return False
    kind: Any = GenerationSpec
    nodes = [data, DEFAULT]
    for depth, part in enumerate(parts):
        kind = _bare(kind)
        held = [n for n in nodes if _holds(n, part)]
        nodes = [_child(n, part) for n in held]
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            field = _model_field(kind, part)
            if field is None:
                return bool(held) and depth == len(parts) - 1 and last_quoted is None
            kind = field
        elif get_origin(kind) in (dict, list):
            if not held:
                return False
            kind = get_args(kind)[-1]
        else:
            return False
    if last_quoted is None:
        return True
    return any(
        isinstance(node, dict) and any(shown(str(k)) == last_quoted for k in node) for node in nodes
    )


def _holds(node: Any, part: str) -> bool:
    if isinstance(node, dict):
        return any(str(k) == part for k in node)
    if isinstance(node, list):
        return part.isdigit() and int(part) < len(node)
    return False


def _child(node: Any, part: str) -> Any:
    if isinstance(node, list):
        return node[int(part)]
    return next(v for k, v in node.items() if str(k) == part)


# ------------------------------------------------------------ typed forms


def yaml_text(value: Any) -> str:
    """``value`` as one YAML flow value (what a user types after ``--set path=`` or ``=``)."""
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=2**31)
    return text.removesuffix("\n").removesuffix("\n...").strip()


def dotted(path: Path) -> str:
    return ".".join(str(p) for p in path)
