"""The `phrase` feature (a need's wording found verbatim in a patent) and how its weight is chosen
(eval/phrase_weight.py)."""

from __future__ import annotations

import numpy as np
import pytest

from eval.crossval import FeaturePool, QueryFeatures
from eval.dataset import Dataset, Query
from eval.phrase_weight import phrase_choice, report
from matching.features import FEATURES, PHRASE_DEPTH, phrase_features, phrase_overlap, wording


def test_phrase_is_the_share_of_the_need_s_four_character_sequences_found_in_the_patent():
    patent = wording("一种信号的发送方法及基站、用户设备。在一个子帧中为多个用户设备配置参考信号")
    assert phrase_overlap("信号的发送方法及基站", patent) == 1.0  # every sequence of four is there
    # 信号的发 and 号的发送 are there; 的发送装 and 发送装置 are not
    assert phrase_overlap("信号的发送装置", patent) == pytest.approx(2 / 4)
    assert phrase_overlap("我们的基站信号不好", patent) == 0.0  # shared words, no shared wording
    assert phrase_overlap("基站", patent) == 0.0  # shorter than four: no sequence to find
    assert phrase_overlap("信号的发送方法", "") == 0.0


def test_phrase_reads_past_punctuation_spaces_width_and_script():
    patent = wording("一種信號的發送方法，及基站、用戶設備 LTE-A")
    assert wording("ＬＴＥ－Ａ 基站") == "ltea基站"
    assert phrase_overlap("信号的发送方法及基站用户设备", patent) == 1.0
    assert phrase_overlap("LTE A", patent) == 1.0


def test_the_matcher_reads_a_patent_s_wording_from_its_title_and_abstract(demo_db):
    from sqlalchemy import select

    from data.db import make_engine, transaction
    from data.models import Patent
    from matching.records import patent_wordings

    with transaction(make_engine(demo_db)) as session:
        patents = session.scalars(select(Patent).order_by(Patent.id)).all()[:3]
        read = patent_wordings(session, [p.id for p in patents])
    record = patents[0]
    assert set(read) == {p.id for p in patents}
    assert read[record.id].startswith(wording(record.title)) and wording(record.abstract) in read[record.id]
    near, far = {"char_tfidf": 3}, {"dense": PHRASE_DEPTH + 1, "bm25": PHRASE_DEPTH + 7}
    assert phrase_features(record.title, near, read[record.id]) == {"phrase": 1.0}  # a user who types its title
    assert phrase_features("一二三四五六七八九十", near, read[record.id]) == {"phrase": 0.0}
    # Beyond every retriever's top PHRASE_DEPTH the platform does not read the wording
    assert phrase_features(record.title, far, read[record.id]) == {"phrase": 0.0}


def _pool(queries: dict[str, list[tuple[str, float, float, int]]]) -> FeaturePool:
    """Queries → candidates (doc id, char_tfidf, phrase, grade); the other features 0."""
    pool = FeaturePool.__new__(FeaturePool)
    pool.qids = list(queries)
    pool.queries = {}
    for qid, candidates in queries.items():
        matrix = np.zeros((len(candidates), len(FEATURES)))
        matrix[:, FEATURES.index("char_tfidf")] = [c[1] for c in candidates]
        matrix[:, FEATURES.index("phrase")] = [c[2] for c in candidates]
        pool.queries[qid] = QueryFeatures([c[0] for c in candidates], {"score": matrix, "rank": matrix},
                                          {c[0]: c[3] for c in candidates if c[3]})
    return pool


def _titles(count: int, own_phrase: float) -> tuple[FeaturePool, Dataset]:
    """Each title's own patent trails another in char_tfidf; its wording is copied when `own_phrase` is 1."""
    pool = _pool({f"t{i}": [(f"X{i}", 0.9, 0.3, 0), (f"A{i}", 0.8, own_phrase, 1)] for i in range(count)})
    queries = {q: Query(q, "") for q in pool.qids}
    return pool, Dataset("titles", None, [], queries, {q: {f"A{q[1:]}": 1} for q in pool.qids})


def _needs(count: int) -> FeaturePool:
    """The relevant patent leads in char_tfidf by 0.05 but shares less wording than the one behind it, so a large
    phrase weight costs the needs."""
    return _pool({f"n{i}": [(f"R{i}", 0.9, 0.1, 2), (f"I{i}", 0.85, 0.3, 0)] for i in range(count)})


def test_the_weight_is_chosen_out_of_fold_and_kept_only_when_it_wins_significantly():
    titles, title_set = _titles(40, 1.0)
    choice = phrase_choice(_needs(40), titles, title_set)
    # 0.1 is too little (0.8 + 0.1 against X's 0.9 + 0.03); 0.2 lifts every title; 0.3 and more cost the needs
    assert choice.fold_weights == [0.2] * 5 and choice.weight == 0.2
    assert choice.baseline.criterion() == pytest.approx(0.75) and choice.cross_validated.criterion() == 1.0
    assert choice.p < 0.05
    by_weight = {r.weight: r.criterion() for r in choice.rows}
    assert by_weight[0.1] == pytest.approx(0.75) and by_weight[0.3] < by_weight[0.2]  # at 0.3 the needs lose
    assert report(choice)[-1] == "  → phrase weight 0.2"


def test_a_phrase_that_separates_nothing_gets_no_weight():
    titles, title_set = _titles(40, 0.3)  # the own patent's wording is no more copied than the other's
    choice = phrase_choice(_needs(40), titles, title_set)
    assert choice.fold_weights == [0.0] * 5 and choice.weight == 0.0
    assert report(choice)[-1] == "  → phrase weight 0: not significant, left out"


def test_each_fold_is_scored_at_a_weight_chosen_without_it():
    titles, title_set = _titles(40, 0.3)
    lifted, _ = _titles(1, 1.0)
    titles.queries["t0"] = lifted.queries["t0"]  # the one title the feature helps, in the fifth fold
    choice = phrase_choice(_needs(40), titles, title_set)
    # The other folds learn 0.2 from t0; t0's own fold learns nothing, so t0 gains nothing out of fold
    assert choice.fold_weights == [0.2, 0.2, 0.2, 0.2, 0.0]
    assert choice.cross_validated.criterion() == choice.baseline.criterion() and choice.weight == 0.0


def test_a_gain_on_too_few_queries_is_not_significant():
    titles, title_set = _titles(40, 0.3)
    lifted, _ = _titles(3, 1.0)  # two titles of forty gain
    for qid in ("t0", "t2"):  # in different folds, so each is scored at the weight the other earned
        titles.queries[qid] = lifted.queries[qid]
    choice = phrase_choice(_needs(40), titles, title_set)
    assert choice.cross_validated.criterion() > choice.baseline.criterion()
    assert choice.p >= 0.05 and choice.weight == 0.0


def test_a_lead_within_the_machines_noise_does_not_choose_a_larger_weight():
    from eval.phrase_weight import NOISE, PhraseRow, _smallest_near_best

    rows = [PhraseRow(0.0, {"n": 0.8}, {"t": 0.9}), PhraseRow(1.0, {"n": 0.8}, {"t": 0.95}),
            PhraseRow(2.0, {"n": 0.8}, {"t": 0.95 + 1.5 * NOISE})]  # the criterion leads by 0.75 NOISE
    assert _smallest_near_best(rows).weight == 1.0
    rows[2] = PhraseRow(2.0, {"n": 0.8}, {"t": 0.95 + 2.5 * NOISE})
    assert _smallest_near_best(rows).weight == 2.0
