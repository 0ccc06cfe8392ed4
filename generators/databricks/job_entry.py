"""Entry script of a Databricks Jobs generation run (a ``spark_python_task``).

Usage: ``job_entry.py --source-root DIR --spec-b64 B64 [idgraph generate options...]``

Databricks runs this file by path, sometimes through ``exec`` where ``__file__`` is undefined, so
the project folder arrives as ``--source-root`` and is put on ``sys.path`` before ``generators`` is
imported; until then only the standard library is used. The spec is written to a temporary file
and handed to ``idgraph generate`` exactly as the CLI would receive it. On the Databricks runtime
the tables go to Unity Catalog (``generators.storage.targets``); the run's lock, manifest and
validation report use a temporary local warehouse folder unless ``--warehouse`` is given. The run
prints its outcome lines (``--outcome-lines``, ``generators.run.outcome``): one when the tables are
committed and, last, one with the verdict and the report's Markdown, which the app reads back
through ``runs/get-output``; a run cancelled during its validation leaves the first as the last.
"""

from __future__ import annotations

import argparse
import base64
import importlib
import sys
import tempfile
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    """Run ``idgraph generate`` on the decoded spec; returns the CLI's exit code."""
    parser = argparse.ArgumentParser(prog="job_entry", allow_abbrev=False)
    parser.add_argument("--source-root", required=True)
    parser.add_argument("--spec-b64", required=True)
    args, generate_args = parser.parse_known_args(argv)
    if args.source_root not in sys.path:
        sys.path.insert(0, args.source_root)
    cli = importlib.import_module("generators.cli.main")
    with tempfile.TemporaryDirectory(prefix="idgraph-job-") as folder:
        spec_path = Path(folder) / "spec.yaml"
        spec_path.write_bytes(base64.b64decode(args.spec_b64, validate=True))
        if "--warehouse" not in generate_args:
            generate_args += ["--warehouse", str(Path(folder) / "warehouse")]
        return cli.main(["generate", str(spec_path), *generate_args, "--outcome-lines"])


if __name__ == "__main__":
    code = main()
    if code:  # a non-zero exit fails the task; returning normally is success
        raise SystemExit(code)
