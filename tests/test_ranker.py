from __future__ import annotations

import random

import pytest

from matching.features import FEATURES
from matching.ranker import DEFAULT_WEIGHTS, GradedPair, LinearRanker, learn_ranker, ndcg_at


def test_default_weights_cover_every_feature():
    assert set(DEFAULT_WEIGHTS) == set(FEATURES)


def test_score_and_contributions():
    ranker = LinearRanker({"dense": 1.0, "char_tfidf": 2.0, "region": 0.5})
    features = {"dense": 0.5, "char_tfidf": 0.25, "region": 1.0, "sleeping": 1.0}
    assert ranker.score(features) == pytest.approx(0.5 + 0.5 + 0.5)
    assert [n for n, _ in ranker.contributions(features)] == ["dense", "char_tfidf", "region"]  # zeros left out


def test_save_load_round_trip_and_unknown_feature(tmp_path):
    path = tmp_path / "ranker.json"
    LinearRanker({"dense": 0.3}, "learned").save(path)
    assert LinearRanker.load(path) == LinearRanker({"dense": 0.3}, "learned")
    path.write_text('{"weights": {"colour": 1}}', encoding="utf-8")
    with pytest.raises(ValueError, match="colour"):
        LinearRanker.load(path)


def test_ndcg():
    assert ndcg_at([2, 1, 0]) == 1.0 and ndcg_at([0, 0]) == 0.0 and ndcg_at([0, 2]) < 1.0


def pairs(relevant_feature: str, needs: int = 30, per_need: int = 8, seed: int = 0) -> list[GradedPair]:
    rng = random.Random(seed)
    out = []
    for need in range(needs):
        for _ in range(per_need):
            features = {f: rng.random() for f in FEATURES}
            grade = 2 if features[relevant_feature] > 0.75 else (1 if features[relevant_feature] > 0.5 else 0)
            out.append(GradedPair(str(need), features, grade))
    return out


def test_learned_ranker_used_only_when_it_wins():
    # Relevance follows 'region', which the default barely weighs: the learned ranker must win.
    won = learn_ranker(pairs("region"))
    assert won.learned_wins and won.learned_ndcg > won.default_ndcg
    assert won.ranker.source == "learned" and max(won.ranker.weights, key=won.ranker.weights.get) == "region"
    # Relevance follows exactly what the default ranks by: nothing to gain, the default stays.
    kept = learn_ranker(pairs("char_tfidf"), LinearRanker({"char_tfidf": 1.0}))
    assert not kept.learned_wins and kept.ranker == LinearRanker({"char_tfidf": 1.0})
    assert "keeping the default" in kept.message


def test_too_little_feedback_keeps_the_default():
    outcome = learn_ranker(pairs("region", needs=3))
    assert not outcome.learned_wins and "not enough feedback" in outcome.message
