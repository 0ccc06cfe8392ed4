"""A reading as plain lines, one per edit and per leftover (the CLI prints them on stderr).

``dotted.path = value   <- "phrase"`` (and ``  (note)`` when the value was derived or moved to
fit); ``unused: "phrase"``; ``not expressible: "phrase" (reason)``. Values are YAML flow text.
"""

from __future__ import annotations

from typing import Any

import yaml

from generators.brief.interpret import Edit, Interpretation


def flow(value: Any) -> str:
    """``value`` as one line of YAML (``{TX: 0.6, FL: 0.4}``, ``5000``, ``[a, b]``)."""
    text = yaml.safe_dump(value, default_flow_style=True, sort_keys=False, width=1_000_000)
    return text.removesuffix("\n...\n").strip()


def edit_line(edit: Edit) -> str:
    note = f"  ({edit.note})" if edit.note else ""
    return f'{edit.path} = {flow(edit.value)}   <- "{edit.phrase}"{note}'


def reading_lines(reading: Interpretation) -> list[str]:
    """Every edit, then unused words and requests the spec cannot express."""
    lines = [edit_line(e) for e in reading.edits]
    lines += [f'unused: "{phrase}"' for phrase in reading.unused]
    lines += [f'not expressible: "{u.phrase}" ({u.reason})' for u in reading.unsupported]
    return lines
