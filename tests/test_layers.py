"""The layers (issue 12 point 5): which package may import which, and how long a module may grow.

crawler/core is pure rules (neither Scrapy nor the shell or the application); crawler/shell is Scrapy around
them (not the application); storage is the archive and imports nothing from crawler. Imports are read with
``ast`` (also those inside functions and ``TYPE_CHECKING`` blocks), so a lazy import breaks a rule too.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 600

# package (a directory under the repo root) -> module prefixes it must not import
RULES: dict[str, tuple[str, ...]] = {
    "crawler/core": ("scrapy", "twisted", "crawler.shell", "crawler.app"),
    "crawler/shell": ("crawler.app",),
    "storage": ("crawler", "scrapy"),
}


def _modules(package: str) -> list[Path]:
    return sorted((ROOT / package).rglob("*.py"))


def _module_name(path: Path, root: Path = ROOT) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imported(path: Path, root: Path = ROOT) -> list[tuple[int, str]]:
    """Every module ``path`` imports (absolute names; relative imports resolved), with its line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    package = _module_name(path, root).split(".")
    if path.name != "__init__.py":
        package = package[:-1]
    out: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                name = ".".join([*base, node.module] if node.module else base)
            else:
                name = node.module or ""
            out.append((node.lineno, name))
    return out


def _forbidden(name: str, prefixes: tuple[str, ...]) -> str | None:
    for prefix in prefixes:
        if name == prefix or name.startswith(prefix + "."):
            return prefix
    return None


@pytest.mark.parametrize("package", sorted(RULES))
def test_import_rules(package: str) -> None:
    modules = _modules(package)
    assert modules, f"no modules under {package}"
    broken = [
        f"{path.relative_to(ROOT)}:{line} imports {name}"
        for path in modules
        for line, name in imported(path)
        if _forbidden(name, RULES[package])
    ]
    assert not broken, "layer rule broken:\n" + "\n".join(broken)


def test_rule_checker_sees_lazy_and_relative_imports(tmp_path: Path) -> None:
    """The checker itself: an import inside a function and a relative import are both seen and resolved."""
    probe = tmp_path / "crawler" / "core" / "probe.py"
    probe.parent.mkdir(parents=True)
    probe.write_text("def f():\n    import scrapy.http\n    from ..shell import items\n", encoding="utf-8")
    names = [name for _, name in imported(probe, root=tmp_path)]
    assert names == ["scrapy.http", "crawler.shell"]
    assert [_forbidden(n, RULES["crawler/core"]) for n in names] == ["scrapy", "crawler.shell"]
    assert _forbidden("scrapy_redis", RULES["crawler/core"]) is None  # a prefix, not a substring


def test_no_module_over_the_limit() -> None:
    sizes = {
        path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
        for package in ("crawler", "storage")
        for path in _modules(package)
    }
    too_long = {name: n for name, n in sizes.items() if n > MAX_LINES}
    assert not too_long, f"modules over {MAX_LINES} lines (split them): {too_long}"


def test_help_loads_neither_the_database_layer_nor_the_rules() -> None:
    """`newsarchive --help` imports only click and the CLI modules (issue 12: a fast --help)."""
    import subprocess
    import sys

    code = ("import sys\nfrom crawler.app.cli.main import main\nmain(['--help'])\n"
            "heavy = sorted(m for m in ('sqlalchemy', 'alembic', 'scrapy', 'crawler.core.events', 'storage.models')"
            " if m in sys.modules)\nprint('HEAVY', heavy)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "HEAVY []" in out.stdout, out.stdout[-500:]
