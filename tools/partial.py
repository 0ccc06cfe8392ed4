"""Partial ("update") models derived from the spec's section models, and the merge they feed.

``partial_model(Model)`` has the same fields, types, constraints, aliases and descriptions as
``Model`` with every field optional (default None) and nested section models partial too, so a
tool can take any subset of a step. Validators of ``Model`` are not copied: the merged result is
validated by the real models. Lists (segments, flights) and maps (weights) replace as a whole.
"""

from __future__ import annotations

import inspect
import types
from functools import cache
from typing import Annotated, Any, Union, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, create_model
from pydantic.fields import FieldInfo

REPLACES_MAP = "Replaces the whole map: list every key you want to keep."
REPLACES_LIST = "Replaces the whole list: give every item you want to keep."


def section_type(annotation: Any) -> type[BaseModel] | None:
    """The BaseModel subclass an annotation names (directly or as ``X | None``), else None."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    if get_origin(annotation) in (Union, types.UnionType):
        found = [a for a in get_args(annotation) if section_type(a) is not None]
        return found[0] if len(found) == 1 else None
    return None


def _describe(info: FieldInfo, annotation: Any) -> str | None:
    origin = get_origin(annotation)
    note = REPLACES_MAP if origin is dict else REPLACES_LIST if origin is list else None
    parts = [p for p in (info.description, note) if p]
    return " ".join(parts) or None


def _partial_field(info: FieldInfo) -> tuple[Any, FieldInfo]:
    annotation = info.annotation
    nested = section_type(annotation)
    if nested is not None:
        annotation = partial_model(nested)
        description = info.description or inspect.cleandoc(nested.__doc__ or "") or None
    else:
        description = _describe(info, annotation)
        if info.metadata:
            annotation = Annotated[(annotation, *info.metadata)]
    field = Field(default=None, alias=info.alias, description=description)
    return annotation | None, field


@cache
def partial_model(model: type[BaseModel], extra: tuple[tuple[str, FieldInfo], ...] = ()) -> type:
    """``model`` with every field optional (None = leave unchanged); ``extra`` adds fields."""
    fields = {name: _partial_field(info) for name, info in (*model.model_fields.items(), *extra)}
    return create_model(
        f"{model.__name__}Update",
        __config__=ConfigDict(extra="forbid", validate_by_name=True, validate_by_alias=True),
        __doc__=model.__doc__,
        **fields,
    )


def update_dict(update: BaseModel) -> dict[str, Any]:
    """The values an update model sets, JSON-compatible, keyed by alias (as in the spec)."""
    return update.model_dump(mode="json", by_alias=True, exclude_none=True)


def _field(model: type[BaseModel], key: str) -> FieldInfo | None:
    return next((f for n, f in model.model_fields.items() if key in (n, f.alias)), None)


def merge(current: dict[str, Any], update: dict[str, Any], model: type[BaseModel]) -> dict:
    """``current`` with ``update`` merged in: nested sections deep, maps and lists replaced."""
    merged = dict(current)
    for key, value in update.items():
        info = _field(model, key)
        nested = section_type(info.annotation) if info is not None else None
        if nested is not None and isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = merge(merged[key], value, nested)
        else:
            merged[key] = value
    return merged


def diff(before: dict[str, Any], after: dict[str, Any], model: type[BaseModel]) -> dict:
    """The smallest update that ``merge`` turns ``before`` into ``after`` with (its inverse)."""
    changes: dict[str, Any] = {}
    for key, value in after.items():
        if key in before and before[key] == value:
            continue
        info = _field(model, key)
        nested = section_type(info.annotation) if info is not None else None
        if nested is not None and isinstance(value, dict) and isinstance(before.get(key), dict):
            changes[key] = diff(before[key], value, nested)
        else:
            changes[key] = value
    return changes
