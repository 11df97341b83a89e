"""The import rules: each package's ``__init__.py`` says what its modules may import; this holds it.

A package's docstring carries a ``May import:`` line (the project packages its modules may use) and
may carry a ``Never imports:`` line (top-level names forbidden to it and to every package under it,
e.g. ``telegram`` and ``click`` for ``retrieval``). The rules live in the docstrings only; this test
reads them, so a rule is written once and broken nowhere.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROJECT = ("retrieval", "bot")


def _rule(doc: str, label: str) -> list[str]:
    """Return the names listed after ``label`` in a docstring (up to the closing period)."""
    match = re.search(rf"^{label}:\s*(.*?)\.\s*$", doc, re.MULTILINE | re.DOTALL)
    if match is None:
        return []
    return [name.strip() for name in match.group(1).replace("\n", " ").split(",") if name.strip()]


def _docstring(package: Path) -> str:
    init = package / "__init__.py"
    return ast.get_docstring(ast.parse(init.read_text())) or "" if init.exists() else ""


def _imports(path: Path, package: str, project: tuple[str, ...]) -> list[tuple[int, str]]:
    """Return (line, module) for every import in ``path``, inside functions too."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolve against the module's package
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            if module in project:  # ``from retrieval import store`` imports retrieval.store
                found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
            else:
                found.append((node.lineno, module))
    return found


def violations(root: Path, top: str, project: tuple[str, ...] = PROJECT) -> list[str]:
    """Return one line per import that breaks its package's rules, for the package ``top``
    (``project``: the top-level packages whose imports the rules govern)."""
    out = []
    for path in sorted((root / top).rglob("*.py")):
        package_dir = path.parent
        package = ".".join(package_dir.relative_to(root).parts)
        may = _rule(_docstring(package_dir), "May import")
        never = {
            name
            for parent in [package_dir, *package_dir.parents]
            if parent.is_relative_to(root / top)
            for name in _rule(_docstring(parent), "Never imports")
        }
        where = path.relative_to(root)
        if not may:
            out.append(f"{where}: its package {package} has no 'May import:' line")
            continue
        for line, module in _imports(path, package, project):
            first = module.split(".")[0]
            if first in never:
                out.append(f"{where}:{line}: imports {module}; {package} never imports {first}")
            elif first in project and not any(
                module == allowed or module.startswith(allowed + ".") for allowed in may
            ):
                out.append(f"{where}:{line}: imports {module}; {package} may import {may}")
    return out


def test_every_package_keeps_its_import_rules() -> None:
    broken = violations(ROOT, "retrieval") + violations(ROOT, "bot")
    assert broken == []


def test_the_library_never_imports_telegram_or_click() -> None:
    never = _rule(_docstring(ROOT / "retrieval"), "Never imports")
    assert {"telegram", "click", "bot"} <= set(never)


def test_search_imports_no_archive_knowledge() -> None:
    may = _rule(_docstring(ROOT / "retrieval" / "search"), "May import")
    assert not {"retrieval.corpus", "retrieval.answering", "retrieval.delivery"} & set(may)


def test_a_broken_rule_is_named_with_file_and_line(tmp_path: Path) -> None:
    lib = tmp_path / "lib"
    (lib / "engine").mkdir(parents=True)
    (lib / "store").mkdir()
    (lib / "__init__.py").write_text('"""Lib.\n\nMay import: lib.\nNever imports: telegram.\n"""\n')
    (lib / "engine" / "__init__.py").write_text('"""Engine.\n\nMay import: lib.engine.\n"""\n')
    (lib / "store" / "__init__.py").write_text(
        '"""Store.\n\nMay import: lib.store, lib.engine.\n"""\n'
    )
    (lib / "engine" / "core.py").write_text(
        "import json\nfrom lib.engine import other\n\n\ndef f():\n    from lib.store import db\n"
    )
    (lib / "store" / "db.py").write_text("from telegram import Bot\nfrom ..engine import core\n")
    (lib / "loose").mkdir()
    (lib / "loose" / "x.py").write_text("")

    assert violations(tmp_path, "lib", ("lib",)) == [
        "lib/engine/core.py:6: imports lib.store; lib.engine may import ['lib.engine']",
        "lib/loose/x.py: its package lib.loose has no 'May import:' line",
        "lib/store/db.py:1: imports telegram; lib.store never imports telegram",
    ]
