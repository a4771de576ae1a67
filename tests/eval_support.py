"""Small judged sets in BEIR layout over the demo patents, for the evaluation tests of several modules."""

from __future__ import annotations

import json

import pytest


def write_set(root, queries, qrels, corpus):  # noqa: ANN001, ANN201
    (root / "qrels").mkdir(parents=True)
    (root / "corpus.jsonl").write_text("\n".join(json.dumps(d, ensure_ascii=False) for d in corpus), "utf-8")
    (root / "queries.jsonl").write_text("\n".join(json.dumps(q, ensure_ascii=False) for q in queries), "utf-8")
    (root / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\n" + "".join(
        f"{q}\t{d}\t{g}\n" for q, docs in qrels.items() for d, g in docs.items()), "utf-8")
    return root


def _titles_and_abstracts(corpus):  # noqa: ANN001, ANN202
    titles = [d.text.split(" ", 1)[0] for d in corpus]  # the view joins title and abstract with a space
    documents = [{"_id": d.doc_id, "title": "", "text": d.text.split(" ", 1)[1]} for d in corpus]
    queries = [{"_id": f"Q{i}", "text": title, "style": ("short", "long")[i % 2]} for i, title in enumerate(titles)]
    return queries, documents


@pytest.fixture
def small_set(tmp_path, corpus):  # noqa: ANN001, ANN201
    """Forty demo patents; each query is a patent's first line (its title) with a need style."""
    queries, documents = _titles_and_abstracts(corpus)
    return write_set(tmp_path / "small", queries, {f"Q{i}": {d.doc_id: 1} for i, d in enumerate(corpus)}, documents)


@pytest.fixture
def small_graded_set(tmp_path, corpus):  # noqa: ANN001, ANN201
    """The same, graded like needs-train (0–4): each title's own abstract 4, the next patent judged irrelevant."""
    queries, documents = _titles_and_abstracts(corpus)
    qrels = {f"Q{i}": {d.doc_id: 4, corpus[(i + 1) % len(corpus)].doc_id: 0} for i, d in enumerate(corpus)}
    return write_set(tmp_path / "small", queries, qrels, documents)
