"""意向洽谈 and notifications over the API and the web pages, on SQLite and PostgreSQL: every step, every refusal,
the deal an accepted conversation becomes (counted in the targets, graded 2), notices and optional email."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from data.db import transaction
from data.models import MatchFeedback, Need, Notification, Patent, Transaction
from tests.api_support import OTHER_TTO, OWN_SME, OWN_TTO, PATENT, call
from tests.mail_support import fake_smtp
from tests.test_story import this_year

SECOND, THIRD, FOURTH = "201710486004.9", "201610585148.5", "202310468700.2"  # also 钟山理工大学's


def express(api, number: str, message: str = "希望了解该专利的许可条件", who: str = "sme", need_id=None):  # noqa: ANN001
    return call(api, who, "POST", "/interests", json={"need_id": need_id or api[2], "application_number": number,
                                                      "message": message})


def notices(api, who: str) -> dict:
    return call(api, who, "GET", "/notifications", params={"limit": 500}).json()


def test_an_sme_expresses_interest_once_per_need_and_patent(api):
    tto_before, op_before = notices(api, "tto")["unread"], notices(api, "operator")["unread"]
    other_before = notices(api, "other_tto")["total"]
    sent = express(api, PATENT)
    assert sent.status_code == 201, sent.text
    body = sent.json()
    assert body["status"] == "open" and body["status_zh"] == "待回复" and body["holder_org"] == OWN_TTO
    assert body["sme_org"] == OWN_SME and [m["action"] for m in body["messages"]] == ["interest"]
    again = express(api, PATENT, "再问一次")
    assert again.status_code == 409 and f"#{body['id']}" in again.json()["detail"]
    tto, operator = notices(api, "tto"), notices(api, "operator")
    assert tto["unread"] == tto_before + 1 and operator["unread"] == op_before + 1
    assert tto["items"][0]["link"] == f"/ui/interests/{body['id']}" and OWN_SME in tto["items"][0]["text"]
    assert notices(api, "other_tto")["total"] == other_before  # another university hears nothing


@pytest.mark.parametrize("who, change, code", [
    ("sme", {"message": "   "}, 422),  # a message is required
    ("sme", {"application_number": "209999999999.9"}, 404),
    ("other_sme", {}, 404),  # not its need
    ("tto", {}, 403), ("evaluator", {}, 403),
])
def test_expressing_interest_is_refused(api, who, change, code):
    body = {"need_id": api[2], "application_number": SECOND, "message": "想合作"} | change
    answer = call(api, who, "POST", "/interests", json=body)
    assert answer.status_code == code, answer.text


def test_no_interest_for_a_closed_need(api):
    need = call(api, "sme", "POST", "/needs", json={"title": "已关闭的需求", "text": "电池均衡"}).json()
    assert call(api, "sme", "PATCH", f"/needs/{need['id']}", json={"status": "closed"}).status_code == 200
    answer = express(api, SECOND, need_id=need["id"])
    assert answer.status_code == 409 and "开放" in answer.json()["detail"]


def test_each_side_takes_only_its_own_steps_in_order(api):
    interest = express(api, SECOND).json()
    path = f"/interests/{interest['id']}"
    assert call(api, "other_tto", "POST", f"{path}/accept").status_code == 404  # not addressed to it
    assert call(api, "other_sme", "GET", path).status_code == 404
    assert call(api, "sme", "POST", f"{path}/accept").status_code == 403  # only the holder's TTO answers
    assert call(api, "operator", "POST", f"{path}/question", json={"text": "?"}).status_code == 403
    assert call(api, "tto", "POST", f"{path}/message", json={"text": "x"}).status_code == 403  # only the SME replies
    assert call(api, "tto", "POST", f"{path}/withdraw").status_code == 403
    assert call(api, "tto", "POST", f"{path}/question", json={"text": " "}).status_code == 422
    sme_before = notices(api, "sme")["unread"]
    asked = call(api, "tto", "POST", f"{path}/question", json={"text": "贵公司储能电站规模多大？"})
    assert asked.status_code == 200 and asked.json()["status"] == "question"
    assert notices(api, "sme")["unread"] == sme_before + 1
    replied = call(api, "sme", "POST", f"{path}/message", json={"text": "共 20 MWh"})
    assert replied.json()["status"] == "open"  # the answer hands the decision back
    assert call(api, "operator", "POST", f"{path}/deal", json={"kind": "license", "signed_on": "2026-11-01"}
                ).status_code == 409  # not accepted yet
    accepted = call(api, "tto", "POST", f"{path}/accept", json={"text": "欢迎洽谈"})
    assert accepted.status_code == 200 and accepted.json()["status"] == "talking"
    assert call(api, "tto", "POST", f"{path}/accept").status_code == 409  # already talking
    during = call(api, "tto", "POST", f"{path}/question", json={"text": "何时方便面谈？"})
    assert during.json()["status"] == "talking"  # a question during talks keeps them going
    assert call(api, "tto", "POST", f"{path}/decline", json={"reason": ""}).status_code == 422
    declined = call(api, "tto", "POST", f"{path}/decline", json={"reason": "该专利已独占许可他人"})
    assert declined.status_code == 200 and declined.json()["status"] == "declined"
    for step, body in [("accept", None), ("question", {"text": "?"}), ("decline", {"reason": "再次"})]:
        assert call(api, "tto", "POST", f"{path}/{step}", json=body).status_code == 409, step
    assert call(api, "sme", "POST", f"{path}/message", json={"text": "还有机会吗"}).status_code == 409
    assert call(api, "sme", "POST", f"{path}/withdraw").status_code == 409
    actions = [m["action"] for m in call(api, "sme", "GET", path).json()["messages"]]
    assert actions == ["interest", "question", "message", "accept", "question", "decline"]


def test_the_sme_withdraws(api):
    interest = express(api, FOURTH).json()
    path = f"/interests/{interest['id']}"
    assert call(api, "other_sme", "POST", f"{path}/withdraw").status_code == 404
    tto_before = notices(api, "tto")["unread"]
    assert call(api, "sme", "POST", f"{path}/withdraw", json={"text": "已另行解决"}).json()["status"] == "withdrawn"
    assert notices(api, "tto")["unread"] == tto_before + 1
    assert call(api, "tto", "POST", f"{path}/accept").status_code == 409


def test_inboxes_show_each_side_its_own_and_operators_all_with_their_age(api):
    mine = express(api, "202010420226.2").json()
    sme = call(api, "sme", "GET", "/interests").json()
    assert sme["total"] >= 1 and all(i["sme_org"] == OWN_SME for i in sme["items"])
    assert all(i["holder_org"] == OWN_TTO for i in call(api, "tto", "GET", "/interests").json()["items"])
    assert all(i["id"] != mine["id"] for i in call(api, "other_tto", "GET", "/interests").json()["items"])
    assert call(api, "other_sme", "GET", "/interests").json()["total"] == 0
    assert call(api, "evaluator", "GET", "/interests").status_code == 403
    waiting = call(api, "operator", "GET", "/interests", params={"status": ["open", "talking"],
                                                                 "oldest_first": True}).json()
    assert waiting["items"] and {i["status"] for i in waiting["items"]} <= {"open", "talking"}
    found = next(i for i in waiting["items"] if i["id"] == mine["id"])
    assert found["age_days"] == 0 and found["last_activity_at"]
    ids = [i["id"] for i in waiting["items"]]
    assert ids == sorted(ids)  # the oldest first


def test_an_accepted_conversation_becomes_a_counted_deal_graded_two(api):
    *_, engine = api
    interest = express(api, THIRD).json()
    path = f"/interests/{interest['id']}"
    call(api, "tto", "POST", f"{path}/accept")
    before = this_year(api)
    today = dt.date.today().isoformat()
    deal = {"kind": "license", "license_type": "ordinary", "contract_amount": "250000", "signed_on": today}
    assert call(api, "sme", "POST", f"{path}/deal", json=deal).status_code == 403
    assert call(api, "tto", "POST", f"{path}/deal", json=deal).status_code == 403
    assert call(api, "operator", "POST", f"{path}/deal", json=deal | {"kind": "pledge"}).status_code == 422
    future = (dt.date.today() + dt.timedelta(days=3)).isoformat()
    refused = call(api, "operator", "POST", f"{path}/deal", json=deal | {"signed_on": future})
    assert refused.status_code == 422 and "签订日期" in refused.text  # the deal rules of data/deals.py
    early = call(api, "operator", "POST", f"{path}/deal", json=deal | {"signed_on": "2000-01-01"})
    assert early.status_code == 422 and "申请日" in early.text
    sme_before = notices(api, "sme")["unread"]
    done = call(api, "operator", "POST", f"{path}/deal", json=deal)
    assert done.status_code == 201, done.text
    assert done.json()["status"] == "deal" and done.json()["transaction_id"]
    assert call(api, "operator", "POST", f"{path}/deal", json=deal).status_code == 409
    assert notices(api, "sme")["unread"] == sme_before + 1
    after = this_year(api)
    assert Decimal(after["sme_contract"]) - Decimal(before["sme_contract"]) == Decimal("250000")
    with transaction(engine) as session:
        recorded = session.get(Transaction, done.json()["transaction_id"])
        patent = session.scalar(select(Patent).where(Patent.application_number == THIRD))
        assert recorded.source_need_id == interest["need_id"] and [p.id for p in recorded.patents] == [patent.id]
        assert recorded.from_org.name == OWN_TTO and recorded.to_org.name == OWN_SME
        grades = session.scalars(select(MatchFeedback.grade).where(MatchFeedback.need_id == interest["need_id"],
                                                                   MatchFeedback.patent_id == patent.id)).all()
        assert grades == [2]
        from eval.judgments import collect_judgments
        from matching.feedback import collect_grades

        assert collect_grades(session)[interest["need_id"]][patent.id] == 2
        assert collect_judgments(session)[0][interest["need_id"]][patent.id] == 2


def test_a_deal_whose_seller_no_longer_holds_the_patent_is_a_conflict(api):
    """The interest's holder sold the patent meanwhile: the talks it agreed to do not bind the new holder, to
    whom the conversation now goes, so no deal until the new holder accepts."""
    orgs = api[3]
    number = "202010420803.8"  # 钟山理工大学's
    interest = express(api, number).json()
    call(api, "tto", "POST", f"/interests/{interest['id']}/accept")
    sold = call(api, "operator", "POST", "/transactions", json={
        "kind": "transfer", "application_numbers": [number], "from_org_id": orgs[OWN_TTO],
        "to_org_id": orgs[OTHER_TTO], "signed_on": "2026-10-01"})
    assert sold.status_code == 201, sold.text
    answer = call(api, "operator", "POST", f"/interests/{interest['id']}/deal",
                  json={"kind": "license", "signed_on": dt.date.today().isoformat()})
    assert answer.status_code == 409 and OTHER_TTO in answer.json()["detail"]
    after = call(api, "operator", "GET", f"/interests/{interest['id']}").json()
    assert after["status"] == "open" and after["holder_org"] == OTHER_TTO
    assert [m["author"] for m in after["messages"]] == [OWN_SME, OWN_TTO]  # the former holder's answer kept


def test_notices_are_read_one_by_one_or_all_at_once(api):
    express(api, "202410561206.5")
    listing = notices(api, "tto")
    assert listing["unread"] >= 1 and listing["items"][0]["read_at"] is None
    first = listing["items"][0]["id"]
    assert call(api, "other_tto", "POST", f"/notifications/{first}/read").status_code == 404
    assert call(api, "sme", "POST", f"/notifications/{first}/read").status_code == 404
    read = call(api, "tto", "POST", f"/notifications/{first}/read")
    assert read.status_code == 200 and read.json()["read_at"]
    after = notices(api, "tto")
    assert after["unread"] == listing["unread"] - 1
    flags = [i["read_at"] is None for i in after["items"]]
    assert flags == sorted(flags, reverse=True)  # unread first
    everything = call(api, "tto", "POST", "/notifications/read-all").json()
    assert everything["marked"] == after["unread"] and everything["unread"] == 0
    assert call(api, "tto", "POST", "/notifications/999999/read").status_code == 404


def test_email_goes_out_only_when_smtp_is_configured(api, monkeypatch):

    *_, engine = api
    sent = fake_smtp(monkeypatch, ("127.0.0.1", 2525))
    express(api, "202010423814.1")
    assert sent == []  # off by default
    from data.settings import get_settings

    monkeypatch.setenv("PATENT_MATCH_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("PATENT_MATCH_SMTP_PORT", "2525")
    monkeypatch.setenv("PATENT_MATCH_SMTP_OPERATOR_TO", '["ops@example.cn"]')
    monkeypatch.setenv("PATENT_MATCH_SMTP_SITE_URL", "https://match.example.cn")
    get_settings.cache_clear()
    interest = express(api, "202010432062.5").json()
    assert len(sent) == 1 and sent[0]["To"] == "ops@example.cn"  # organisations have no address on record yet
    assert f"https://match.example.cn/ui/interests/{interest['id']}" in sent[0].get_content()
    with transaction(engine) as session:
        mailed = session.scalars(select(Notification).where(Notification.link == f"/ui/interests/{interest['id']}")
                                 ).all()
        assert sorted(n.emailed_at is not None for n in mailed) == [False, True]


# The web pages: the same steps through forms, by signed-in people.

def _sign_in(app, key: str) -> TestClient:  # noqa: ANN001
    client = TestClient(app, follow_redirects=False)
    token = re.search(r'name="form_token" value="([^"]+)"', client.get("/ui/signin").text).group(1)
    assert client.post("/ui/signin", data={"key": key, "form_token": token, "next": "/ui/"}).status_code == 303
    return client


def _csrf(client: TestClient, path: str = "/ui/") -> str:
    return re.search(r'name="csrf" value="([^"]+)"', client.get(path).text).group(1)


@pytest.fixture(scope="module")
def people(api):
    client, keys, *_ = api
    return {role: _sign_in(client.app, keys[role]) for role in ("sme", "tto", "other_tto", "operator", "evaluator")}


def test_the_conversation_through_the_web(api, people):
    sme, tto, operator = people["sme"], people["tto"], people["operator"]
    assert f"/ui/interests/new?need_id={api[2]}&amp;application_number=" in sme.get(f"/ui/needs/{api[2]}").text
    form = sme.get(f"/ui/interests/new?need_id={api[2]}&application_number=201610598205.3")
    assert form.status_code == 200 and "提出合作意向" in form.text
    blank = sme.post("/ui/interests/new", data={"csrf": _csrf(sme), "need_id": api[2],
                                                 "application_number": "201610598205.3", "message": ""})
    assert blank.status_code == 422 and "必填" in blank.text
    assert tto.get("/ui/interests/new").status_code == 403
    made = sme.post("/ui/interests/new", data={"csrf": _csrf(sme), "need_id": api[2],
                                                "application_number": "201610598205.3", "message": "想了解许可"})
    assert made.status_code == 303
    page = made.headers["location"]
    twice = sme.post("/ui/interests/new", data={"csrf": _csrf(sme), "need_id": api[2],
                                                 "application_number": "201610598205.3", "message": "再次"})
    assert twice.status_code == 409 and "已就需求" in twice.text
    assert people["other_tto"].get(page).status_code == 404
    assert people["evaluator"].get("/ui/interests").status_code == 403
    home = tto.get("/ui/")
    assert re.search(r'id="unread-count">\d+<', home.text)  # the navigation shows the unread count
    inbox = tto.get("/ui/interests")
    assert page.rsplit("/", 1)[1] in inbox.text and "待回复" in inbox.text
    assert 'action="' + page + '/accept"' in tto.get(page).text
    assert 'action="' + page + '/accept"' not in sme.get(page).text  # the SME is not offered the TTO's steps
    assert sme.post(f"{page}/accept", data={"csrf": _csrf(sme)}).status_code == 403
    declined_blank = tto.post(f"{page}/decline", data={"csrf": _csrf(tto), "reason": ""})
    assert declined_blank.status_code == 422
    assert tto.post(f"{page}/question", data={"csrf": _csrf(tto), "text": "样品何时可测？"}).status_code == 303
    assert "待答复提问" in sme.get(page).text
    assert sme.post(f"{page}/message", data={"csrf": _csrf(sme), "text": "下月"}).status_code == 303
    assert tto.post(f"{page}/accept", data={"csrf": _csrf(tto)}).status_code == 303
    assert tto.post(f"{page}/accept", data={"csrf": _csrf(tto)}).status_code == 409
    watch = operator.get("/ui/interests?status=talking")
    assert watch.status_code == 200 and "洽谈中" in watch.text and "天" in watch.text
    assert "登记成交" in operator.get(page).text
    refused = operator.post(f"{page}/deal", data={"csrf": _csrf(operator), "kind": "license",
                                                  "signed_on": "2000-01-01"})
    assert refused.status_code == 422 and "申请日" in refused.text
    done = operator.post(f"{page}/deal", data={"csrf": _csrf(operator), "kind": "license", "contract_amount": "1000",
                                               "signed_on": dt.date.today().isoformat()})
    assert done.status_code == 303
    assert "已成交" in sme.get(page).text and "已登记交易" in sme.get(page).text


def test_notices_through_the_web(api, people):
    tto = people["tto"]
    express(api, "202010420803.8", need_id=_fresh_need(api))
    listing = tto.get("/ui/notifications")
    assert listing.status_code == 200 and "未读" in listing.text
    first = re.search(r'action="/ui/notifications/(\d+)/read"', listing.text).group(1)
    assert people["other_tto"].post(f"/ui/notifications/{first}/read",
                                     data={"csrf": _csrf(people["other_tto"])}).status_code == 404
    opened = tto.post(f"/ui/notifications/{first}/read", data={"csrf": _csrf(tto), "open": "1"})
    assert opened.status_code == 303 and opened.headers["location"].startswith("/ui/interests/")
    assert tto.post("/ui/notifications/read-all", data={"csrf": _csrf(tto)}).status_code == 303
    assert 'id="unread-count"' not in tto.get("/ui/").text
    assert tto.post("/ui/notifications/read-all", data={}).status_code == 403  # no CSRF token


def _fresh_need(api) -> int:
    *_, engine = api
    need = call(api, "sme", "POST", "/needs", json={"title": "盾构刀具磨损监测", "text": "盾构机刀具磨损在线检测"}).json()
    with transaction(engine) as session:
        assert session.get(Need, need["id"]) is not None
    return need["id"]


def test_an_sme_starts_a_conversation_from_a_patents_page(api, people):
    sme, tto = people["sme"], people["tto"]
    page = sme.get(f"/ui/patents/{PATENT}")
    assert page.status_code == 200 and 'id="express-interest"' in page.text
    form = sme.get(f"/ui/interests/new?application_number={PATENT}")
    assert form.status_code == 200 and PATENT in form.text
    assert 'id="express-interest"' not in tto.get(f"/ui/patents/{PATENT}").text  # only SMEs express interest
