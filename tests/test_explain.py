"""Match explanations an SME can read (issue 22): one plain sentence of why, then details; no filler as a
shared keyword; the feature ranks only for operators and evaluators, in the API and on the page."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from matching.explain import (
    Contribution,
    Explanation,
    LicenceTerms,
    SharedTag,
    clause,
    keyword_stopwords,
    shared_terms,
    value_zh,
)
from tests.api_support import api, call  # noqa: F401  (the module-scoped demo fixture)
from tests.test_chinese import _sign_in

RANKS = re.compile(r"第\d+名|语义相似|字面相似|关键词相似")


def _explanation(**values) -> Explanation:  # noqa: ANN003
    base = dict(shared_terms=("主动均衡", "电池簇", "衰减", "容量"), matched_ipc=(("H02J 7/00", "电力网络;供电或配电"),),
                shared_clusters=("新型电力(新能源)装备",),
                strongest=(Contribution("dense", 0.9, 1.2, "语义相似第1名"), Contribution("char_tfidf", 0.8, 0.7,
                                                                                       "字面相似第2名")),
                licence=LicenceTerms(7, "royalty", None, 0.015, None, 6, "2029-06-20"),
                adjustments=(Contribution("region", 1.0, 0.02, "同城"), Contribution("cooperation", 1.0, 0.02,
                                                                                    "合作方式可行")),
                shared_effects=(SharedTag("E24", "提高容量/能量密度", "储能电站电池一致性差、容量衰减快 我公司运营多座电站",
                                          "减少了电池簇容量衰减"),))
    return Explanation(**(base | values))


def test_the_sentence_says_what_the_patent_does_for_the_stated_problem():
    found = _explanation().summary("一种储能电池簇的主动均衡管理系统")
    assert found == "该专利提出的“储能电池簇的主动均衡管理系统”可解决您提到的“容量衰减快”问题，专利中写明其“减少了电池簇容量衰减”。"


def test_without_a_shared_effect_the_sentence_falls_back_on_products_then_words():
    product = SharedTag("P06", "电网及配电设备", "配电线路接地故障查找耗时长", "一种配电网单相接地故障选线方法")
    by_product = _explanation(shared_effects=(), shared_products=(product,), shared_terms=("接地", "选线"))
    assert by_product.summary("一种配电网单相接地故障选线方法") == \
        "该专利提出的“配电网单相接地故障选线方法”与您提到的“配电线路接地故障查找耗时长”同属电网及配电设备，二者都涉及“接地”“选线”。"
    by_words = _explanation(shared_effects=(), shared_terms=("叶片结冰",))
    assert by_words.summary("一种风电机组叶片结冰检测方法") == "该专利提出的“风电机组叶片结冰检测方法”与您的需求都涉及“叶片结冰”。"
    nothing = _explanation(shared_effects=(), shared_terms=(), matched_ipc=(), shared_clusters=())
    assert nothing.summary("") == "该专利与您的需求描述在技术内容上相近。"


def test_the_details_are_plain_words_without_ranks_or_raw_scores():
    explanation = _explanation()
    details = dict(explanation.details(0.67))
    assert details["专利价值"].startswith("较高") and "满分 1 分" in details["专利价值"]
    assert details["其他有利条件"] == "同城、权利人可接受您选择的合作方式"
    assert "销售提成1.50%" in details["许可条件"]
    plain = explanation.plain("一种储能电池簇的主动均衡管理系统", 0.67)
    assert not RANKS.search(plain) and "1.2" not in plain
    assert RANKS.search(explanation.zh())  # the engineer's reading keeps them


def test_a_clause_is_the_problem_not_the_company_introducing_itself():
    assert clause("我公司运营多座工商业储能电站，运行两年后电池簇内单体电压差越来越大", ("电池簇", "单体")) == \
        "运行两年后电池簇内单体电压差越来越大"
    assert len(clause("很" * 80)) == 30
    assert value_zh(0.9).startswith("高") and value_zh(0.3).startswith("较低")


class _Corpus:
    """What shared_terms reads of a BM25 index: its size and document frequencies."""

    doc_ids = list(range(100))

    @staticmethod
    def document_frequency(term: str) -> int:
        return {"主动均衡": 2, "电池簇": 5}.get(term, 50)


def test_filler_is_never_a_shared_keyword():
    stop = keyword_stopwords()
    assert {"以内", "及其", "一种", "方法", "装置", "所述", "以及", "其中", "我公司"} <= stop
    assert not {"电池", "主动均衡", "接地", "传感器"} & stop
    need = ["一种", "电池簇", "主动均衡", "方法", "及其", "以内", "装置", "所述", "2026", "均"]
    patent = "一种电池簇主动均衡方法及其装置，所述均衡电流控制在5a以内，2026"
    assert shared_terms(need, patent, _Corpus()) == ("主动均衡", "电池簇")


def test_the_stop_word_file_ships_with_the_package():
    project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = project["tool"]["setuptools"]["package-data"]["matching"]
    assert "reference/*.txt" in shipped
    assert (Path(__file__).parents[1] / "matching" / "reference" / "keyword_stopwords.txt").exists()


def test_the_api_explains_by_role(api):  # noqa: F811
    _, _, need_id, *_ = api
    for role in ("sme", "operator", "evaluator"):
        page = call(api, role, "GET", f"/needs/{need_id}/matches", params={"limit": 3}).json()
        first = page["items"][0]
        assert first["summary_zh"].startswith("该专利提出的“") and first["explanation_zh"].startswith(first["summary_zh"])
        assert "容量衰减" in page["items"][0]["summary_zh"]
        if role == "sme":
            assert not any(RANKS.search(m["explanation_zh"]) for m in page["items"]), first["explanation_zh"]
            assert "共同关键词" in first["explanation_zh"]
        else:
            assert RANKS.search(first["explanation_zh"])


@pytest.fixture(scope="module")
def pages(api):  # noqa: F811
    client, keys, need_id, *_ = api
    return {role: _sign_in(client.app, keys[role]).get(f"/ui/needs/{need_id}").text for role in ("sme", "operator")}


def test_the_matches_page_explains_by_role(pages):
    sme, operator = pages["sme"], pages["operator"]
    assert "为什么推荐这件专利" in sme and "可解决您提到的" in sme
    assert not RANKS.search(sme) and 'class="score"' not in sme and "价值指数" not in sme
    assert "为什么推荐这件专利" in operator and RANKS.search(operator) and 'class="score"' in operator
