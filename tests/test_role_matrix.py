"""Who may do what, across the service: each role gets its answer, and 403 (or 404 for others' private
records) for everything else. The workflows' own tests cover what happens once a call is allowed."""

from __future__ import annotations

import pytest

from tests.api_support import PATENT, call

ROLES = ("sme", "other_sme", "tto", "other_tto", "operator", "evaluator", "admin")
# (method, path, body, the roles allowed past authorisation). A body the rules then refuse is fine:
# the matrix checks authorisation, so an allowed role must get anything but 401/403.
CALLS = [
    ("GET", "/offers", None, ROLES),
    ("POST", "/offers/999999/withdraw", None, ("tto", "other_tto", "operator", "admin")),
    ("POST", "/offers/999999/accept", None, ("sme", "other_sme", "admin")),
    ("GET", "/challenges", None, ROLES),
    ("POST", "/challenges", {"need_id": 999999, "reward": "1", "deadline": "2099-01-01"},
     ("sme", "other_sme", "operator", "admin")),
    ("POST", "/challenges/999999/applications", {"proposal": "x"}, ("tto", "other_tto", "admin")),
    ("POST", "/challenges/999999/shortlist", {"application_ids": [1]}, ("sme", "other_sme", "operator", "admin")),
    ("GET", "/transactions", None, ("operator", "evaluator", "admin")),
    ("POST", "/transactions", {"kind": "transfer"}, ("operator", "admin")),
    ("GET", "/stats/targets", None, ("operator", "evaluator", "admin")),
    ("POST", "/anomalies/scan", None, ("operator", "admin")),
    ("GET", "/anomalies", None, ("operator", "evaluator", "admin")),
    ("POST", "/related-parties", {"first_org_id": 1, "second_org_id": 1}, ("operator", "admin")),
    ("GET", f"/patents/{PATENT}/matches", None, ("tto", "operator", "evaluator", "admin")),
    ("GET", "/enterprise-figures", None, ("sme", "other_sme", "operator", "evaluator", "admin")),
    ("POST", "/enterprise-figures", {"year": 1900}, ("sme", "other_sme", "operator", "admin")),
    ("GET", "/product-filings", None, ("sme", "other_sme", "operator", "evaluator", "admin")),
    ("POST", "/product-filings", {"external_id": "x"}, ("sme", "other_sme", "operator", "admin")),
    ("GET", "/implementations", None, ROLES),
    ("POST", "/implementations", {"application_number": PATENT, "started_on": "1900-01-01"},
     ("sme", "other_sme", "tto", "other_tto", "operator", "admin")),
    ("GET", "/patents", None, ROLES),
    ("GET", f"/patents/{PATENT}", None, ROLES),
    ("GET", "/orgs", None, ROLES),
    ("GET", "/orgs/1", None, ROLES),
]


@pytest.mark.parametrize("method, path, body, allowed", CALLS, ids=[f"{m} {p}" for m, p, *_ in CALLS])
def test_role_matrix(api, method, path, body, allowed):
    for role in ROLES:
        kwargs = {"json": body} if body is not None else {}
        answer = call(api, role, method, path, **kwargs).status_code
        if role in allowed:
            assert answer not in (401, 403), (role, answer)
        else:
            assert answer == 403, (role, answer)
    assert call(api, None, method, path).status_code == 401
