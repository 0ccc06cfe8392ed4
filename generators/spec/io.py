"""Reading, overriding and writing specs (YAML or JSON), with problems instead of tracebacks.

``spec_to_yaml(spec)`` is the exported form: it loads back to an equal spec with the same
fingerprint. ``--set dotted.path=value`` overrides take YAML scalars. Text is read strictly
(``generators.spec.text``): duplicate keys, aliases and oversized or empty input are problems.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from yaml.reader import ReaderError

from generators.spec import GenerationSpec
from generators.spec.errors import Problem, SpecError, path_of, problems_from_validation, shown
from generators.spec.text import MAX_SPEC_BYTES, Refused, load_yaml

NOT_A_MAPPING = "a spec is a mapping of sections (households:, demographics:, ...)"


def parse_override(item: str) -> tuple[str, Any]:
    """``households.count=5000`` → ("households.count", 5000); the value is a YAML scalar."""
    if "=" not in item:
        raise SpecError(
            [
                Problem(
                    shown(item),
                    "an override needs the form dotted.path=value, e.g. households.count=5000",
                )
            ]
        )
    path, raw = item.split("=", 1)
    path = path.strip()
    if not path or any(not part for part in path.split(".")):
        raise SpecError(
            [Problem(shown(item), "the path before '=' must be a dotted spec path, e.g. seed=7")]
        )
    try:
        value = load_yaml(raw) if raw.strip() else ""
    except yaml.YAMLError:
        value = raw
    return path, value


def apply_overrides(data: dict[str, Any], overrides: Iterable[str]) -> dict[str, Any]:
    """A copy of ``data`` with each ``dotted.path=value`` set (creating sections as needed)."""
    result = json.loads(json.dumps(data, default=str))
    for item in overrides:
        path, value = parse_override(item)
        node: Any = result
        parts = path.split(".")
        for depth, part in enumerate(parts[:-1]):
            if isinstance(node, list):
                node = _list_item(node, part, parts[: depth + 1])
                continue
            child = node.get(part)
            if child is None:
                child = node[part] = _default_at(parts[: depth + 1])
            if not isinstance(child, dict | list):
                raise SpecError(
                    [
                        Problem(
                            path_of(parts[: depth + 1]),
                            "is a value, not a section: set it directly",
                        )
                    ]
                )
            node = child
        if isinstance(node, list):
            index = _index(parts[-1], parts)
            if index >= len(node):
                raise SpecError(
                    [
                        Problem(
                            path_of(parts),
                            f"index {index} is out of range (the list has {len(node)} items)",
                        )
                    ]
                )
            node[index] = value
        else:
            node[parts[-1]] = value
    return result


def _default_at(parts: list[str]) -> Any:
    """The default spec's value at a path (a fresh copy), or an empty section if it has none.

    Overriding ``audience.segments.0.name`` in a file without segments edits the default list.
    """
    node: Any = GenerationSpec().canonical()
    for part in parts:
        if isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        elif isinstance(node, dict) and part in node:
            node = node[part]
        else:
            return {}
    return node if isinstance(node, dict | list) else {}


def _index(part: str, parts: list[str]) -> int:
    if not part.isdigit():
        raise SpecError(
            [Problem(path_of(parts), "this is a list: address an item by its number, e.g. .0")]
        )
    return int(part)


def _list_item(node: list[Any], part: str, parts: list[str]) -> Any:
    index = _index(part, parts)
    if index >= len(node):
        raise SpecError(
            [
                Problem(
                    path_of(parts),
                    f"index {index} is out of range (the list has {len(node)} items)",
                )
            ]
        )
    return node[index]


def parse_spec(data: Any, overrides: Iterable[str] = ()) -> GenerationSpec:
    """Validate raw data (a mapping from YAML/JSON) plus overrides, or raise SpecError."""
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise SpecError([Problem("", NOT_A_MAPPING)])
    data = apply_overrides(data, overrides)
    try:
        return GenerationSpec.model_validate(data)
    except ValidationError as error:
        raise SpecError(problems_from_validation(error, GenerationSpec)) from None


STDIN = "/dev/stdin"


def read_spec_data(path: str | Path) -> Any:
    """Parse a YAML or JSON spec file (JSON is YAML), or raise SpecError naming the file.

    At most MAX_SPEC_BYTES are read, so a huge file, ``/dev/zero`` or an endless pipe is
    refused without being read whole."""
    source = str(path)
    try:
        with open(path, "rb") as handle:
            raw = handle.read(MAX_SPEC_BYTES + 1)
    except FileNotFoundError:
        closed = source == STDIN
        fix = "standard input is closed; pipe a spec into it" if closed else "check the path"
        raise SpecError([Problem(source, f"file not found; {fix}")]) from None
    except IsADirectoryError:
        raise SpecError([Problem(source, "is a folder; give the spec file in it")]) from None
    except OSError as error:
        reason = error.strerror or error.__class__.__name__
        raise SpecError([Problem(source, f"cannot read the file ({reason})")]) from None
    if len(raw) > MAX_SPEC_BYTES:
        raise SpecError(
            [
                Problem(
                    source,
                    f"is larger than {MAX_SPEC_BYTES // 1024:,} KB; a spec is a few KB of YAML "
                    "(`idgraph spec init` writes one): check it is the right file",
                )
            ]
        )
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise SpecError(
            [
                Problem(
                    source,
                    f"is not UTF-8 text (byte {raw[error.start]:#04x} at offset {error.start}); "
                    "a spec is a YAML or JSON text file",
                )
            ]
        ) from None
    return parse_spec_text(text, source=source)


def parse_spec_text(text: str, source: str = "spec") -> Any:
    """Parse YAML or JSON text, or raise SpecError with the line of the syntax error.

    Empty text (or only comments) is refused: an empty file or pipe is a mistake far more often
    than a request for the default spec, which ``{}`` asks for explicitly."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_SPEC_BYTES:
        raise SpecError(
            [Problem(source, f"is larger than {MAX_SPEC_BYTES // 1024:,} KB; a spec is a few KB")]
        )
    try:
        data = load_yaml(text)
    except yaml.YAMLError as error:
        raise SpecError([Problem(source, _syntax_problem(error))]) from None
    if data is None:
        raise SpecError(
            [
                Problem(
                    source,
                    "holds no spec (it is empty or only comments); write `{}` for the default "
                    "spec or run `idgraph spec init`",
                )
            ]
        )
    if not isinstance(data, dict):
        raise SpecError([Problem(source, f"holds {_kind(data)}, not a spec; {NOT_A_MAPPING}")])
    return data


