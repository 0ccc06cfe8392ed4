"""Where the tables go: catalog, schema and write mode."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from generators.spec.base import Identifier, Strict


class OutputSpec(Strict):
    """Where the tables go: a Unity Catalog catalog.schema (or its local warehouse folder)."""

    catalog: Identifier = Field(
        default="bryan_li", description="Unity Catalog catalog (letters, digits, _)."
    )
    schema_name: Identifier = Field(
        default="synthetic_identity",
        alias="schema",
        description="Schema in the catalog (letters, digits, _).",
    )
    mode: Literal["overwrite", "append"] = Field(
        default="overwrite",
        description="'overwrite' replaces the tables; 'append' adds a new batch.",
    )
