"""A static query model fitted into another encoder's space (indexer/train_queries.py, indexer/encoders/mapped.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("sentence_transformers", reason="fitting a query model needs the st extra")

from indexer.cache import EmbeddingCache  # noqa: E402
from indexer.distill import distill_static_model  # noqa: E402
from indexer.embed import embed_queries  # noqa: E402
from indexer.encoders import l2_normalize, load_encoder  # noqa: E402
from indexer.encoders.keyword import KeywordEncoder  # noqa: E402
from indexer.encoders.mapped import QUERY_SPACE, MappedQueryEncoder, write_query_space  # noqa: E402
from indexer.store import build_index, load_index  # noqa: E402
from indexer.train_queries import (  # noqa: E402
    RetrievalTerm,
    fit_query_model,
    query_texts,
    text_owners,
    write_query_model_card,
)


class RotatedKeyword(KeywordEncoder):
    """A teacher whose space is not the start model's: keyword vectors under a fixed random rotation."""

    def __init__(self) -> None:
        super().__init__()
        self.id = "keyword-rotated"
        self.rotation = np.linalg.qr(np.random.default_rng(0).normal(size=(self.dim, self.dim)))[0].astype(np.float32)

    def _encode(self, texts: list[str]) -> np.ndarray:
        return l2_normalize(super()._encode(texts) @ self.rotation)


@pytest.fixture(scope="module")
def start_model(tmp_path_factory, corpus):
    directory = tmp_path_factory.mktemp("models") / "static-keyword"
    distill_static_model(KeywordEncoder(), [d.text for d in corpus], directory, size=2000)
    return directory


def records_of(corpus) -> list[dict]:  # noqa: ANN001
    return [{"_id": d.doc_id, "title": d.text.split(" ", 1)[0], "text": d.text.split(" ", 1)[1]} for d in corpus]


def test_query_texts_are_titles_and_sentences_without_the_excluded(corpus):
    records = records_of(corpus)
    texts, titles = query_texts(records)
    assert titles == len({r["title"] for r in records}) and len(texts) > titles
    assert all(12 <= len(t) <= 120 for t in texts[titles:])
    kept, _ = query_texts(records, exclude=frozenset({records[0]["title"], texts[titles]}))
    assert records[0]["title"] not in kept and texts[titles] not in kept
    assert query_texts(records, seed=1)[0] != texts  # sentences are drawn, titles are not
    assert query_texts(records, seed=1)[0][:titles] == texts[:titles]


