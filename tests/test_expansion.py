"""Query expansion for the lexical rankers (matching/expansion.py)."""

from __future__ import annotations

import numpy as np

from matching.expansion import Association, Expander, active_expander, expansion, nearest_words, write_associations


def test_expansions_keep_the_closest_words_per_term_and_skip_what_the_text_has(tmp_path):
    rows = [Association("鼓包", "膨胀", 0.93, 40), Association("鼓包", "凸起", 0.91, 12),
            Association("鼓包", "变形", 0.87, 300), Association("漏液", "密封", 0.90, 500)]
    expander = Expander(rows, min_cosine=0.9, per_term=1)
    assert expander.expansions(["电池", "鼓包", "漏液", "鼓包"], "电池鼓包漏液") == ["膨胀", "密封"]
    assert expander.expansions(["鼓包"], "鼓包膨胀") == []  # the text says it already
    assert Expander(rows, min_cosine=0.88, per_term=3).expansions(["鼓包"], "") == ["膨胀", "凸起"]
    write_associations(rows, tmp_path / "t.tsv")
    loaded = Expander.load(tmp_path / "t.tsv", min_cosine=0.85, per_term=3)
    assert loaded.expansions(["鼓包"], "") == ["膨胀", "凸起", "变形"] and len(loaded.associations) == 4


def test_nearest_words_leave_out_the_term_itself_and_its_substrings():
    vocabulary = ["噪声", "噪声抑制", "振动", "温度"]
    vectors = np.array([[1, 0, 0], [0.99, 0.14, 0], [0.9, 0.43, 0], [0, 0, 1]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    term_vectors = np.array([[0.98, 0.2, 0]], dtype=np.float32)
    term_vectors /= np.linalg.norm(term_vectors, axis=1, keepdims=True)
    found = nearest_words(["噪声"], term_vectors, vocabulary, vectors, {"振动": 7}, top=2, min_cosine=0.8)
    assert [(a.term, a.expansion, a.corpus_df) for a in found] == [("噪声", "振动", 7)]


def test_the_lexical_rankers_search_with_the_added_words(tmp_path, corpus):
    from indexer.cache import EmbeddingCache
    from indexer.encoders.keyword import KeywordEncoder
    from indexer.store import build_index, load_index
    from matching.retrievers import Bm25Retriever, CharTfidfRetriever, lexical_query

    build_index(tmp_path / "index", list(corpus), KeywordEncoder(), EmbeddingCache(tmp_path / "cache.sqlite"))
    index = load_index(tmp_path / "index", KeywordEncoder())
    need = "外壳老是鼓起来"
    word = corpus[0].text[:6]  # words of one patent: the expanded need now finds it
    plain = lexical_query(index, need)
    before = [h.doc_id for h in CharTfidfRetriever(index).search(need, 3)]
    with expansion(Expander([Association("外壳", word, 0.95, 3)])):
        assert active_expander() is not None
        expanded = lexical_query(index, need)
        after = [h.doc_id for h in CharTfidfRetriever(index).search(need, 3)]
        bm25 = [h.doc_id for h in Bm25Retriever(index).search(need, 3)]
    assert word not in plain and expanded.endswith(word) and active_expander() is None
    assert after[0] == corpus[0].doc_id != (before or [None])[0] and corpus[0].doc_id in bm25
