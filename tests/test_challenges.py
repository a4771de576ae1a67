"""揭榜挂帅: the state machine's rules (each would fail if broken) and the flow over HTTP."""

from __future__ import annotations

import datetime as dt

import pytest

from data.challenges import ChallengeError, apply, award, move, shortlist
from data.enums import ApplicationStatus, ChallengeState, OrgKind
from data.models import Challenge, Organization
from tests.api_support import OTHER_TTO, OWN_TTO, call

TODAY = dt.date(2026, 11, 21)


def challenge(state: ChallengeState = ChallengeState.PUBLISHED) -> Challenge:
    record = Challenge(reward=100, deadline=TODAY, conditions="", state=state)
    record.applications, record.events = [], []
    return record


def team(org_id: int, kind: OrgKind = OrgKind.UNIVERSITY) -> Organization:
    return Organization(id=org_id, name=f"org{org_id}", kind=kind)


def applied(record: Challenge, *org_ids: int) -> list:
    found = [apply(record, team(i), "方案", [], TODAY) for i in org_ids]
    for number, application in enumerate(found, start=1):
        application.id = number
    return found


@pytest.mark.parametrize("start, to", [
    (ChallengeState.PUBLISHED, ChallengeState.AWARDED),  # no skipping the shortlist
    (ChallengeState.PUBLISHED, ChallengeState.COMPLETED),
    (ChallengeState.SHORTLISTED, ChallengeState.PUBLISHED),  # no going back
    (ChallengeState.COMPLETED, ChallengeState.CANCELLED),  # final
    (ChallengeState.CANCELLED, ChallengeState.PUBLISHED),
])
def test_illegal_transitions_are_refused(start, to):
    record = challenge(start)
    with pytest.raises(ChallengeError, match="cannot become"):
        move(record, to, "operator#1")
    assert record.state is start and record.events == []


def test_every_change_is_logged():
    record = challenge()
    move(record, ChallengeState.CANCELLED, "sme#3", "需求变更")
    assert record.state is ChallengeState.CANCELLED
    [event] = record.events
    assert (event.from_state, event.to_state, event.actor, event.note) == (
        ChallengeState.PUBLISHED, ChallengeState.CANCELLED, "sme#3", "需求变更")


def test_applications_follow_state_deadline_kind_and_once_each():
    record = challenge()
    applied(record, 1)
    with pytest.raises(ChallengeError, match="already applied"):
        apply(record, team(1), "再次", [], TODAY)
    with pytest.raises(ChallengeError, match="universities and research institutes"):
        apply(record, team(2, OrgKind.SME), "方案", [], TODAY)
    with pytest.raises(ChallengeError, match="deadline"):
        apply(record, team(3), "方案", [], TODAY + dt.timedelta(days=1))
    with pytest.raises(ChallengeError, match="published"):
        apply(challenge(ChallengeState.SHORTLISTED), team(4), "方案", [], TODAY)


def test_shortlist_then_award_exactly_one():
    record = challenge()
    first, second, third = applied(record, 1, 2, 3)
    with pytest.raises(ChallengeError, match="shortlist names"):
        shortlist(record, {1, 99}, "operator#1")
    shortlist(record, {1, 2}, "operator#1")
    assert [a.status for a in (first, second, third)] == [ApplicationStatus.SHORTLISTED] * 2 + [ApplicationStatus.REJECTED]
    with pytest.raises(ChallengeError, match="not on this challenge's shortlist"):
        award(record, 3, "operator#1")
    award(record, 2, "operator#1")
    assert record.state is ChallengeState.AWARDED
    assert [a.status for a in (first, second, third)] == [ApplicationStatus.REJECTED, ApplicationStatus.AWARDED,
                                                          ApplicationStatus.REJECTED]
    move(record, ChallengeState.COMPLETED, "operator#1")
    assert [e.to_state for e in record.events] == [ChallengeState.SHORTLISTED, ChallengeState.AWARDED,
                                                   ChallengeState.COMPLETED]


