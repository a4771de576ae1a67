"""Jieba-word BM25 (bm25s), with the project's and the user's dictionaries."""

from __future__ import annotations

import hashlib
import io
import logging
import math
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from indexer.hits import Hit
from indexer.lexical import read_json, write_json
from indexer.lexical.chunked import CHUNK_DOCS, PostingsFiles, count_chunks, write_postings
from indexer.lexical.common_rows import CommonRows
from indexer.lexical.postings import COMMON_SHARE, PRUNE_FROM, Postings

if TYPE_CHECKING:
    import bm25s

_WORD = re.compile(r"\w", re.UNICODE)


def _bm25s():  # noqa: ANN202
    import bm25s

    logging.getLogger("bm25s").setLevel(logging.WARNING)  # bm25s sets DEBUG when imported
    return bm25s


class JiebaTokenizer:
    """A private jieba instance (the global one would leak user dictionaries between indexes).

    Building jieba's prefix dictionary takes about a second, so `shared()` reuses one tokenizer per
    set of dictionary files (and their modification times)."""

    @staticmethod
    def shared(user_dicts: tuple[Path, ...] = ()) -> JiebaTokenizer:
        return _shared_tokenizer(tuple((p, p.stat().st_mtime_ns) for p in user_dicts))

    def __init__(self, user_dicts: tuple[Path, ...] = ()) -> None:
        import jieba

        jieba.setLogLevel(logging.WARNING)  # jieba sets its logger to DEBUG when first imported
        self.user_dicts = user_dicts
        self._jieba = jieba.Tokenizer()
        self._jieba.initialize()
        for text in self._dictionaries():
            # jieba would read a '#' comment as a word; dictionaries here may carry comments
            kept = "\n".join(line for line in text.splitlines() if line.strip() and not line.startswith("#"))
            self._jieba.load_userdict(io.StringIO(kept))

    def _dictionaries(self) -> list[str]:
        builtin = resources.files("indexer").joinpath("reference/domain_terms.txt").read_text("utf-8")
        return [builtin] + [path.read_text(encoding="utf-8") for path in self.user_dicts]

    def checksum(self) -> str:
        """Of every dictionary loaded, the built-in one included."""
        digest = hashlib.sha256()
        for text in self._dictionaries():
            digest.update(text.encode("utf-8"))
        return digest.hexdigest()[:16]

    def __call__(self, text: str) -> list[str]:
        return [t.lower() for t in self._jieba.lcut(text) if _WORD.search(t)]


@lru_cache(maxsize=8)
def _shared_tokenizer(stamped: tuple[tuple[Path, int], ...]) -> JiebaTokenizer:
    return JiebaTokenizer(tuple(path for path, _ in stamped))


