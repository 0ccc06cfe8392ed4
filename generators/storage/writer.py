"""The seam between the pipeline and a table store: stage every table of a run, then commit.

Staged data is invisible to readers of the committed tables until ``commit``; ``discard`` drops
what a run staged. A writer for the local Delta warehouse and one for Unity Catalog implement the
same ``TableWriter`` protocol, so the pipeline never knows where tables live.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, Protocol

from pyspark.sql import DataFrame

WriteMode = Literal["overwrite", "append"]
WRITE_MODES: tuple[WriteMode, ...] = ("overwrite", "append")
# One mode for every table of a commit, or one per table (an append run appends new rows to
# some tables and overwrites others, in the same all-or-nothing commit).
CommitMode = WriteMode | Mapping[str, WriteMode]


def commit_modes(mode: CommitMode, tables: Sequence[str]) -> dict[str, WriteMode]:
    """The write mode of each table of a commit; ValueError when one is missing or unknown."""
    if isinstance(mode, str):
        if mode not in WRITE_MODES:
            raise ValueError(f"mode {mode!r}: expected one of {', '.join(WRITE_MODES)}")
        return dict.fromkeys(tables, mode)
    modes = {table: mode.get(table) for table in tables}
    for table, chosen in modes.items():
        if chosen not in WRITE_MODES:
            raise ValueError(f"{table}: mode {chosen!r}: expected one of {', '.join(WRITE_MODES)}")
    return modes  # type: ignore[return-value]


@dataclass(frozen=True)
class StagedFile:
    """One written data file: name inside the staging location, bytes, rows, Delta stats JSON."""

    name: str
    size: int
    rows: int
    stats: str


@dataclass(frozen=True)
class StagedTable:
    """A table written by a run but not committed. ``schema_json`` is the Spark/Delta schema
    JSON with column descriptions in each field's ``comment`` metadata."""

    table: str
    run_id: str
    location: str
    files: tuple[StagedFile, ...]
    schema_json: str
    description: str

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def bytes(self) -> int:
        return sum(f.size for f in self.files)


class TableWriter(Protocol):
    """Where a run's tables go. ``commit`` makes all staged tables visible or raises, leaving
    every table at its previous version."""

    def stage(
        self,
        table: str,
        df: DataFrame,
        comments: Mapping[str, str],
        description: str,
        *,
        run_id: str,
    ) -> StagedTable: ...

    def read_staged(self, staged: StagedTable) -> DataFrame: ...

    def commit(
        self, staged: Sequence[StagedTable], mode: CommitMode, properties: Mapping[str, str]
    ) -> None: ...

    def discard(self, run_id: str) -> None: ...

    def read(self, table: str) -> DataFrame: ...

    def exists(self, table: str) -> bool: ...
