"""The one permission table (api/permissions.py) against the role tables of docs/api.md, and the gates of the
routes and pages reading it instead of naming roles of their own."""

from __future__ import annotations

import ast
from pathlib import Path

from api.permissions import PERMISSIONS, may, roles_for
from data.enums import Role

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ("sme", "tto", "operator", "evaluator")


def documented() -> dict[str, set[frozenset[Role]]]:
    """action → the role sets docs/api.md gives it (one per row naming it); a cell other than 403 lets the role in."""
    found: dict[str, set[frozenset[Role]]] = {}
    header: list[str] | None = None
    for line in (ROOT / "docs" / "api.md").read_text("utf-8").splitlines():
        if not line.startswith("|"):
            header = None
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if header is None:
            header = cells
            continue
        if "action" not in header or set(cells) <= {"---"}:
            continue
        row = dict(zip(header, cells, strict=True))
        allowed = frozenset(Role(c) for c in COLUMNS if row[c] != "403")
        found.setdefault(row["action"].strip("`"), set()).add(allowed)
    return found


def test_the_table_is_the_documented_one():
    docs = documented()
    assert len(docs) >= 20  # the tables were found and read
    assert set(docs) == set(PERMISSIONS), set(docs) ^ set(PERMISSIONS)
    for action, role_sets in docs.items():
        assert role_sets == {PERMISSIONS[action]}, action


def test_admin_passes_every_gate_and_unknown_actions_are_errors():
    assert all(may(Role.ADMIN, action) for action in PERMISSIONS)
    assert roles_for("needs.write") == (Role.SME, Role.OPERATOR)
    try:
        roles_for("needs.delete_everything")
    except KeyError:
        return
    raise AssertionError("an unknown action must not open a gate")


def _gates() -> list[tuple[str, int, ast.Call]]:
    files = [*(ROOT / "api").glob("routes_*.py"), *(ROOT / "api" / "web").glob("pages_*.py")]
    found = []
    for path in files:
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in ("require", "pages_for"):
                found.append((path.name, node.lineno, node))
    return found


def test_routes_and_pages_read_the_table():
    """Every role gate names an action of the table, never roles of its own."""
    gates = _gates()
    assert len(gates) >= 20
    for name, line, call in gates:
        actions = [a.value for a in call.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
        assert len(actions) == len(call.args) == 1 and actions[0] in PERMISSIONS, f"{name}:{line}"
