"""强 / 中 / 弱 匹配: cut-offs from judged pairs (matching/confidence.py), through the API and the need page."""

from __future__ import annotations

import math

import pytest

from matching.confidence import SHIPPED, Calibration, fit_cutoffs, relevance_score
from matching.query_adapter import SHIPPED as ADAPTER
from matching.query_adapter import QueryAdapter
from matching.ranker import DEFAULT_FUSION, DEFAULT_WEIGHTS
from tests.api_support import api, call, sign_in  # noqa: F401  (the module's served demo)


def test_cutoffs_are_where_the_isotonic_probability_reaches_each_level():
    # P(relevant) rises with the score: 0/4 below 1, 1/4 at 1–2, 2/4 at 2–3, 3/4 from 3
    scores = [0.5] * 4 + [1.5] * 4 + [2.5] * 4 + [3.5] * 4
    relevant = [False] * 4 + [True] + [False] * 3 + [True] * 2 + [False] * 2 + [True] * 3 + [False]
    strong, medium = fit_cutoffs(scores, relevant)
    assert strong == 3.5 and medium == 2.5  # 0.75 ≥ 0.6; 0.5 ≥ 0.3 (0.25 is not)
    never_strong, _ = fit_cutoffs([1.0, 2.0], [False, False])
    assert never_strong == math.inf


def test_a_calibration_belongs_to_its_weights_and_survives_a_round_trip(tmp_path):
    calibration = Calibration(math.inf, 1.2, {"dense": 1.0, "char_tfidf": 1.0, "bm25": 0.5}, "score", "test")
    assert calibration.strength(5.0) == "medium" and calibration.strength(1.0) == "weak"
    calibration.save(tmp_path / "c.json")
    loaded = Calibration.load(tmp_path / "c.json")
    assert loaded is not None and loaded.strong_from == math.inf and loaded.medium_from == 1.2
    assert loaded.applies_to({"dense": 1.0, "char_tfidf": 1.0, "bm25": 0.5, "value": 0.3}, "score")  # policy free
    assert not loaded.applies_to({"dense": 0.7, "char_tfidf": 1.0, "bm25": 0.5}, "score")
    assert not loaded.applies_to({"dense": 1.0, "char_tfidf": 1.0, "bm25": 0.5}, "rank")
    assert Calibration.load(tmp_path / "absent.json") is None
    # Policy preferences say nothing about relevance: they do not move a match's strength
    assert relevance_score(DEFAULT_WEIGHTS, {"dense": 1, "value": 0.5, "region": 1}) == DEFAULT_WEIGHTS["dense"]


def test_the_shipped_calibration_fits_the_default_ranker_and_adapter():
    shipped = Calibration.load(SHIPPED)
    assert shipped is not None, f"{SHIPPED} is missing: patent-match eval calibrate --out {SHIPPED}"
    adapter = QueryAdapter.load(ADAPTER)
    assert shipped.applies_to(DEFAULT_WEIGHTS, DEFAULT_FUSION, adapter)
    assert not shipped.applies_to(DEFAULT_WEIGHTS, DEFAULT_FUSION, None)  # scores without it mean something else
    assert shipped.medium_from < shipped.strong_from


@pytest.fixture
def calibrated(api):  # noqa: F811
    """The served matcher (keyword encoder, so no shipped adapter or calibration applies) with cut-offs of its own:
    what a deployment gets from `patent-match eval calibrate` on its judgments."""
    matcher = api[0].app.state.matcher
    saved = matcher.calibration
    matcher.calibration = Calibration(1.8, 1.0, dict(DEFAULT_WEIGHTS), DEFAULT_FUSION, "test cut-offs")
    yield api
    matcher.calibration = saved


def test_the_strength_filter_counts_what_it_hides(calibrated):
    served = calibrated
    path = f"/needs/{served[2]}/matches"
    everything = call(served, "sme", "GET", path, params={"limit": 100}).json()
    assert all(m["strength"] in ("strong", "medium", "weak") and m["strength_zh"].endswith("匹配")
               for m in everything["items"])
    shown = call(served, "sme", "GET", path, params={"limit": 100, "min_strength": "medium"}).json()
    counts = shown["strengths"]
    assert sum(counts.values()) == everything["total"] and shown["total"] == counts["strong"] + counts["medium"]
    assert [m["application_number"] for m in shown["items"]] == \
        [m["application_number"] for m in everything["items"] if m["strength"] != "weak"]
    strong = call(served, "sme", "GET", path, params={"limit": 100, "min_strength": "strong"}).json()
    assert strong["total"] == counts["strong"] and all(m["strength"] == "strong" for m in strong["items"])
    assert call(served, "sme", "GET", path, params={"min_strength": "weak"}).status_code == 422


def test_no_strength_is_claimed_or_filtered_under_other_weights(calibrated):
    served = calibrated
    matcher = served[0].app.state.matcher
    saved, matcher.calibration = matcher.calibration, None  # as under a learned ranker's weights
    try:
        path = f"/needs/{served[2]}/matches"
        refused = call(served, "sme", "GET", path, params={"min_strength": "medium"})
        assert refused.status_code == 422 and "没有匹配强度校准" in refused.text
        assert all(m["strength"] is None for m in call(served, "sme", "GET", path).json()["items"])
        page = sign_in(served, "sme").get(f"/ui/needs/{served[2]}")
        assert page.status_code == 200 and "弱匹配未显示" not in page.text and "共 " in page.text
    finally:
        matcher.calibration = saved


def test_the_need_page_shows_strong_and_medium_and_says_how_many_weak_are_hidden(calibrated):
    served = calibrated
    counts = call(served, "sme", "GET", f"/needs/{served[2]}/matches",
                  params={"min_strength": "medium"}).json()["strengths"]
    browser = sign_in(served, "sme")
    page = browser.get(f"/ui/needs/{served[2]}").text
    assert f"强匹配 {counts['strong']} 件、中匹配 {counts['medium']} 件" in page
    assert counts["weak"] > 0  # the demo need has patents that share only a word or two with it
    assert f"另有 {counts['weak']} 件弱匹配未显示" in page and "all=true" in page
    assert "strength-weak" not in page
    everything = browser.get(f"/ui/needs/{served[2]}", params={"all": "true"}).text
    assert "弱匹配未显示" not in everything and "strength-weak" in everything
