"""Would a learned ranker beat the default? Judged sets stand in for match feedback.

Each judged (query, document) pair becomes a graded pair with the full ranker's features; grades
on a 0–4 set (two judges summed) are halved to the feedback scale 0–2. matching.ranker.learn_ranker
then cross-validates by query, exactly as `patent-match match learn` does on platform feedback.
"""

from __future__ import annotations

from eval.dataset import Dataset
from eval.rankers import FullRanker
from matching.candidates import Candidate
from matching.features import phrase_features, policy_features
from matching.ranker import GradedPair, LearnOutcome, learn_ranker


def judged_pairs(dataset: Dataset, ranker: FullRanker) -> list[GradedPair]:
    top = max(g for grades in dataset.qrels.values() for g in grades.values())
    scale = 2 / top if top > 2 else 1
    judged = [q for q in dataset.queries if q in dataset.qrels]
    candidate_lists = ranker.candidates.generate_many([dataset.queries[q].text for q in judged])
    pairs = []
    for qid, candidates in zip(judged, candidate_lists, strict=True):
        query = dataset.queries[qid]
        need, _ = ranker.profiler.need_profile(query.text, query.attributes.get("industry"))
        by_id = {c.doc_id: c for c in candidates}
        for doc_id, grade in dataset.qrels[qid].items():
            if doc_id not in ranker.patents:
                continue
            candidate, patent = by_id.get(doc_id, Candidate(doc_id, {}, {})), ranker.patents[doc_id]
            features = (candidate.retrieval_features(ranker.ranker.fusion)
                        | phrase_features(need.text, candidate.ranks, patent.wording) | policy_features(need, patent))
            pairs.append(GradedPair(qid, features, round(grade * scale)))
    return pairs


def learn_from_judgments(dataset: Dataset, ranker: FullRanker, folds: int = 5) -> LearnOutcome:
    return learn_ranker(judged_pairs(dataset, ranker), ranker.ranker, folds=folds)
