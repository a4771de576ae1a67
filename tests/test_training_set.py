"""Building a judged training set (eval/training_set.py) and tuning on it (eval/crossval.py, eval/tuning.py)."""

from __future__ import annotations

import json
from collections import Counter

import numpy as np
import pytest
from click.testing import CliRunner

from api.cli import main
from eval.crossval import DEFAULT, FeaturePool, QueryFeatures, Setting, cross_validate_grid, folds_of, ndcg_at_k
from eval.dataset import SHARED_DATA_ENV, DatasetError, load_dataset
from eval.metrics import evaluate
from eval.training_set import JudgmentError, agreement, pool, read_grades, sample_sources, write_qrels
from indexer.hits import Hit
from matching.features import FEATURES
from matching.query import prepare_query, query_rules


def patents(n_per_label: dict[str | None, int]) -> list[dict]:
    rows = []
    for label, n in n_per_label.items():
        for i in range(n):
            rows.append({"_id": f"{label}-{i}", "text": "很" * 120, "label": label, "src": "kppatent" if label is None
                         else "bdci2022"})
    return rows


def test_sources_are_proportional_reproducible_and_skip_the_excluded_and_the_short():
    corpus = patents({0: 60, 1: 30, None: 10}) + [{"_id": "short", "text": "短", "label": 0, "src": "bdci2022"}]
    chosen = sample_sources(corpus, exclude={"0-1", "0-2"}, count=20)
    assert chosen == sample_sources(corpus, exclude={"0-1", "0-2"}, count=20)  # fixed seed
    assert len(set(chosen)) == 20 and not {"0-1", "0-2", "short"} & set(chosen)
    strata = Counter(c.split("-")[0] for c in chosen)
    assert strata == {"0": 12, "1": 6, "None": 2}  # 58 : 30 : 10 of 98 eligible
    with pytest.raises(ValueError, match="only 98 are eligible"):
        sample_sources(corpus, exclude={"0-1", "0-2"}, count=99)


def test_the_pool_is_the_union_of_the_top_k_plus_the_source_shuffled_per_query():
    runs = {"a": {"q1": ["d1", "d2", "d3"]}, "b": {"q1": ["d3", "d4", "d5"], "q2": ["d9"]}}
    pooled = pool(runs, depth=2, always={"q1": "d7"})
    assert sorted(pooled["q1"]) == ["d1", "d2", "d3", "d4", "d7"] and pooled["q2"] == ["d9"]
    assert pooled == pool(runs, depth=2, always={"q1": "d7"})  # the shuffle is seeded by the query


def write(path, rows):
    path.write_text("query-id\tcorpus-id\tscore\n" + "".join(f"{q}\t{d}\t{g}\n" for q, d, g in rows), encoding="utf-8")
    return path


def test_judges_must_grade_exactly_the_pool(tmp_path):
    pooled = {"q1": ["d1", "d2"]}
    good = read_grades(write(tmp_path / "a.tsv", [("q1", "d1", 2), ("q1", "d2", 0)]), pooled)
    assert good == {("q1", "d1"): 2, ("q1", "d2"): 0}
    with pytest.raises(JudgmentError, match=r"b\.tsv: 1 pooled candidates ungraded"):
        read_grades(write(tmp_path / "b.tsv", [("q1", "d1", 2)]), pooled)
    with pytest.raises(JudgmentError, match=r"c\.tsv, line 2: expected query-id, corpus-id and a grade"):
        read_grades(write(tmp_path / "c.tsv", [("q1", "d1", 3)]), pooled)
    with pytest.raises(JudgmentError, match="graded twice"):
        read_grades(write(tmp_path / "d.tsv", [("q1", "d1", 1), ("q1", "d1", 2)]))


def test_agreement_and_the_summed_qrels(tmp_path):
    a = {("q", f"d{i}"): g for i, g in enumerate([2, 2, 1, 0, 0, 0])}
    b = {("q", f"d{i}"): g for i, g in enumerate([2, 1, 1, 0, 0, 1])}
    result = agreement(a, b)
    assert result.pairs == 6 and result.exact == pytest.approx(4 / 6) and result.within_one == 1.0
    assert result.relevant_kappa == pytest.approx(8 / 14)  # grade 2: po 5/6, pe 22/36
    assert agreement(a, a).weighted_kappa == 1.0
    with pytest.raises(ValueError, match="different pairs"):
        agreement(a, {**b, ("q", "d9"): 0})
    write_qrels(tmp_path / "qrels" / "train.tsv", a, b)
    lines = (tmp_path / "qrels" / "train.tsv").read_text(encoding="utf-8").splitlines()
    assert lines[0] == "query-id\tcorpus-id\tscore" and "q\td0\t4" in lines and "q\td5\t1" in lines


def test_ndcg_equals_ir_measures():
    grades = {"d1": 4, "d2": 1, "d3": 0, "d4": 3, "d8": 2}
    ranked = ["d2", "d9", "d1", "d3", "d4", "d7"]
    expected = evaluate({"q": grades}, {"q": [Hit(d, 10.0 - i) for i, d in enumerate(ranked)]}).mean("nDCG@10")
    assert ndcg_at_k(ranked, grades) == pytest.approx(expected)