def _kind(data: Any) -> str:
    return "a list" if isinstance(data, list) else f"the single value {shown(data)}"


def _syntax_problem(error: yaml.YAMLError) -> str:
    if isinstance(error, Refused):
        mark = error.problem_mark
        return f"at line {mark.line + 1}, column {mark.column + 1}: {error.problem}"
    if isinstance(error, ReaderError):
        char = error.character
        code = char if isinstance(char, int) else ord(char)
        return (
            f"character U+{code:04X} at offset {error.position} is not allowed in YAML; remove it"
        )
    mark = getattr(error, "problem_mark", None)
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    problem = getattr(error, "problem", None) or "invalid syntax"
    return f"not valid YAML or JSON{where}: {problem}; fix the syntax"


def load_spec(path: str | Path, overrides: Iterable[str] = ()) -> GenerationSpec:
    """Read, override and validate a spec file."""
    return parse_spec(read_spec_data(path), overrides)


def spec_to_yaml(spec: GenerationSpec) -> str:
    """The exported YAML form: every value explicit, section order as in the model."""
    return yaml.safe_dump(spec.canonical(), sort_keys=False, allow_unicode=True, width=100)


def spec_to_json(spec: GenerationSpec) -> str:
    """Indented JSON of the canonical form."""
    return json.dumps(spec.canonical(), indent=2)