def test_a_challenge_from_publication_to_completion_over_http(api):
    need = call(api, "sme", "POST", "/needs", json={"title": "储能变流器效率提升", "text": "储能变流器损耗高，希望降低功率器件损耗。"}).json()
    deadline = (dt.date.today() + dt.timedelta(days=30)).isoformat()
    body = {"need_id": need["id"], "reward": "500000", "deadline": deadline, "conditions": "高校或科研院所"}
    assert call(api, "other_sme", "POST", "/challenges", json=body).status_code == 404  # not its need
    assert call(api, "tto", "POST", "/challenges", json=body).status_code == 403
    assert call(api, "sme", "POST", "/challenges", json=body | {"deadline": "2020-01-01"}).status_code == 422
    published = call(api, "sme", "POST", "/challenges", json=body)
    assert published.status_code == 201, published.text
    cid = published.json()["id"]
    assert call(api, "sme", "POST", "/challenges", json=body).status_code == 409  # one challenge per need
    solvers = call(api, "operator", "GET", f"/challenges/{cid}/solvers", params={"top": 3})
    assert solvers.status_code == 200 and all(s["kind"] in ("university", "institute") for s in solvers.json())
    foreign = call(api, "tto", "POST", f"/challenges/{cid}/applications",
                   json={"proposal": "方案", "application_numbers": ["201710488870.1"]})  # 淮海矿业大学's patent
    assert foreign.status_code == 422 and "application_numbers" in foreign.text
    mine = call(api, "tto", "POST", f"/challenges/{cid}/applications",
                json={"proposal": "基于模型预测的低损耗调制", "application_numbers": ["201610585148.5"]})
    assert mine.status_code == 201, mine.text
    theirs = call(api, "other_tto", "POST", f"/challenges/{cid}/applications", json={"proposal": "另一方案"})
    assert theirs.status_code == 201
    assert call(api, "sme", "POST", f"/challenges/{cid}/applications", json={"proposal": "x"}).status_code == 403
    tto_view = call(api, "tto", "GET", f"/challenges/{cid}").json()
    assert [a["organization"] for a in tto_view["applications"]] == [OWN_TTO]  # its own application only
    assert len(call(api, "sme", "GET", f"/challenges/{cid}").json()["applications"]) == 2
    assert call(api, "other_sme", "POST", f"/challenges/{cid}/shortlist",
                json={"application_ids": [mine.json()["id"]]}).status_code == 403
    assert call(api, "sme", "POST", f"/challenges/{cid}/award",
                json={"application_id": mine.json()["id"]}).status_code == 409  # shortlist first
    assert call(api, "sme", "POST", f"/challenges/{cid}/shortlist",
                json={"application_ids": [mine.json()["id"], theirs.json()["id"]]}).status_code == 200
    awarded = call(api, "operator", "POST", f"/challenges/{cid}/award", json={"application_id": mine.json()["id"]})
    assert awarded.status_code == 200 and awarded.json()["state"] == "awarded"
    statuses = {a["organization"]: a["status"] for a in awarded.json()["applications"]}
    assert statuses == {OWN_TTO: "awarded", OTHER_TTO: "rejected"}
    assert call(api, "sme", "POST", f"/challenges/{cid}/complete", json={"note": "验收通过"}).json()["state"] == "completed"
    assert call(api, "sme", "POST", f"/challenges/{cid}/cancel", json={}).status_code == 409  # final
    log = call(api, "evaluator", "GET", f"/challenges/{cid}/events").json()
    assert [e["to_state"] for e in log] == ["published", "shortlisted", "awarded", "completed"]
    assert log[2]["actor"].startswith("operator#") and log[3]["note"] == "验收通过"
    assert call(api, "tto", "GET", f"/challenges/{cid}/events").status_code == 403


def test_cancelling_needs_a_reason_on_every_path(api):
    record = challenge()
    with pytest.raises(ChallengeError, match="撤榜须写明理由"):
        move(record, ChallengeState.CANCELLED, "sme#3", "  ")
    assert record.state is ChallengeState.PUBLISHED
    need = call(api, "sme", "POST", "/needs", json={"title": "撤榜测试需求", "text": "测试撤榜须写明理由。"}).json()
    cid = call(api, "sme", "POST", "/challenges", json={"need_id": need["id"], "reward": "1000",
                                                        "deadline": "2099-12-31"}).json()["id"]
    bare = call(api, "sme", "POST", f"/challenges/{cid}/cancel", json={})
    assert bare.status_code == 422 and bare.json()["detail"][0]["loc"] == ["body", "note"]
    done = call(api, "sme", "POST", f"/challenges/{cid}/cancel", json={"note": "预算取消"})
    assert done.status_code == 200 and done.json()["state"] == "cancelled"