def synthetic_pool(n_queries: int = 20) -> FeaturePool:
    """Candidates where char_tfidf finds the relevant patent and dense prefers a wrong one."""
    pool = FeaturePool.__new__(FeaturePool)
    pool.qids = [f"q{i:02d}" for i in range(n_queries)]
    column = {name: i for i, name in enumerate(FEATURES)}
    pool.queries = {}
    for qid in pool.qids:
        rows = np.zeros((2, len(FEATURES)))
        rows[0, column["char_tfidf"]], rows[0, column["dense"]] = 1.0, 0.2  # relevant
        rows[1, column["char_tfidf"]], rows[1, column["dense"]] = 0.5, 1.0  # not relevant
        pool.queries[qid] = QueryFeatures(["good", "bad"], {"score": rows, "rank": rows}, {"good": 4})
    return pool


def test_cross_validation_chooses_on_other_folds_and_scores_every_query_once():
    folds = folds_of([f"q{i}" for i in range(11)], 5)
    assert sorted(q for f in folds for q in f) == sorted(f"q{i}" for i in range(11)) and len(folds) == 5
    pool = synthetic_pool()
    dense_heavy = Setting({"dense": 2.0, "char_tfidf": 1.0}, "score")
    char_heavy = Setting({"dense": 0.25, "char_tfidf": 1.0}, "score")
    assert pool.per_query(dense_heavy)["q00"] < 1.0 and pool.per_query(char_heavy)["q00"] == 1.0
    result = cross_validate_grid(pool, [dense_heavy, char_heavy], folds=5)
    assert result.mean == 1.0 and set(result.chosen) == {char_heavy.label()} and len(result.per_query) == 20
    assert DEFAULT.label() == "default"


def test_query_rules_can_be_switched_for_a_measurement():
    need = "我公司位于常州，是一家电池企业。电池鼓包严重。预算50万元。"
    assert "常州" in prepare_query(need) and "预算" not in prepare_query(need)
    with query_rules(()):
        assert "常州" in prepare_query(need) and "预算" in prepare_query(need)
    with query_rules(("commercial", "self_introduction")):
        assert "常州" not in prepare_query(need) and "预算" not in prepare_query(need)
    assert "常州" in prepare_query(need) and "预算" not in prepare_query(need)  # restored after the block
    with pytest.raises(ValueError, match="unknown query rules"), query_rules(("nonsense",)):
        pass


def test_a_set_over_the_shared_corpus_names_it_when_absent(tmp_path, monkeypatch):
    folder = tmp_path / "set"
    (folder / "qrels").mkdir(parents=True)
    (folder / "queries.jsonl").write_text(json.dumps({"_id": "T1", "text": "漏液"}) + "\n", encoding="utf-8")
    (folder / "corpus.json").write_text(json.dumps({"path": "../nowhere/corpus.jsonl", "shared": "c.jsonl",
                                                    "documents": 1}), encoding="utf-8")
    monkeypatch.delenv(SHARED_DATA_ENV, raising=False)
    with pytest.raises(DatasetError, match="its corpus .*nowhere.* is absent.*not redistributed"):
        load_dataset(folder)
    shared = tmp_path / "elsewhere"
    shared.mkdir()
    (shared / "c.jsonl").write_text(json.dumps({"_id": "d1", "title": "t", "text": "电池"}) + "\n", encoding="utf-8")
    monkeypatch.setenv(SHARED_DATA_ENV, str(shared))
    unjudged = load_dataset(folder, require_qrels=False)
    assert [d.doc_id for d in unjudged.corpus] == ["d1"] and unjudged.qrels == {}
    (folder / "corpus.json").write_text(json.dumps({"path": "x", "shared": "c.jsonl", "documents": 2}),
                                        encoding="utf-8")
    with pytest.raises(DatasetError, match="holds 1 documents.*expects 2"):
        load_dataset(folder, require_qrels=False)


def test_agree_command_reports_and_refuses(tmp_path):
    pooled = tmp_path / "pool.json"
    pooled.write_text(json.dumps({"q1": ["d1", "d2"]}), encoding="utf-8")
    a = write(tmp_path / "a.tsv", [("q1", "d1", 2), ("q1", "d2", 0)])
    b = write(tmp_path / "b.tsv", [("q1", "d1", 1), ("q1", "d2", 0)])
    result = CliRunner().invoke(main, ["eval", "agree", "--pool", str(pooled), "--judge", str(a), "--judge", str(b),
                                       "--qrels", str(tmp_path / "q.tsv")])
    assert result.exit_code == 0, result.output
    assert "2 pairs · exact agreement 0.500" in result.output and (tmp_path / "q.tsv").exists()
    short = write(tmp_path / "c.tsv", [("q1", "d1", 1)])
    refused = CliRunner().invoke(main, ["eval", "agree", "--pool", str(pooled), "--judge", str(a), "--judge",
                                        str(short)])
    assert refused.exit_code == 2 and "c.tsv: 1 pooled candidates ungraded" in refused.output
