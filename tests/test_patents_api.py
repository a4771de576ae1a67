"""Patent search and detail, organisation lookup and deal paging over the API, and the pages that show them,
on SQLite and PostgreSQL (the demo database served by the `api` fixture)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from data.db import transaction
from data.enums import NeedStatus, OfferStatus, OrgKind, TagDimension, TagEntity
from data.models import LicenseOffer, Need, Organization, Patent, PatentHolder, PatentIPC, Tag, Transaction
from tests.api_support import OTHER_SME, OWN_SME, OWN_TTO, PATENT, call
from tests.test_web import _sign_in

ROYALTY_PATENT = "202210823685.4"  # its open licence asks 1.5% of sales (demo offer 17)


def _all(api, who: str, path: str, size: int = 7) -> list[dict]:
    items, offset = [], 0
    while True:
        page = call(api, who, "GET", f"{path}{'&' if '?' in path else '?'}limit={size}&offset={offset}").json()
        items += page["items"]
        offset += size
        if offset >= page["total"]:
            assert len(items) == page["total"]
            return items


def _tagged(engine, dimension: TagDimension, code: str) -> set[str]:
    with transaction(engine) as session:
        ids = select(Tag.entity_id).where(Tag.entity == TagEntity.PATENT, Tag.dimension == dimension, Tag.code == code)
        return set(session.scalars(select(Patent.application_number).where(Patent.id.in_(ids))))


def test_every_role_searches_and_pages_never_overlap(api):
    *_, engine = api
    with transaction(engine) as session:
        everything = set(session.scalars(select(Patent.application_number)))
    for role in ("sme", "tto", "operator", "evaluator"):
        assert call(api, role, "GET", "/patents?limit=1").json()["total"] == len(everything)
    walked = [p["application_number"] for p in _all(api, "sme", "/patents")]
    assert len(walked) == len(set(walked)) and set(walked) == everything  # stable order: no repeats, none missed
    assert call(api, None, "GET", "/patents").status_code == 401


def test_facets_select_what_the_tags_and_records_say(api):
    *_, engine = api
    for name, dimension, code in (("cluster", TagDimension.CLUSTER, "集成电路"), ("effect", TagDimension.EFFECT, "E07"),
                                  ("product", TagDimension.PRODUCT, "P01")):
        expected = _tagged(engine, dimension, code)
        assert expected and {p["application_number"] for p in _all(api, "sme", f"/patents?{name}={code}")} == expected
    by_label = {p["application_number"] for p in _all(api, "sme", "/patents?effect=提高安全性")}
    assert by_label == _tagged(engine, TagDimension.EFFECT, "E07")
    with transaction(engine) as session:
        h01m = set(session.scalars(select(Patent.application_number).where(Patent.ipcs.any(
            PatentIPC.code.startswith("H01M")))))
        offered = set(session.scalars(select(Patent.application_number).join(LicenseOffer).where(
            LicenseOffer.status == OfferStatus.ACTIVE, LicenseOffer.term_end >= dt.date.today())))
    assert {p["application_number"] for p in _all(api, "sme", "/patents?field=h01m")} >= h01m  # given codes, any case
    licensed = _all(api, "sme", "/patents?licence=true")
    assert {p["application_number"] for p in licensed} == offered and all(p["open_offer_ids"] for p in licensed)
    assert all(p["sleeping"] for p in _all(api, "sme", "/patents?sleeping=true"))
    assert all(any("钟山" in h for h in p["holders"]) for p in _all(api, "sme", "/patents?holder=钟山"))
    text = call(api, "sme", "GET", "/patents?q=储能").json()
    assert PATENT in [p["application_number"] for p in text["items"]]
    assert call(api, "sme", "GET", "/patents?q=CN201710483362.4").json()["items"][0]["application_number"] == PATENT
    both = _all(api, "sme", "/patents?licence=true&sleeping=true")
    assert {p["application_number"] for p in both} == {p["application_number"] for p in licensed if p["sleeping"]}


def test_the_detail_says_what_an_sme_needs_to_know(api):
    detail = call(api, "sme", "GET", f"/patents/{PATENT}").json()
    assert detail["abstract"].startswith("本发明") and detail["first_claim"].startswith("一种储能电池簇")
    assert {"code": "H01M 10/44", "subclass": "H01M", "is_main": False,
            "title": "用于直接转变化学能为电能的方法或装置，例如电池组"} in detail["ipcs"]
    [holder] = detail["holders"]
    assert (holder["name"], holder["kind"], holder["city"]) == (OWN_TTO, "university", "南京")
    assert detail["legal"]["raw"] == "有效" and detail["legal"]["expires_on"] == "2037-03-19"
    assert detail["ownership"][0]["kind"] == "record" and detail["ownership"][0]["holders"] == [OWN_TTO]
    indicators = {i["name"]: i for i in detail["value"]["indicators"]}
    assert len(indicators) == 8 and all(i["meaning"] for i in indicators.values())
    assert indicators["claims"]["value"] == 0.9 and indicators["claims"]["evidence"] == "9 项"
    effects = [t for t in detail["tags"] if t["dimension"] == "effect"]
    assert any(t["code"] == "E06" and t["evidence"] == "延长了储能系统使用寿命" for t in effects)
    similar = detail["similar"]
    assert similar and PATENT not in [s["application_number"] for s in similar]
    offered = call(api, "tto", "GET", f"/patents/{ROYALTY_PATENT}").json()  # another holder's patent: readable
    [offer] = offered["offers"]
    assert offer["royalty_percent"] == 1.5 and re.search(r"1\.50?%", offer["terms_zh"])
    assert call(api, "evaluator", "GET", "/patents/200000000000.0").status_code == 404


def test_an_unknown_indicator_stays_unknown(api):
    *_, engine = api
    with transaction(engine) as session:
        patent = session.scalar(select(Patent).where(Patent.application_number == PATENT))
        saved, patent.cited_by_count = patent.cited_by_count, None
    try:
        found = {i["name"]: i for i in call(api, "sme", "GET", f"/patents/{PATENT}").json()["value"]["indicators"]}
        assert found["citations"]["value"] is None and found["citations"]["evidence"] == "记录中没有被引次数"
    finally:
        with transaction(engine) as session:
            session.scalar(select(Patent).where(Patent.application_number == PATENT)).cited_by_count = saved


def _visible_ids(engine, role: str, own: int | None) -> set[int]:
    """docs/api.md's rule for GET /orgs, computed in Python over every record (the reference)."""
    with transaction(engine) as session:
        orgs = session.scalars(select(Organization)).all()
        if role in ("operator", "evaluator", "admin"):
            return {o.id for o in orgs}
        holders = set(session.scalars(select(PatentHolder.organization_id)))
        deals = session.execute(select(Transaction.from_org_id, Transaction.to_org_id)).all()
        open_needs = set(session.scalars(select(Need.organization_id).where(Need.status == NeedStatus.OPEN)))
    seen = {o.id for o in orgs if o.kind in (OrgKind.UNIVERSITY, OrgKind.INSTITUTE) or o.id in holders}
    seen |= {own} | {b for a, b in deals if a == own} | {a for a, b in deals if b == own}
    return seen | (open_needs if role in ("tto", "other_tto") else set())


