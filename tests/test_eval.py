from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest
from click.testing import CliRunner
from scipy import stats

from api.cli import main
from eval.compare import compare
from eval.dataset import DatasetError, load_dataset
from eval.metrics import QueryMismatch, default_relevant_grade, evaluate
from eval.runs import read_trec, write_trec
from indexer.hits import Hit
from tests.eval_support import write_set

QRELS = {"q1": {"d1": 2, "d2": 1, "d3": 0, "d4": 2}, "q2": {"d5": 1}, "q3": {"d6": 2}}
RUN = {"q1": [Hit("d2", 4.0), Hit("d9", 3.0), Hit("d1", 2.0), Hit("d3", 1.0)],
       "q2": [Hit("d7", 2.0), Hit("d5", 1.0)],
       "q3": []}


def test_metrics_equal_a_hand_computation():
    result = evaluate(QRELS, RUN, relevant_grade=1)
    # q1: relevant {d1, d2, d4}; retrieved d2 (rank 1), d1 (rank 3). Gains are the grades.
    ndcg_q1 = (1 / math.log2(2) + 2 / math.log2(4)) / (2 + 2 / math.log2(3) + 1 / math.log2(4))
    ndcg_q2 = (1 / math.log2(3)) / 1  # d5 at rank 2
    expected = {
        "nDCG@10": (ndcg_q1 + ndcg_q2 + 0) / 3,
        "P@5": (2 / 5 + 1 / 5 + 0) / 3,
        "R@1": (1 / 3 + 0 + 0) / 3,
        "R@20": (2 / 3 + 1 + 0) / 3,
        "MRR@10": (1 + 1 / 2 + 0) / 3,
        "MAP": ((1 / 1 + 2 / 3) / 3 + 1 / 2 + 0) / 3,
    }
    for measure, value in expected.items():
        assert result.mean(measure) == pytest.approx(value, abs=1e-6), measure
    assert result.per_query["MRR@10"]["q3"] == 0.0  # no results still counts, as 0
    assert result.unjudged_at_10 == pytest.approx(2 / 3)  # d9 and d7


def test_the_relevance_threshold_for_binary_measures():
    assert default_relevant_grade({"q": {"a": 4, "b": 1}}) == 2
    assert default_relevant_grade({"q": {"a": 1}}) == 1
    strict = evaluate(QRELS, RUN, relevant_grade=2)  # d2 (grade 1) no longer counts in q1
    assert strict.per_query["MRR@10"]["q1"] == pytest.approx(1 / 3)


def test_query_id_mismatches_are_refused_unless_allowed():
    with pytest.raises(QueryMismatch, match="1 judged queries have no run entry"):
        evaluate(QRELS, {k: v for k, v in RUN.items() if k != "q3"})
    with pytest.raises(QueryMismatch, match="1 run queries have no judgments"):
        evaluate(QRELS, {**RUN, "q4": [Hit("d1", 1.0)]})
    allowed = evaluate(QRELS, {"q1": RUN["q1"], "q4": [Hit("d1", 1.0)]}, relevant_grade=1, allow_missing=True)
    assert sorted(allowed.queries) == ["q1", "q2", "q3"] and allowed.mean("MRR@10") == pytest.approx(1 / 3)


def test_trec_run_files_round_trip(tmp_path):
    path = tmp_path / "x.trec"
    write_trec(path, RUN, "mine")
    assert path.read_text().splitlines()[0] == "q1 Q0 d2 1 4.000000 mine"
    run, name = read_trec(path)
    assert name == "mine" and run["q1"] == RUN["q1"] and "q3" not in run


def test_comparison_matches_scipy_and_counts_wins():
    a = evaluate(QRELS, RUN, relevant_grade=1)
    worse = {"q1": RUN["q1"][1:], "q2": RUN["q2"], "q3": [Hit("d6", 1.0)]}
    b = evaluate(QRELS, worse, relevant_grade=1)
    c = compare("a", a, "b", b, "MRR@10")
    per_a = [a.per_query["MRR@10"][q] for q in ("q1", "q2", "q3")]
    per_b = [b.per_query["MRR@10"][q] for q in ("q1", "q2", "q3")]
    assert (c.wins, c.ties, c.losses) == (1, 1, 1)
    assert c.mean_difference == pytest.approx(np.mean(np.subtract(per_a, per_b)))
    assert c.t_test_p == pytest.approx(stats.ttest_rel(per_a, per_b).pvalue)
    assert 0 < c.randomisation_p <= 1