def test_fitting_moves_the_queries_into_the_teachers_space(start_model, corpus, tmp_path):
    teacher = RotatedKeyword()
    texts, titles = query_texts(records_of(corpus))
    cache = EmbeddingCache(tmp_path / "cache.sqlite")
    seen = []
    report = fit_query_model(start_model, teacher, "rotated", texts, tmp_path / "fitted", cache, epochs=30,
                             batch_size=32, learning_rate=0.05, held_back=0.2, titles=titles,
                             progress=lambda label, done, total: seen.append((label.split(" ")[0], done, total)))
    assert report.cosine_start < 0.3 < report.cosine_end  # unrelated spaces, then close
    assert ("teacher", len(texts), len(texts)) in seen and seen[-1][1:] == (report.steps, report.steps)
    assert cache.count(teacher.id) == len(texts)  # the teacher's vectors are cached: a second fit encodes none
    assert json.loads((tmp_path / "fitted" / QUERY_SPACE).read_text())["document_encoder_id"] == teacher.id

    mapped = MappedQueryEncoder(tmp_path / "fitted", documents=teacher)
    assert (mapped.id, mapped.dim) == (teacher.id, teacher.dim) and mapped.query_role != "query"
    fitted = embed_queries(mapped, texts[:5], cache)
    np.testing.assert_allclose(fitted, mapped.encode_queries(texts[:5]), rtol=1e-5)
    # The same id, and still the teacher's own query vectors. atol: cached vectors were encoded in other batches,
    # which moves components near zero by ~1e-8 (seen: 7e-9 on 0.0004, a relative 2e-5)
    np.testing.assert_allclose(embed_queries(teacher, texts[:5], cache), teacher.encode_queries(texts[:5]),
                               rtol=1e-5, atol=1e-6)
    write_query_model_card(report, {"needs dense nDCG@10, fitted": 0.5}, tmp_path / "fitted" / "MODEL_CARD.md")
    card = (tmp_path / "fitted" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert f"{report.cosine_end:.3f} after" in card and "| 0.500 |" in card


def test_each_text_is_owned_by_the_patent_it_comes_from(corpus):
    records = records_of(corpus)
    texts, titles = query_texts(records)
    owners = text_owners(texts + ["一种没有出处的标题"], records)
    assert owners[-1] is None and None not in owners[:-1]
    for text, row in zip(texts, owners[:-1], strict=True):
        assert text == records[row]["title"].strip() or text in records[row]["text"]


def test_the_retrieval_term_teaches_queries_to_rank_their_own_patent(start_model, corpus, tmp_path):
    """Against the same fit without it: held-back texts find their own patent among the documents more often,
    and the card says what was added. The documents here lie in another space than the teacher's query vectors
    (unrotated keyword vectors), so only the retrieval term can teach the ranking."""
    teacher = RotatedKeyword()
    records = records_of(corpus)
    texts, titles = query_texts(records)
    documents = KeywordEncoder().encode_documents([f"{r['title']} {r['text']}" for r in records])
    fits = {}
    for weight in (0.0, 1.0):
        fits[weight] = fit_query_model(start_model, teacher, "rotated", texts, tmp_path / f"fitted-{weight}",
                                       epochs=10, batch_size=32, learning_rate=0.05, held_back=0.3, titles=titles,
                                       retrieval=RetrievalTerm(documents, text_owners(texts, records), weight))
    (start, plain), (same_start, trained) = fits[0.0].own_patent_mrr, fits[1.0].own_patent_mrr
    assert start == same_start and fits[0.0].retrieval_weight == 0.0  # the same held-back texts, the same start
    assert trained > plain + 0.3, (fits[0.0], fits[1.0])  # the cosine alone pulls them into the rotated space
    write_query_model_card(fits[1.0], {}, tmp_path / "card.md")
    assert "cross-entropy" in (tmp_path / "card.md").read_text(encoding="utf-8")


def test_a_query_model_serves_the_document_encoders_index(start_model, corpus, tmp_path):
    model = tmp_path / "queries"
    fit_query_model(start_model, KeywordEncoder(), "keyword", [d.text[:40] for d in corpus], model, epochs=1)
    encoder = load_encoder(str(model))
    assert isinstance(encoder, MappedQueryEncoder) and encoder.id == KeywordEncoder().id
    np.testing.assert_allclose(encoder.encode_documents([corpus[0].text]),
                               KeywordEncoder().encode_documents([corpus[0].text]), rtol=1e-6)
    build_index(tmp_path / "index", list(corpus), KeywordEncoder(), None)
    index = load_index(tmp_path / "index", encoder)  # no rebuild: the documents are the teacher's
    hits = index.dense_search(encoder.encode_queries([corpus[3].text]), 5)[0]
    assert hits[0].doc_id == corpus[3].doc_id


def test_a_query_model_whose_teacher_changed_is_refused_in_chinese(start_model, tmp_path):
    model = tmp_path / "queries"
    fit_query_model(start_model, KeywordEncoder(), "keyword", ["一种锂电池的均衡控制方法"], model, epochs=1,
                    held_back=0)
    write_query_space(model, "keyword", "keyword-crc32-128")  # as if fitted on another version
    with pytest.raises(ValueError, match="重新训练"):
        load_encoder(str(model)).encode_documents(["一种电池"])
