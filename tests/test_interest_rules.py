"""意向洽谈 after the records move on, on SQLite and PostgreSQL: a conversation follows its patent to the new
holder, a closed need ends its talks, a need with conversations is closed rather than deleted, and text with
control characters is refused before PostgreSQL sees it."""

from __future__ import annotations

import pytest

from tests.api_support import OTHER_TTO, OWN_TTO, call

MOVED, TALKED = "201710504512.5", "202410573587.9"  # 钟山理工大学's; no other API test moves them


def _need(api, title: str) -> int:  # noqa: ANN001
    made = call(api, "sme", "POST", "/needs", json={"title": title, "text": "储能电池簇的均衡与热管理"})
    assert made.status_code == 201, made.text
    return made.json()["id"]


def _express(api, need_id: int, number: str) -> dict:  # noqa: ANN001
    sent = call(api, "sme", "POST", "/interests", json={"need_id": need_id, "application_number": number,
                                                        "message": "希望了解许可条件"})
    assert sent.status_code == 201, sent.text
    return sent.json()


def _transfer(api, number: str) -> None:  # noqa: ANN001
    orgs = api[3]
    sold = call(api, "operator", "POST", "/transactions", json={
        "kind": "transfer", "application_numbers": [number], "from_org_id": orgs[OWN_TTO],
        "to_org_id": orgs[OTHER_TTO], "signed_on": "2026-10-02"})
    assert sold.status_code == 201, sold.text


def _unread(api, who: str) -> int:  # noqa: ANN001
    return call(api, who, "GET", "/notifications", params={"limit": 1}).json()["unread"]


def test_an_open_conversation_goes_to_the_patents_new_holder(api):
    interest = _express(api, _need(api, "转让后的洽谈"), MOVED)
    path = f"/interests/{interest['id']}"
    assert call(api, "other_tto", "GET", path).status_code == 404  # not its patent yet
    _transfer(api, MOVED)
    before = _unread(api, "other_tto")
    assert call(api, "tto", "GET", path).status_code == 404  # the former holder lost it
    assert call(api, "tto", "POST", f"{path}/accept").status_code == 404
    assert interest["id"] not in [i["id"] for i in call(api, "tto", "GET", "/interests").json()["items"]]
    inbox = call(api, "other_tto", "GET", "/interests").json()["items"]
    assert next(i for i in inbox if i["id"] == interest["id"])["holder_org"] == OTHER_TTO
    assert call(api, "other_tto", "GET", path).json()["holder_org"] == OTHER_TTO
    assert _unread(api, "other_tto") == before + 1  # told once, however often it is read
    accepted = call(api, "other_tto", "POST", f"{path}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "talking"


def test_talks_agreed_by_the_former_holder_wait_for_the_new_one(api):
    interest = _express(api, _need(api, "洽谈中转让"), TALKED)
    path = f"/interests/{interest['id']}"
    assert call(api, "tto", "POST", f"{path}/accept").json()["status"] == "talking"
    _transfer(api, TALKED)
    seen = call(api, "sme", "GET", path).json()
    assert seen["status"] == "open" and seen["holder_org"] == OTHER_TTO
    assert [m["author"] for m in seen["messages"]][-1] == OWN_TTO  # the former holder's acceptance is kept
    assert call(api, "tto", "POST", f"{path}/question", json={"text": "?"}).status_code == 404


def test_a_closed_need_ends_its_talks(api):
    need = _need(api, "将关闭的需求")
    interest = _express(api, need, "201610585148.5")
    path = f"/interests/{interest['id']}"
    assert call(api, "sme", "PATCH", f"/needs/{need}", json={"status": "closed"}).status_code == 200
    for who, step, body in [("tto", "accept", None), ("tto", "question", {"text": "还需要吗？"}),
                            ("sme", "message", {"text": "补充说明"})]:
        answer = call(api, who, "POST", f"{path}/{step}", json=body)
        assert answer.status_code == 409 and "已关闭" in answer.json()["detail"], (step, answer.text)
    assert call(api, "sme", "POST", f"{path}/withdraw").json()["status"] == "withdrawn"


def test_a_need_with_conversations_is_closed_not_deleted(api):
    need = _need(api, "有洽谈的需求")
    interest = _express(api, need, "201610588472.2")
    refused = call(api, "sme", "DELETE", f"/needs/{need}")
    assert refused.status_code == 409 and f"#{interest['id']}" in refused.json()["detail"], refused.text
    assert call(api, "sme", "GET", f"/interests/{interest['id']}").status_code == 200
    alone = _need(api, "没有洽谈的需求")
    assert call(api, "sme", "DELETE", f"/needs/{alone}").status_code == 204


@pytest.mark.parametrize("path, body, field", [
    ("/interests", {"application_number": "201710483362.4", "message": "你好\x00"}, "message"),
    ("/needs", {"title": "电池\x00均衡", "text": "储能"}, "title"),
    ("/needs", {"title": "电池均衡", "text": "储能\x07"}, "text"),
])
def test_control_characters_are_refused_naming_the_field(api, path, body, field):
    if path == "/interests":
        body = body | {"need_id": api[2]}
    answer = call(api, "sme", "POST", path, json=body)
    assert answer.status_code == 422, answer.text
    assert any(e["loc"] == ["body", field] and "控制字符" in e["msg"] for e in answer.json()["detail"])