def test_dataset_errors_name_the_file_and_line(tmp_path):
    root = write_set(tmp_path / "bad", [{"_id": "q", "text": "x"}], {"q": {"d": 1}}, [{"_id": "d", "text": "x"}])
    (root / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq\td\tgood\n", "utf-8")
    with pytest.raises(DatasetError, match=r"test.tsv, line 2: score 'good' is not an integer"):
        load_dataset(root)
    with pytest.raises(DatasetError, match=r"corpus.jsonl not found; a BEIR folder holds"):
        load_dataset(tmp_path)


def test_eval_run_json_and_report(small_set, tmp_path):
    out = tmp_path / "report"
    result = CliRunner().invoke(main, ["eval", "run", "--dataset", str(small_set), "--json", "--out", str(out)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert set(data) >= {"dataset", "encoder", "queries", "relevant_grade", "rankers", "best", "comparisons",
                         "breakdowns"}
    assert data["queries"] == 40 and set(data["rankers"]) == {"bm25", "char_tfidf", "dense", "hybrid", "hybrid_sum", "full"}
    assert data["rankers"]["char_tfidf"]["MRR@10"] > 0.8  # titles find their own abstracts
    assert set(data["breakdowns"]["style"]) == {"short", "long"}
    for name in ("small-metrics.png", "small-deltas.png", "small-by-style.png", "small-report.md",
                 "small.bm25.trec", "small.hybrid.trec"):
        assert (out / name).stat().st_size > 0, name
    png = (out / "small-metrics.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    report = (out / "small-report.md").read_text("utf-8")
    assert "## Paired comparisons against the best ranker" in report and "![metrics](small-metrics.png)" in report


def test_eval_run_refuses_unjudged_queries(small_set):
    with (small_set / "queries.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('\n{"_id": "extra", "text": "没有判断的查询"}')
    result = CliRunner().invoke(main, ["eval", "run", "--dataset", str(small_set), "--ranker", "bm25"])
    assert result.exit_code == 2 and "1 queries have no judgments (extra)" in result.output
    allowed = CliRunner().invoke(main, ["eval", "run", "--dataset", str(small_set), "--ranker", "bm25",
                                        "--allow-missing", "--json"])
    assert json.loads(allowed.stdout)["queries"] == 40


def test_pool_tune_and_calibrate_on_a_training_set(small_graded_set, tmp_path):
    small_set = small_graded_set
    unjudged = tmp_path / "unjudged"
    shutil.copytree(small_set, unjudged)
    shutil.rmtree(unjudged / "qrels")
    pooled = CliRunner().invoke(main, ["eval", "pool", "--dataset", str(unjudged), "--depth", "3",
                                       "--out", str(tmp_path / "pool.json")])
    assert pooled.exit_code == 0, pooled.output
    pool = json.loads((tmp_path / "pool.json").read_text(encoding="utf-8"))
    assert len(pool) == 40 and all(3 <= len(docs) <= 12 for docs in pool.values())

    table = tmp_path / "associations.tsv"
    table.write_text("term\texpansion\tcosine\tcorpus_df\n储能\t蓄电\t0.95\t3\n", encoding="utf-8")
    tuned = CliRunner().invoke(main, ["eval", "tune", "--train", str(small_set), "--held-out", str(small_set),
                                      "--folds", "4", "--associations", str(table)])
    assert tuned.exit_code == 0, tuned.output
    for line in ("small: 40 needs · 4-fold cross-validation by need", "query variant + grid search",
                 "logistic (score)", "expansion cosine ≥ 0.97, 1 a word", "frozen (",
                 "held out, small (40 needs), nDCG@10:", "chosen vs default: Δ", "(not chosen)", "default vs "):
        assert line in tuned.output, line
    assert tuned.output.count("fold 4:") >= 3  # each cross-validated row says what every fold chose

    calibrated = CliRunner().invoke(main, ["eval", "calibrate", "--train", str(small_set), "--folds", "4",
                                           "--out", str(tmp_path / "confidence.json")])
    assert calibrated.exit_code == 0, calibrated.output
    assert "4-fold by need, top 10: 强匹配" in calibrated.output and "cut-offs on all of small" in calibrated.output
    from matching.confidence import Calibration

    assert Calibration.load(tmp_path / "confidence.json").source.startswith("small, 40 needs")
