"""Data flows one way, data → indexer → matching → api, with eval driving matching from outside: no module
below api/ imports from api/ (eval/service.py once took the matcher's loader from the CLI module)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BELOW_API = ("data", "indexer", "matching", "eval")


def _imports(path: Path) -> list[tuple[int, str]]:
    found = []
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):  # function-level imports too
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module))
    return found


def test_nothing_below_api_imports_api():
    checked, wrong = 0, []
    for package in BELOW_API:
        for path in sorted((ROOT / package).rglob("*.py")):
            checked += 1
            wrong += [f"{path.relative_to(ROOT)}:{line} imports {module}" for line, module in _imports(path)
                      if module == "api" or module.startswith("api.")]
    assert checked >= 40 and not wrong, wrong


def test_the_matcher_loads_from_matching():
    from api import cli_match
    from matching import loading

    assert cli_match.load_matcher is loading.load_matcher and cli_match.load_models is loading.load_models