class Bm25Index:
    kind = "bm25"

    def __init__(self, doc_ids: list[str], model: bm25s.BM25, tokenizer: JiebaTokenizer,
                 common_rows: CommonRows | None = None) -> None:
        self.doc_ids, self.model, self.tokenizer = doc_ids, model, tokenizer
        # bm25s keeps each (word, document) score term-major (scipy CSC: rows ascending); bm25s's own
        # scoring walks every posting of every query word with np.add.at, slow at a million patents
        scores = model.scores
        self.postings = Postings(scores["indptr"], scores["indices"], scores["data"], len(doc_ids),
                                 common_rows=common_rows)

    @classmethod
    def build(
        cls, doc_ids: list[str], texts: list[str], tokenizer: JiebaTokenizer, k1: float = 1.2, b: float = 0.75
    ) -> Bm25Index:
        model = _bm25s().BM25(k1=k1, b=b)
        # Word ids, not words: each id is the vocabulary's own int object, so a document costs one pointer
        # per word (lists of a million documents' word strings took a 1M-patent build past 13 GB).
        vocabulary: dict[str, int] = {"": 0}  # the empty document's token, as bm25s adds it
        ids = [[vocabulary.setdefault(w, len(vocabulary)) for w in tokenizer(t)] or [0] for t in texts]
        model.index((ids, vocabulary), show_progress=False)
        return cls(list(doc_ids), model, tokenizer)

    @staticmethod
    def write(directory: Path, doc_ids: list[str], texts: list[str], tokenizer: JiebaTokenizer, k1: float = 1.2,
              b: float = 0.75, chunk_docs: int = CHUNK_DOCS, prune_from: int = PRUNE_FROM) -> None:
        """`build(...).save(directory)`, the same files, a chunk of documents at a time: memory does not grow
        with the corpus (indexer/lexical/chunked.py). The weights are bm25s's ("lucene" BM25), computed as
        bm25s computes them: idf with math.log in float64 stored as float32, each posting's score in float64
        stored as float32, average length the mean of the token counts (an empty document is one token, "")."""
        directory.mkdir(parents=True, exist_ok=True)
        counted = count_chunks(texts, tokenizer, directory / ".chunks", chunk_docs, vocabulary={"": 0}, empty=("",))
        n_docs = counted.n_docs
        idf = np.asarray([math.log(1 + (n_docs - df + 0.5) / (df + 0.5)) if df else 0.0
                          for df in counted.df.tolist()], dtype=np.float32)
        mean_length = counted.lengths.mean()

        def weigh(counts: sparse.csr_matrix, lengths: np.ndarray) -> sparse.csr_matrix:
            norm = k1 * ((1 - b) + b * lengths / mean_length)
            tf = counts.data.astype(np.float64)
            tfc = tf / (norm[np.repeat(np.arange(len(lengths)), np.diff(counts.indptr))] + tf)
            counts.data = (idf[counts.indices].astype(np.float64) * tfc).astype(np.float32)
            return counts

        # bm25s writes its own parameters and vocabulary; the postings it would save empty are written below
        model = _bm25s().BM25(k1=k1, b=b)
        model.scores = {"data": np.zeros(0, np.float32), "indices": np.zeros(0, np.int32),
                        "indptr": np.zeros(1, np.int64), "num_docs": n_docs}
        model.vocab_dict, model.nonoccurrence_array = counted.vocabulary, None
        model.save(str(directory), allow_pickle=False, show_progress=False)
        common = None
        if n_docs >= prune_from:  # as Postings.save_common: the dense common rows pruned searches read
            common_terms = np.flatnonzero(counted.df > n_docs * COMMON_SHARE)
            np.save(directory / "common-share.npy", np.asarray([COMMON_SHARE]), allow_pickle=False)
            np.save(directory / "common-terms.npy", common_terms, allow_pickle=False)
            common = (common_terms, directory / "common-matrix.npy")
        files = PostingsFiles(*(directory / f"{part}.csc.index.npy" for part in ("indptr", "indices", "data")))
        write_postings(counted, np.arange(len(idf)), weigh, files, common)
        write_json(directory / "doc_ids.json", list(doc_ids))

    def document_frequency(self, token: str) -> int:
        """How many indexed documents contain `token` (0 when unknown)."""
        column = self.model.vocab_dict.get(token)
        if column is None:
            return 0
        return int(self.postings.indptr[column + 1] - self.postings.indptr[column])

    def _terms(self, query: str) -> tuple[np.ndarray, np.ndarray]:
        """Word ids and how often each occurs in the query (a repeated word counts each time, as in bm25s)."""
        ids = [self.model.vocab_dict[t] for t in self.tokenizer(query) if t in self.model.vocab_dict]
        terms, counts = np.unique(np.asarray(ids, dtype=np.int64), return_counts=True)
        return terms, counts.astype(np.float64)

    def scores(self, query: str) -> np.ndarray:
        return self.postings.accumulate(*self._terms(query))

    def search(self, query: str, k: int) -> list[Hit]:
        terms, counts = self._terms(query)
        return self.postings.top_k(self.doc_ids, terms, counts, k) if len(terms) else []

    def save(self, directory: Path) -> None:
        self.model.save(str(directory), allow_pickle=False, show_progress=False)
        write_json(directory / "doc_ids.json", self.doc_ids)
        self.postings.save_common(directory, "common")

    @classmethod
    def load(cls, directory: Path, tokenizer: JiebaTokenizer, mmap: bool = False) -> Bm25Index:
        """`mmap`: the scores stay in the files' pages, shared by every process that serves this index."""
        model = _bm25s().BM25.load(str(directory), allow_pickle=False, show_progress=False, mmap=mmap)
        return cls(read_json(directory / "doc_ids.json"), model, tokenizer,  # type: ignore[arg-type]
                   CommonRows.load(directory, "common", mmap))
