"""Lexical scores against independent reference computations."""

from __future__ import annotations

import math
from collections import Counter

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from indexer.lexical.bm25 import Bm25Index, JiebaTokenizer
from indexer.lexical.char_tfidf import CharTfidfIndex

DOCS = ["一种锂电池负极材料及其制备方法", "一种光伏逆变器的低电压穿越控制方法", "锂电池储能系统的主动均衡电路",
        "一种挖掘机动臂势能回收系统", "电池管理系统中荷电状态的估计方法"]
IDS = [f"d{i}" for i in range(len(DOCS))]


def test_char_tfidf_equals_scikit_learns_cosine_scores():
    index = CharTfidfIndex.build(IDS, DOCS, (1, 2), sublinear_tf=True)
    reference = TfidfVectorizer(analyzer="char", ngram_range=(1, 2), sublinear_tf=True)
    matrix = reference.fit_transform(DOCS)
    query = "锂电池的均衡管理"
    expected = (matrix @ reference.transform([query]).T).toarray().ravel()
    np.testing.assert_allclose(index.scores(query), expected, rtol=1e-5, atol=1e-7)
    assert [h.doc_id for h in index.search(query, 2)] == [IDS[i] for i in np.argsort(-expected)[:2]]


def test_bm25_equals_the_lucene_formula():
    tokenizer = JiebaTokenizer.shared()
    index = Bm25Index.build(IDS, DOCS, tokenizer, k1=1.2, b=0.75)
    docs = [tokenizer(d) for d in DOCS]
    avgdl = sum(map(len, docs)) / len(docs)
    query = tokenizer("锂电池储能均衡")

    def lucene(doc: list[str]) -> float:  # Lucene ≥ 8: idf · tf / (tf + k1·(1 − b + b·|d|/avgdl))
        tf = Counter(doc)
        score = 0.0
        for term in set(query):
            df = sum(term in d for d in docs)
            if tf[term]:
                idf = math.log(1 + (len(docs) - df + 0.5) / (df + 0.5))
                score += idf * tf[term] / (tf[term] + 1.2 * (1 - 0.75 + 0.75 * len(doc) / avgdl))
        return score

    np.testing.assert_allclose(index.scores("锂电池储能均衡"), [lucene(d) for d in docs], rtol=1e-5)


def test_ties_are_kept():
    index = CharTfidfIndex.build(["a", "b", "c"], ["电池", "电池", "光伏"])
    hits = index.search("电池", 1)
    assert [h.doc_id for h in hits] == ["a", "b"] and hits[0].score == hits[1].score


def test_a_query_with_no_known_terms_finds_nothing():
    index = CharTfidfIndex.build(IDS, DOCS)
    assert index.search("ＸＹＺ", 3) == []
    assert Bm25Index.build(IDS, DOCS, JiebaTokenizer.shared()).search("完全无关词汇", 3) == []


def _zipf_corpus(n: int, seed: int = 0) -> list[str]:
    """Texts over 300 characters with Zipf-like frequencies: the first few occur in nearly every text."""
    rng = np.random.default_rng(seed)
    alphabet = [chr(0x4E00 + i * 37) for i in range(300)]
    p = 1 / np.arange(1, 301) ** 1.1
    return ["".join(rng.choice(alphabet, size=rng.integers(20, 80), p=p / p.sum())) for _ in range(n)]


def test_pruned_top_k_scores_exactly_and_finds_the_exact_top_k():
    """On a large index the common terms are looked up for the best candidates only: every hit carries its
    score (the common terms' part read at half precision: every weight is positive, so the sum is within
    float16's relative error 2⁻¹¹, plus the 4-decimal rounding), and the hits are the exact top k unless a
    left-out document needed the common terms."""
    from indexer.lexical import top_hits

    texts = _zipf_corpus(1500)
    ids = [f"d{i}" for i in range(len(texts))]
    tfidf = CharTfidfIndex.build(ids, texts)
    bm25 = Bm25Index.build(ids, texts, JiebaTokenizer.shared())
    queries = _zipf_corpus(40, seed=1) + [t[:12] for t in texts[:40]]
    for index in (tfidf, bm25):
        index.postings.prune_from, index.postings.candidates, index.postings.common_share = 0, 300, 0.5
        found = wanted = 0
        for query in queries:
            exact = top_hits(ids, index.scores(query), 20)
            hits = index.search(query, 20)
            scores = dict(zip(ids, np.round(index.scores(query), 4), strict=True))
            assert all(np.isclose(h.score, scores[h.doc_id], rtol=2**-11, atol=1e-4) for h in hits)  # not estimated
            assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
            found += len({h.doc_id for h in hits} & {h.doc_id for h in exact})
            wanted += len(exact)
        assert index.postings.checks["pruned"] > len(queries) // 2  # most searches took the pruned path
        assert found / wanted > 0.95


def test_postings_rows_are_ascending():
    """Looking a document up in a common term's row is a binary search."""
    texts = _zipf_corpus(300)
    ids = [f"d{i}" for i in range(len(texts))]
    for index in (CharTfidfIndex.build(ids, texts), Bm25Index.build(ids, texts, JiebaTokenizer.shared())):
        p = index.postings
        rows = np.repeat(np.arange(len(p.indptr) - 1), np.diff(p.indptr))
        assert np.all((np.diff(p.indices) > 0) | (np.diff(rows) > 0))


