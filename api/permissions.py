"""Who may do what: one table, read by the API routes (`api.deps.permitted`) and the web pages
(`api.web.core.pages_for`), documented in docs/api.md (its `action` columns) and checked against it by
tests/test_permissions.py.

An action lets its roles past the role check; admin always passes. What a role then sees or changes
(its own needs, its own organisation's patents) is the route's rule, written beside the query it limits.
"""

from __future__ import annotations

from data.enums import Role

SME, TTO, OPERATOR, EVALUATOR = Role.SME, Role.TTO, Role.OPERATOR, Role.EVALUATOR
EVERYONE = frozenset({SME, TTO, OPERATOR, EVALUATOR})

PERMISSIONS: dict[str, frozenset[Role]] = {
    # API routes (docs/api.md, "Keys and roles")
    "needs.read": EVERYONE,
    "needs.write": frozenset({SME, OPERATOR}),
    "needs.matches": frozenset({SME, OPERATOR, EVALUATOR}),
    "patents.read": EVERYONE,
    "patents.matches": frozenset({TTO, OPERATOR, EVALUATOR}),
    "matches.feedback": frozenset({SME, OPERATOR}),
    "orgs.read": EVERYONE,
    "offers.read": EVERYONE,
    "offers.declare": frozenset({TTO, OPERATOR}),
    "offers.accept": frozenset({SME}),
    "challenges.read": EVERYONE,
    "challenges.publish": frozenset({SME, OPERATOR}),
    "challenges.apply": frozenset({TTO}),
    "transactions.record": frozenset({OPERATOR}),
    "transactions.read": frozenset({OPERATOR, EVALUATOR}),
    "targets.read": frozenset({OPERATOR, EVALUATOR}),
    "anomalies.review": frozenset({OPERATOR}),
    "anomalies.read": frozenset({OPERATOR, EVALUATOR}),
    "ledger.read": EVERYONE,
    "ledger.correct": frozenset({OPERATOR}),
    "enterprise.write": frozenset({SME, OPERATOR}),
    "enterprise.read": frozenset({SME, OPERATOR, EVALUATOR}),
    "implementations.write": frozenset({SME, TTO, OPERATOR}),
    "implementations.read": EVERYONE,
    "interests.take_part": frozenset({SME, TTO, OPERATOR}),
    "interests.record_deal": frozenset({OPERATOR}),
    "programmes.check": frozenset({SME, OPERATOR, EVALUATOR}),
    "programmes.projects.read": frozenset({SME, OPERATOR, EVALUATOR}),  # an SME its own organisation's only
    "programmes.projects.write": frozenset({OPERATOR}),
    "navigation.read": frozenset({OPERATOR, EVALUATOR}),  # 专利导航 (landscape report)
    # Web pages only (docs/api.md, "Web pages")
    "web.enterprise": EVERYONE,
    "web.reports": frozenset({OPERATOR, EVALUATOR}),
    "web.operations": frozenset({OPERATOR}),
    "web.eval": frozenset({OPERATOR, EVALUATOR}),
    "web.interests.new": frozenset({SME}),
}


def roles_for(action: str) -> tuple[Role, ...]:
    """The roles an action lets through besides admin, in a stable order; an unknown action is a programming
    error (KeyError), never an open door."""
    allowed = PERMISSIONS[action]
    return tuple(role for role in Role if role in allowed)


def may(role: Role, action: str) -> bool:
    return role is Role.ADMIN or role in PERMISSIONS[action]
