"""The data dictionary renders every table's descriptions from the TableNodes."""

from __future__ import annotations

from pathlib import Path

import generators
from generators.cli.docs import main, render
from generators.tables.node import TableNode
from generators.tables.registry import TABLES


def test_render_lists_tables_keys_and_columns():
    node = TableNode(
        "pairs",
        lambda ctx: ctx.spark.range(1),
        ("left", "right"),
        "Pairs of things.\nSecond line.",
        {"left_id": "The left | one.", "right_id": "The right one."},
        ("left_id", "right_id"),
    )
    text = render([node])
    assert "## pairs" in text
    assert "Pairs of things. Second line." in text
    assert "| `left_id` | The left \\| one. |" in text
    assert "Key: `left_id`, `right_id`. Built from: `left`, `right`." in text
    assert "| [`pairs`](#pairs) | `left_id`, `right_id` | `left`, `right` |" in text


def test_main_writes_every_registered_table(tmp_path):
    output = tmp_path / "docs" / "DATA_DICTIONARY.md"
    assert main(output) == 0
    text = output.read_text(encoding="utf-8")
    for node in TABLES:
        assert f"## {node.name}" in text
        for column in node.columns:
            assert f"`{column}`" in text


def test_the_committed_data_dictionary_is_current():
    """docs/DATA_DICTIONARY.md is what `idgraph docs` writes: regenerate it after changing a
    table's descriptions (``uv run idgraph docs``)."""
    committed = Path(generators.__file__).resolve().parents[1] / "docs" / "DATA_DICTIONARY.md"
    assert committed.read_text(encoding="utf-8") == render(TABLES), (
        "docs/DATA_DICTIONARY.md is stale: run `uv run idgraph docs`"
    )