@pytest.mark.parametrize("role", ["sme", "other_sme", "tto", "other_tto", "operator", "evaluator", "admin"])
def test_each_role_sees_the_organisations_docs_api_md_names(api, role):
    _, _, _, org_ids, engine = api
    own = {"sme": OWN_SME, "other_sme": OTHER_SME, "tto": OWN_TTO, "other_tto": "淮海矿业大学"}.get(role)
    expected = _visible_ids(engine, role, org_ids.get(own))
    assert {o["id"] for o in _all(api, role, "/orgs", size=25)} == expected
    for org_id in org_ids.values():
        assert call(api, role, "GET", f"/orgs/{org_id}").status_code == (200 if org_id in expected else 404)


def test_what_an_sme_may_look_up(api):
    _, _, _, org_ids, _ = api
    mine = call(api, "sme", "GET", f"/orgs/{org_ids[OWN_SME]}").json()
    assert (mine["name"], mine["kind"], mine["city"]) == (OWN_SME, "sme", "南京")
    assert call(api, "sme", "GET", f"/orgs/{org_ids[OWN_TTO]}").status_code == 200  # a university
    assert call(api, "sme", "GET", f"/orgs/{org_ids[OTHER_SME]}").status_code == 404  # another SME's record
    assert call(api, "operator", "GET", f"/orgs/{org_ids[OTHER_SME]}").status_code == 200
    found = call(api, "sme", "GET", "/orgs?kind=university&q=理工").json()["items"]
    assert [o["name"] for o in found] == [OWN_TTO]


