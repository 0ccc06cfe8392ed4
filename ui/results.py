"""What a finished run shows: sample rows of committed tables and the validation report files.

Pure file reading (no Chainlit, no Spark): samples come from the committed Delta tables through
delta-rs, so only committed data is ever shown; the report is the folder the validation wrote
(``report.md``, ``report.json``, PNG plots).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from deltalake import DeltaTable

SAMPLE_ROWS = 5
MAX_COLUMNS = 8
MAX_CELL = 28
_IMAGE_LINE = re.compile(r"^!\[[^\]]*\]\([^)]*\)\s*$")


def sample_markdown(table_path: str | Path, rows: int = SAMPLE_ROWS) -> str:
    """The first ``rows`` rows of a committed Delta table as a Markdown table (first
    ``MAX_COLUMNS`` columns, long cells cut), or a note when it cannot be read."""
    try:
        sample = DeltaTable(str(table_path)).to_pyarrow_dataset().head(rows).to_pylist()
    except Exception as error:  # a missing or unreadable table is shown, never fatal
        return f"_no sample: {error.__class__.__name__}_"
    if not sample:
        return "_empty table_"
    columns = list(sample[0])[:MAX_COLUMNS]
    more = len(sample[0]) - len(columns)
    header = [*columns, f"(+{more} columns)"] if more > 0 else columns
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in sample:
        cells = [_cell(row[c]) for c in columns] + ([""] if more > 0 else [])
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cell(value: object) -> str:
    text = "" if value is None else str(value)
    text = text.replace("|", "\\|").replace("\n", " ")
    return text if len(text) <= MAX_CELL else text[: MAX_CELL - 1] + "…"


@dataclass(frozen=True)
class ReportFiles:
    """A validation report folder: its Markdown without image links, and its plots."""

    folder: Path
    markdown: str
    plots: tuple[Path, ...]

    def zip_bytes(self) -> bytes:
        """Every file of the report folder in one zip, for download."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(self.folder.iterdir()):
                if path.is_file():
                    archive.write(path, path.name)
        return buffer.getvalue()


def read_report(folder: str | Path) -> ReportFiles | None:
    """The report in ``folder``, or None when it has no ``report.md``. Image links are removed
    from the Markdown (the chat shows the PNGs as images instead)."""
    folder = Path(folder)
    source = folder / "report.md"
    if not source.is_file():
        return None
    text = without_images(source.read_text(encoding="utf-8"))
    return ReportFiles(folder, text, tuple(sorted(folder.glob("*.png"))))


def without_images(markdown: str) -> str:
    """A report's Markdown without its image links and the then empty "Plots" heading."""
    lines = markdown.splitlines()
    text = "\n".join(line for line in lines if not _IMAGE_LINE.match(line)).rstrip()
    return text.removesuffix("## Plots").rstrip() + "\n"
