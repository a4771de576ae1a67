"""The HTTP API: the role matrix, validation with field paths, matches with filters, feedback."""

from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest

from data.db import transaction
from tests.api_support import OTHER_SME, OWN_SME, OWN_TTO, PATENT, call


def test_no_key_or_a_bad_key_is_401(api):
    assert call(api, None, "GET", "/needs").status_code == 401
    client, *_ = api
    assert client.get("/needs", headers={"Authorization": "Bearer pm_deadbeef_nope"}).status_code == 401


@pytest.mark.parametrize("who, expected", [
    ("sme", 200), ("other_sme", 404), ("tto", 200), ("other_tto", 200), ("operator", 200), ("evaluator", 200),
    ("admin", 200)])
def test_reading_a_need(api, who, expected):
    assert call(api, who, "GET", f"/needs/{api[2]}").status_code == expected


@pytest.mark.parametrize("who, expected", [
    ("sme", 200), ("other_sme", 404), ("tto", 403), ("evaluator", 403), ("operator", 200), ("admin", 200)])
def test_changing_a_need(api, who, expected):
    response = call(api, who, "PATCH", f"/needs/{api[2]}", json={"city": "南京"})
    assert response.status_code == expected, response.text


@pytest.mark.parametrize("who, expected", [
    ("sme", 200), ("other_sme", 404), ("tto", 403), ("evaluator", 200), ("operator", 200), ("admin", 200)])
def test_a_needs_matches(api, who, expected):
    response = call(api, who, "GET", f"/needs/{api[2]}/matches", params={"limit": 5})
    assert response.status_code == expected, response.text
    if expected == 200:
        page = response.json()
        assert page["items"] and page["items"][0]["explanation_zh"] and page["items"][0]["rank"] == 1


def test_matches_are_ranked_one_at_a_time_in_a_process(api, monkeypatch):
    """Concurrent match requests wait in line (api/deps.py MATCHER) instead of interleaving under the GIL."""
    client, keys, need_id, *_ = api
    need_matcher, lock, running, most = client.app.state.matcher, threading.Lock(), [0], [0]
    rank_need = need_matcher.rank_need

    def tracked(*args, **kwargs):  # noqa: ANN002, ANN003, ANN202
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.05)  # lets other threads run, as numpy and SQLite do: unlimited, the requests overlap here
        try:
            return rank_need(*args, **kwargs)
        finally:
            with lock:
                running[0] -= 1

    monkeypatch.setattr(need_matcher, "rank_need", tracked)

    async def four_at_once() -> list[httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=client.app), base_url="http://api",
                                     headers={"Authorization": f"Bearer {keys['operator']}"}) as http:
            return await asyncio.gather(*(http.get(f"/needs/{need_id}/matches", params={"limit": 3})
                                          for _ in range(4)))

    answers = asyncio.run(four_at_once())
    assert [a.status_code for a in answers] == [200] * 4
    assert all(a.json()["items"] for a in answers)
    assert most[0] == 1


@pytest.mark.parametrize("who, expected", [
    ("tto", 200), ("other_tto", 403), ("sme", 403), ("operator", 200), ("evaluator", 200), ("admin", 200)])
def test_a_patents_matches(api, who, expected):
    response = call(api, who, "GET", f"/patents/{PATENT}/matches", params={"top": 3})
    assert response.status_code == expected, response.text
    if expected == 200:
        assert {"needs", "licensees"} <= set(response.json())


@pytest.mark.parametrize("who, expected", [
    ("sme", 201), ("other_sme", 404), ("tto", 403), ("evaluator", 403), ("operator", 201)])
def test_grading_a_match(api, who, expected):
    response = call(api, who, "POST", f"/matches/{api[2]}:{PATENT}/feedback", json={"grade": 2, "reason": "对口"})
    assert response.status_code == expected, response.text


def test_feedback_reaches_the_learned_ranker(api):
    from matching.feedback import collect_grades

    assert call(api, "operator", "POST", f"/matches/{api[2]}:{PATENT}/feedback", json={"grade": 1}).status_code == 201
    with transaction(api[4]) as session:
        assert collect_grades(session)[api[2]]  # the graded pairs `patent-match match learn` fits on
    assert call(api, "operator", "POST", "/matches/x:1/feedback", json={"grade": 1}).status_code == 422
    assert call(api, "operator", "POST", f"/matches/{api[2]}:{PATENT}/feedback", json={"grade": 5}).status_code == 422


