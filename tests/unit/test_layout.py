"""The house's rules: imports go one way between packages, no module imports in a circle, the
spec loads without Spark, and every package says what it owns and may import."""

from __future__ import annotations

import ast
import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# Lower layers never import higher ones; packages of one layer never import each other.
LAYERS: tuple[tuple[str, ...], ...] = (
    ("generators.spec",),
    ("generators.synth", "generators.spark", "generators.brief"),
    ("generators.tables", "generators.storage"),
    ("generators.validation",),
    ("generators.run",),
    ("generators.cli", "generators.databricks"),
    ("tools",),
    ("agent",),
    ("ui",),
    ("chainlit_app",),
)
LAYER = {package: level for level, packages in enumerate(LAYERS) for package in packages}


def module_files() -> dict[str, Path]:
    files = {"chainlit_app": ROOT / "chainlit_app.py"}
    for top in ("generators", "tools", "agent", "ui"):
        for path in (ROOT / top).rglob("*.py"):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts.pop()
            files[".".join(parts)] = path
    return files


MODULES = module_files()


def package_of(module: str) -> str | None:
    """The layered package ``module`` belongs to (the longest listed prefix)."""
    candidates = [p for p in LAYER if module == p or module.startswith(p + ".")]
    return max(candidates, key=len) if candidates else None


def _type_checking_lines(tree: ast.Module) -> set[int]:
    """Lines inside ``if TYPE_CHECKING:`` blocks (never executed)."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for child in node.body:
                lines.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return lines


def imports_of(module: str) -> list[tuple[str, bool]]:
    """Project modules ``module`` imports anywhere (functions included), each with whether the
    import runs (False inside ``if TYPE_CHECKING:``)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only = _type_checking_lines(tree)
    found: list[tuple[str, bool]] = []
    for node in ast.walk(tree):
        runs = node.lineno not in typing_only if hasattr(node, "lineno") else True
        if isinstance(node, ast.Import):
            found += [(alias.name, runs) for alias in node.names if alias.name in MODULES]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                sub = f"{node.module}.{alias.name}"
                if sub in MODULES:
                    found.append((sub, runs))
                elif node.module in MODULES:
                    found.append((node.module, runs))
    return found


def test_the_modules_are_found() -> None:
    assert {"generators.spec.model", "generators.tables.households", "chainlit_app"} <= set(MODULES)
    assert all(package_of(m) for m in MODULES if m not in {"generators", "generators.tables"}), [
        m for m in MODULES if package_of(m) is None and m != "generators"
    ]


def test_imports_go_one_way() -> None:
    upward = []
    for module in MODULES:
        own = package_of(module)
        if own is None:
            continue
        for imported, _ in imports_of(module):
            theirs = package_of(imported)
            if theirs is None or theirs == own:
                continue
            if LAYER[theirs] >= LAYER[own]:
                upward.append(f"{module} imports {imported} ({theirs} is not below {own})")
    assert not upward, "\n".join(upward)


def test_no_module_imports_in_a_circle() -> None:
    graph = {m: {i for i, runs in imports_of(m) if runs and i != m} for m in MODULES}
    state: dict[str, int] = {}  # 1 visiting, 2 done
    cycles: list[list[str]] = []

    def visit(module: str, path: list[str]) -> None:
        state[module] = 1
        for nxt in sorted(graph[module]):
            if state.get(nxt) == 1:
                cycles.append([*path[path.index(nxt) :], nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[module] = 2

    for module in sorted(graph):
        if module not in state:
            visit(module, [module])
    assert not cycles, "\n".join(" -> ".join(c) for c in cycles)


def test_the_spec_loads_without_spark() -> None:
    code = (
        "import sys\n"
        "from generators.spec import GenerationSpec\n"
        "from generators.spec.io import parse_spec, spec_to_yaml\n"
        "spec = GenerationSpec()\n"
        "assert parse_spec(spec.canonical()) == spec and spec_to_yaml(spec)\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pyspark', 'py4j')))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("package", [p for p in LAYER if p in MODULES and p != "chainlit_app"])
def test_every_package_says_what_it_owns_and_may_import(package: str) -> None:
    spec = importlib.util.find_spec(package)
    assert spec is not None and spec.origin
    doc = ast.get_docstring(ast.parse(Path(spec.origin).read_text(encoding="utf-8")))
    assert doc and len(doc.split()) >= 15, f"{package}/__init__.py needs a docstring"
    assert "import" in doc.lower(), f"{package}/__init__.py should say what it may import"