def test_mapped_postings_answer_as_read_ones(tmp_path):
    """Serving processes map the lexical arrays (shared pages) instead of reading them."""
    texts = _zipf_corpus(200)
    ids = [f"d{i}" for i in range(len(texts))]
    CharTfidfIndex.build(ids, texts).save(tmp_path / "tfidf")
    Bm25Index.build(ids, texts, JiebaTokenizer.shared()).save(tmp_path / "bm25")
    tfidf = [CharTfidfIndex.load(tmp_path / "tfidf", mmap=m) for m in (False, True)]
    bm25 = [Bm25Index.load(tmp_path / "bm25", JiebaTokenizer.shared(), mmap=m) for m in (False, True)]
    assert isinstance(tfidf[1].postings.data.base, np.memmap) and isinstance(bm25[1].postings.data.base, np.memmap)
    for read, mapped in (tfidf, bm25):
        for query in texts[:20]:
            assert read.search(query[:10], 10) == mapped.search(query[:10], 10)


def test_a_query_of_common_terms_only_is_walked_exactly():
    """With no rarer term to pick candidates by, the pruned path would pick arbitrary documents."""
    from indexer.lexical import top_hits

    texts = _zipf_corpus(600)
    ids = [f"d{i}" for i in range(len(texts))]
    index = CharTfidfIndex.build(ids, texts)
    index.postings.prune_from, index.postings.candidates, index.postings.common_share = 0, 50, 0.0
    for query in texts[:10]:
        assert index.search(query[:8], 10) == top_hits(ids, index.scores(query[:8]), 10)
    assert index.postings.checks == {"walked": 10, "pruned": 0}


def test_common_rows_give_each_documents_common_term_weights():
    """The dense copy of the common terms holds the term-major postings' weights at half precision."""
    from indexer.lexical.common_rows import CommonRows

    texts = _zipf_corpus(400)
    index = CharTfidfIndex.build([f"d{i}" for i in range(len(texts))], texts)
    p = index.postings
    p.common_share = 0.2
    rows = CommonRows.of(p)
    dense = index.term_major().toarray()
    assert set(rows.terms) == set(np.flatnonzero((dense > 0).sum(axis=1) > 0.2 * len(texts)))
    rng = np.random.default_rng(0)
    docs = np.sort(rng.choice(len(texts), 60, replace=False))
    terms = rng.choice(rows.terms, 7, replace=False)
    weights = rng.random(7)
    assert np.allclose(rows.weights(docs, terms, weights), weights @ dense[terms][:, docs], rtol=2**-11, atol=0)
    assert rows.weights(docs[:0], terms, weights).shape == (0,)


def test_common_rows_are_saved_for_large_indexes_and_mapped_when_served(tmp_path):
    texts = _zipf_corpus(300)
    ids = [f"d{i}" for i in range(len(texts))]
    tfidf, bm25 = CharTfidfIndex.build(ids, texts), Bm25Index.build(ids, texts, JiebaTokenizer.shared())
    for index, name in ((tfidf, "tfidf"), (bm25, "bm25")):
        index.postings.prune_from = 10_000  # more than this index holds: nothing to save
        index.save(tmp_path / f"small-{name}")
        assert not list((tmp_path / f"small-{name}").glob("common-*"))
        index.postings.prune_from, index.postings.candidates, index.postings.common_share = 0, 40, 0.3
        index.save(tmp_path / name)
    loaded = [CharTfidfIndex.load(tmp_path / "tfidf", mmap=True),
              Bm25Index.load(tmp_path / "bm25", JiebaTokenizer.shared(), mmap=True)]
    for built, served in zip((tfidf, bm25), loaded, strict=True):
        assert isinstance(served.postings.common_rows.matrix.base, np.memmap)
        served.postings.prune_from, served.postings.candidates, served.postings.common_share = 0, 40, 0.3
        rows = served.postings.common_rows
        for query in texts[:15]:
            assert served.search(query[:10], 10) == built.search(query[:10], 10)
        assert served.postings.common_rows is rows  # mapped, not rebuilt
        assert served.postings.checks["pruned"] > 0


def test_accumulating_in_several_groups_sums_the_same(monkeypatch):
    """A walk over every posting is summed a few million postings at a time; the groups add up."""
    from indexer.lexical import postings as module

    texts = _zipf_corpus(300)
    index = CharTfidfIndex.build([f"d{i}" for i in range(len(texts))], texts)
    query = index.vectorize([texts[0]])
    whole = index.postings.accumulate(query.indices, query.data)
    monkeypatch.setattr(module, "ACCUMULATE_CHUNK", 50)
    assert len(np.unique(np.cumsum(np.diff(index.postings.indptr)[query.indices]) // 50)) > 3
    assert np.allclose(index.postings.accumulate(query.indices, query.data), whole, rtol=1e-6, atol=0)
    assert whole.max() > 0


def test_best_positive_scores_are_the_m_largest():
    """The sampled threshold only narrows what is partitioned: the result is the exact top m."""
    from indexer.lexical.postings import best_positive

    rng = np.random.default_rng(5)
    cases = [rng.random(50_000) * (rng.random(50_000) < 0.6),  # many zeros
             np.sort(rng.random(50_000)),  # ascending: a strided sample sees a skewed picture
             np.r_[np.zeros(49_990), rng.random(10)],  # fewer positive scores than m
             np.round(rng.random(50_000), 2)]  # many ties
    for scores in cases:
        for m in (1, 100, 3_000):
            found = best_positive(scores, m)
            positive = np.flatnonzero(scores > 0)
            assert list(found) == sorted(found) and len(found) == min(m, len(positive))
            assert np.all(scores[found] > 0)
            expected = np.sort(scores[positive])[::-1][:m]
            assert np.array_equal(np.sort(scores[found])[::-1], expected)
