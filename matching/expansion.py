"""Query expansion for the lexical rankers: the words enterprises write → the words patents write.

Enterprises write 鼓包, 漏液, 噪音大; patents write 膨胀, 密封, 噪声. Character TF-IDF and BM25 find
a patent only through shared strings, so a need in enterprise words misses it. An association table
maps a word to corpus words with a close meaning; the lexical rankers search with the need's text
plus those words. The dense ranker is not expanded: it compares meanings already.

The table is mined (`patent-match terms associate`) from embedding neighbours: each word — every
corpus word, and every word of the training needs — is embedded by the configured encoder, and
its nearest corpus words above a cosine threshold become its expansions, each row keeping its
evidence (the cosine and the corpus document frequency) for review. Whether expansion helps is
measured on the training needs with cross-validation (`patent-match eval tune`), never on the sets
we report.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path

import numpy as np

HEADER = ["term", "expansion", "cosine", "corpus_df"]


@dataclass(frozen=True)
class Association:
    term: str
    expansion: str
    cosine: float
    corpus_df: int


class Expander:
    def __init__(self, associations: Sequence[Association], min_cosine: float = 0.0, per_term: int = 2) -> None:
        self.associations = tuple(associations)
        self.table: dict[str, list[str]] = {}
        for a in sorted(associations, key=lambda a: -a.cosine):
            if a.cosine >= min_cosine and len(self.table.setdefault(a.term, [])) < per_term:
                self.table[a.term].append(a.expansion)
        self.min_cosine, self.per_term = min_cosine, per_term

    def expansions(self, tokens: Sequence[str], text: str) -> list[str]:
        """Each token's associated words that the text does not already contain, first come first kept."""
        found = []
        for token in dict.fromkeys(tokens):
            found += [w for w in self.table.get(token, ()) if w not in text and w not in found]
        return found

    @classmethod
    def load(cls, path: Path, min_cosine: float = 0.0, per_term: int = 2) -> Expander:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.DictReader(handle, delimiter="\t"))
        return cls([Association(r["term"], r["expansion"], float(r["cosine"]), int(r["corpus_df"])) for r in rows],
                   min_cosine, per_term)


def write_associations(associations: Sequence[Association], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(HEADER)
        for a in associations:
            writer.writerow([a.term, a.expansion, f"{a.cosine:.4f}", a.corpus_df])


def nearest_words(terms: Sequence[str], term_vectors: np.ndarray, vocabulary: Sequence[str],
                  vocabulary_vectors: np.ndarray, document_frequency: dict[str, int], top: int = 3,
                  min_cosine: float = 0.8, chunk: int = 2048) -> list[Association]:
    """Each term's `top` nearest vocabulary words (unit vectors; itself and words containing it or contained in it
    left out, since character matching finds those already)."""
    found = []
    for start in range(0, len(terms), chunk):
        similarities = term_vectors[start:start + chunk] @ vocabulary_vectors.T
        for row, term in enumerate(terms[start:start + chunk]):
            order = np.argsort(-similarities[row])[:top * 4 + 4]
            kept = 0
            for j in order:
                word, cosine = vocabulary[j], float(similarities[row, j])
                if cosine < min_cosine or kept == top:
                    break
                if word in term or term in word:
                    continue
                found.append(Association(term, word, cosine, document_frequency.get(word, 0)))
                kept += 1
    return found


# The expander the lexical rankers use; evaluations switch it for one block (eval/tuning.py), the
# platform sets it from its settings when it loads the matcher.
_active: ContextVar[Expander | None] = ContextVar("expander", default=None)


@contextmanager
def expansion(expander: Expander | None) -> Iterator[None]:
    token = _active.set(expander)
    try:
        yield
    finally:
        _active.reset(token)


def active_expander() -> Expander | None:
    return _active.get()


def mine_associations(corpus_texts: Sequence[str], need_texts: Sequence[str], encoder, cache=None,  # noqa: ANN001
                      vocabulary_size: int = 20_000, top: int = 3, min_cosine: float = 0.8,
                      progress: bool = False) -> list[Association]:
    """Neighbours of every corpus word and every word of `need_texts` among the corpus words."""
    from indexer.distill import mine_vocabulary
    from indexer.embed import embed_documents
    from indexer.lexical.bm25 import JiebaTokenizer
    from indexer.text import normalize

    words, _ = mine_vocabulary(list(corpus_texts), vocabulary_size)
    vocabulary = [w for w in words if len(w) > 1]
    tokenizer = JiebaTokenizer.shared()
    document_frequency: dict[str, int] = {}
    for text in corpus_texts:
        for word in set(tokenizer(normalize(text))):
            document_frequency[word] = document_frequency.get(word, 0) + 1
    need_words = list(dict.fromkeys(w for t in need_texts for w in tokenizer(normalize(t))
                                    if len(w) > 1 and not w.isascii() and w not in set(vocabulary)))
    vectors, _ = embed_documents(encoder, vocabulary + need_words, cache, batch_size=64, progress=progress)
    vocabulary_vectors = vectors[:len(vocabulary)]
    return nearest_words(vocabulary + need_words, vectors, vocabulary, vocabulary_vectors, document_frequency, top,
                         min_cosine)
