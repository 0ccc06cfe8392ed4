"""Spec text as data: YAML (JSON is YAML) read strictly enough that what the user wrote is what
gets validated.

``load_yaml(text)`` is ``yaml.safe_load`` that also refuses, each as a ``yaml.YAMLError`` with
the line:
- a key given twice in one mapping (``seed: 1`` then ``seed: 2``; JSON objects alike): plain
  YAML keeps the last silently, so the spec would not be what its file appears to say;
- anchors and aliases (``&a`` / ``*a``): a few lines of them expand to billions of values
  ("billion laughs") once the data is copied, and a spec never needs them;
- nesting deeper than ``MAX_DEPTH`` (a spec is at most five levels deep), which would
  otherwise exhaust the parser's recursion.
``MAX_SPEC_BYTES`` bounds a spec file or pasted text: a spec is a few kilobytes (the default
spec is about 7 KB; a thousand explicit flights stay far below the bound).
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.nodes import MappingNode, Node

from generators.spec.errors import shown

MAX_SPEC_BYTES = 1024 * 1024
MAX_DEPTH = 32
MERGE_TAG = "tag:yaml.org,2002:merge"


class Refused(yaml.MarkedYAMLError):
    """Text that is valid YAML but not allowed in a spec; ``problem`` says why and the fix."""


class _SpecLoader(yaml.SafeLoader):
    """SafeLoader refusing duplicate keys, aliases and deep nesting (module docstring)."""

    def __init__(self, stream: str):
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            raise Refused(
                None,
                None,
                "anchors and aliases (&name, *name) are not allowed in a spec; write the values out",
                self.peek_event().start_mark,
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise Refused(
                    None,
                    None,
                    f"nested more than {MAX_DEPTH} levels deep; a spec is a few levels of sections",
                    self.peek_event().start_mark,
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[Any, Any]:
        lines: dict[Any, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == MERGE_TAG:
                continue  # ``<<: {...}``: the base class merges it, explicit keys winning
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                first = lines.get(key)
                lines[key] = line
            except TypeError:
                continue  # an unhashable key: the base class reports it
            if first is not None:
                where = f"line {line}" if first == line else f"lines {first} and {line}"
                raise Refused(
                    None,
                    None,
                    f"the key {shown(key)} is given twice ({where}); keep one",
                    key_node.start_mark,
                )
        return super().construct_mapping(node, deep=deep)


def load_yaml(text: str) -> Any:
    """The data of one YAML/JSON document, strictly read (module docstring)."""
    loader = _SpecLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()