def test_deals_page_with_an_offset_in_a_stable_order(api):
    first = call(api, "operator", "GET", "/transactions?limit=5").json()
    second = call(api, "operator", "GET", "/transactions?limit=5&offset=5").json()
    both = call(api, "operator", "GET", "/transactions?limit=10").json()
    assert [d["id"] for d in first + second] == [d["id"] for d in both] == sorted(d["id"] for d in both)
    # The year selects before the page is cut: the first deal of a later year is found with limit=1
    years = sorted({d["signed_on"][:4] for d in call(api, "evaluator", "GET", "/transactions?limit=1000").json()})
    latest = call(api, "evaluator", "GET", f"/transactions?year={years[-1]}&limit=1").json()
    assert len(latest) == 1 and latest[0]["signed_on"].startswith(years[-1])


@pytest.fixture(scope="module")
def signed_in(api):
    client, keys, *_ = api
    return {role: _sign_in(client.app, keys[role]) for role in ("sme", "tto", "operator")}


def test_an_sme_browses_patents_and_open_licences(signed_in, api):
    sme = signed_in["sme"]
    page = sme.get("/ui/patents?licence=true&cluster=")
    assert page.status_code == 200 and 'name="cluster"' in page.text and 'name="effect"' in page.text
    licensed = _all(api, "sme", "/patents?licence=true")
    assert f"共 {len(licensed)} 件" in page.text
    offers = sme.get("/ui/offers")
    assert offers.status_code == 200 and "/ui/offers/17/accept" in offers.text and re.search(r"1\.50?%", offers.text)
    assert "/accept" not in signed_in["tto"].get("/ui/offers").text  # only an SME accepts


def test_an_sme_reads_a_patent_without_management_buttons(signed_in):
    page = signed_in["sme"].get(f"/ui/patents/{ROYALTY_PATENT}")
    assert page.status_code == 200
    for shown in ("首项权利要求", "价值指标", "权利人变更记录", "相似专利", "/ui/offers/17/accept"):
        assert shown in page.text, shown
    assert "发布开放许可声明" not in page.text and '/withdraw"' not in page.text
    assert f"/ui/patents/{ROYALTY_PATENT}/licensees" not in page.text


def test_a_tto_starts_on_its_own_patents_and_may_see_all(signed_in, api):
    tto = signed_in["tto"]
    own = tto.get("/ui/patents")
    mine = _all(api, "tto", "/patents?holder=钟山理工大学")
    assert f"共 {len(mine)} 件" in own.text and "scope=all" in own.text
    everything = call(api, "tto", "GET", "/patents?limit=1").json()["total"]
    assert f"共 {everything} 件" in tto.get("/ui/patents?scope=all").text
    assert "发布开放许可声明" in tto.get(f"/ui/patents/{PATENT}").text  # its own: the forms
    other = tto.get(f"/ui/patents/{ROYALTY_PATENT}")  # another university's: read only
    assert other.status_code == 200 and "发布开放许可声明" not in other.text


def test_a_matched_patent_links_to_its_page(signed_in, api):
    _, _, need_id, *_ = api
    assert f'href="/ui/patents/{PATENT}"' in signed_in["sme"].get(f"/ui/needs/{need_id}").text