def test_creating_and_deleting_needs(api):
    body = {"title": "注塑件翘曲", "text": "注塑件翘曲变形严重，良率低，希望改进工艺。", "cooperation_modes": ["license"]}
    created = call(api, "sme", "POST", "/needs", json=body)
    assert created.status_code == 201, created.text
    need = created.json()
    assert need["organization_id"] == api[3][OWN_SME] and need["status"] == "open"
    assert call(api, "sme", "POST", "/needs", json=body | {"organization_id": api[3][OTHER_SME]}).status_code == 403
    assert call(api, "tto", "POST", "/needs", json=body).status_code == 403
    assert call(api, "operator", "POST", "/needs", json=body).status_code == 422  # for whom?
    assert call(api, "operator", "POST", "/needs", json=body | {"organization_id": api[3][OTHER_SME]}).status_code == 201
    listed = call(api, "other_sme", "GET", "/needs").json()
    assert listed["total"] >= 1 and all(n["organization_id"] == api[3][OTHER_SME] for n in listed["items"])
    assert call(api, "other_sme", "DELETE", f"/needs/{need['id']}").status_code == 404
    assert call(api, "evaluator", "DELETE", f"/needs/{need['id']}").status_code == 403
    assert call(api, "sme", "DELETE", f"/needs/{need['id']}").status_code == 204
    assert call(api, "sme", "GET", f"/needs/{need['id']}").status_code == 404


def test_bad_input_names_the_field(api):
    response = call(api, "sme", "POST", "/needs", json={"title": "", "text": "x", "budget": -1, "colour": "red"})
    assert response.status_code == 422
    locations = {tuple(e["loc"]) for e in response.json()["detail"]}
    assert {("body", "title"), ("body", "budget"), ("body", "colour")} <= locations
    assert call(api, "sme", "GET", "/needs", params={"limit": 0}).status_code == 422


def test_match_filters_and_pages(api):
    path = f"/needs/{api[2]}/matches"
    everything = call(api, "operator", "GET", path, params={"limit": 100}).json()
    sleeping = call(api, "operator", "GET", path, params={"sleeping_only": True, "limit": 100}).json()
    assert 0 < sleeping["total"] < everything["total"] and all(m["sleeping"] for m in sleeping["items"])
    licensed = call(api, "operator", "GET", path, params={"licence_available": True, "limit": 100}).json()
    assert licensed["items"] and all(m["explanation"]["licence"] for m in licensed["items"])
    clustered = call(api, "operator", "GET", path, params={"cluster": "新型电力(新能源)装备", "limit": 100}).json()
    assert clustered["items"] and all(any(c["cluster"] == "新型电力(新能源)装备" for c in m["clusters"])
                                      for m in clustered["items"])
    held = call(api, "operator", "GET", path, params={"holder": OWN_TTO, "limit": 100}).json()
    assert held["items"] and all(any(OWN_TTO in h for h in m["holders"]) for m in held["items"])
    second = call(api, "operator", "GET", path, params={"offset": 3, "limit": 3}).json()
    assert [m["application_number"] for m in second["items"]] == \
        [m["application_number"] for m in everything["items"][3:6]]
    assert second["items"][0]["rank"] == 4 and second["total"] == everything["total"]


def test_openapi_documents_every_route(api):
    client, *_ = api
    schema = client.get("/openapi.json").json()
    for path, operations in schema["paths"].items():
        for operation in operations.values():
            assert "200" in operation["responses"] or "201" in operation["responses"] \
                or "204" in operation["responses"], path


def test_changes_to_needs_are_audited(api):
    from sqlalchemy import select

    from data.models import AuditEntry

    created = call(api, "sme", "POST", "/needs", json={"title": "审计", "text": "需求变更要留痕。"}).json()
    call(api, "sme", "PATCH", f"/needs/{created['id']}", json={"title": "审计留痕"})
    call(api, "sme", "DELETE", f"/needs/{created['id']}")
    with transaction(api[4]) as session:
        entries = session.scalars(select(AuditEntry).where(AuditEntry.entity == "need",
                                                           AuditEntry.entity_id == created["id"])
                                  .order_by(AuditEntry.id)).all()
        assert [e.action for e in entries] == ["create", "update", "delete"]
        assert entries[1].before["title"] == "审计" and entries[1].after["title"] == "审计留痕"
        assert entries[2].after is None and all(e.actor.startswith("sme#") for e in entries)
