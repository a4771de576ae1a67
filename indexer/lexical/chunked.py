"""Lexical postings built a chunk of documents at a time, so that a build's memory does not grow with the corpus.

A one-shot build held every document's terms and the whole weighted matrix, several copies of it, at
once: a 1M-patent build peaked at 17 GB. Here:
1. `count_chunks` counts each chunk's terms and spills the counts to scratch files, keeping only the
   vocabulary (ids in order of first appearance), each term's document frequency and each document's
   length;
2. `write_postings` weighs each chunk with the corpus-wide statistics (idf, mean length) and spills it
   term-major, then merges: block of terms by block of terms, each term's postings are its chunks'
   postings in corpus order (so document ids stay ascending), written straight to the final .npy files.
Memory is one chunk plus one block plus the vocabulary, whatever the corpus size. The arrays written are
the ones the one-shot builds produce, bit for bit (tests/test_lexical_chunked.py), so saved indexes,
their loaders and search results are unchanged.
"""

from __future__ import annotations

import shutil
from array import array
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from scipy import sparse

CHUNK_DOCS = 20_000  # documents counted and weighed at a time (~8M character n-gram postings)
MERGE_POSTINGS = 16_000_000  # postings assembled in memory per block of terms in the merge


@dataclass
class Counted:
    """Pass 1 over a corpus: what the weights need, with the counts themselves spilled to `scratch`."""

    vocabulary: dict[str, int]  # term → id, in order of first appearance in the corpus
    df: np.ndarray  # documents holding each term, by id
    lengths: np.ndarray  # terms in each document (with repeats)
    starts: list[int]  # first document of each chunk
    scratch: Path

    @property
    def n_docs(self) -> int:
        return len(self.lengths)


def count_chunks(texts: Sequence[str], terms_of: Callable[[str], list[str]], scratch: Path, chunk_docs: int,
                 vocabulary: dict[str, int] | None = None, empty: tuple[str, ...] = ()) -> Counted:
    """`terms_of(text)` in order; a document without terms counts as `empty` (BM25's empty token).
    Each document's counts are kept sorted by term id, as CountVectorizer sorts them before weighing, so
    that its weights are summed for its norm in the one-shot build's order (the sum is in double precision,
    so another order would rarely change a bit; this one never does)."""
    vocabulary = {} if vocabulary is None else vocabulary
    df = np.zeros(len(vocabulary), dtype=np.int64)
    lengths = np.zeros(len(texts), dtype=np.int64)
    starts = list(range(0, len(texts), chunk_docs))
    scratch.mkdir(parents=True, exist_ok=True)
    for number, start in enumerate(starts):
        indices, counts, indptr = array("i"), array("i"), array("q", [0])  # 4 bytes a posting, not a list's 8 + int
        for offset, text in enumerate(texts[start:start + chunk_docs]):
            terms = terms_of(text) or list(empty)
            lengths[start + offset] = len(terms)
            counter = Counter(terms)  # keys in order of first appearance: new terms get ids in that order
            indices.extend([vocabulary.setdefault(term, len(vocabulary)) for term in counter])
            counts.extend(counter.values())
            indptr.append(len(indices))
        matrix = sparse.csr_matrix((np.frombuffer(counts, dtype=np.int32).astype(np.float32),
                                    np.frombuffer(indices, dtype=np.int32), np.frombuffer(indptr, dtype=np.int64)),
                                   shape=(len(indptr) - 1, len(vocabulary)))
        del indices, counts, indptr
        matrix.sort_indices()
        df = np.concatenate([df, np.zeros(len(vocabulary) - len(df), dtype=np.int64)])
        df += np.bincount(matrix.indices, minlength=len(vocabulary))
        _save_parts(scratch / f"counts-{number}", matrix.indptr, matrix.indices, matrix.data)
    return Counted(vocabulary, df, lengths, starts, scratch)


@dataclass(frozen=True)
class PostingsFiles:
    """Where the term-major arrays go, and their index types (those of the one-shot build's arrays)."""

    indptr: Path
    indices: Path
    data: Path
    indptr_dtype: type = np.int64
    indices_dtype: type = np.int32


def write_postings(counted: Counted, final_id: np.ndarray, weigh: Callable[[sparse.csr_matrix, np.ndarray],
                   sparse.csr_matrix], files: PostingsFiles, common: tuple[np.ndarray, Path] | None = None,
                   merge_postings: int | None = None) -> None:
    """Term-major postings of every chunk, weighed by `weigh(counts, lengths)` (documents × final term ids,
    float32, rows in the one-shot order), merged into `files`. `final_id[i]`: the saved id of term i.
    `common`: (ascending saved ids of the common terms, path) also writes CommonRows' dense matrix."""
    n_terms, n_docs = len(final_id), counted.n_docs
    common_file = None
    if common is not None:
        common_terms, common_path = common
        column_of = np.full(n_terms, -1, dtype=np.int64)
        column_of[common_terms] = np.arange(len(common_terms))
        common_file = _open_npy(common_path, np.float16, (n_docs, len(common_terms)))
    try:
        for number, start in enumerate(counted.starts):
            indptr, indices, data = _load_parts(counted.scratch / f"counts-{number}")
            rows = len(indptr) - 1
            # the ids change, the order within each document stays (the one-shot build's order of summing)
            counts = sparse.csr_matrix((data, final_id[indices].astype(np.int32), indptr), shape=(rows, n_terms))
            weighted = weigh(counts, counted.lengths[start:start + rows])
            if common_file is not None:
                block = np.zeros((rows, len(common_terms)), dtype=np.float16)
                columns = column_of[weighted.indices]
                kept = columns >= 0
                block[np.repeat(np.arange(rows), np.diff(weighted.indptr))[kept], columns[kept]] = weighted.data[kept]
                common_file.write(block.tobytes())
            by_term = weighted.tocsc()  # canonical: each term's documents ascending
            _save_parts(counted.scratch / f"terms-{number}", by_term.indptr.astype(np.int64), by_term.indices,
                        by_term.data)
            shutil.rmtree(counted.scratch / f"counts-{number}")
    finally:
        if common_file is not None:
            common_file.close()
    df = np.empty(n_terms, dtype=np.int64)
    df[final_id] = counted.df
    _merge(counted, df, files, merge_postings or MERGE_POSTINGS)


def _merge(counted: Counted, df: np.ndarray, files: PostingsFiles, merge_postings: int) -> None:
    """Each block of terms: its postings from every chunk, placed by term then chunk, appended to the files."""
    indptr = np.zeros(len(df) + 1, dtype=files.indptr_dtype)
    np.cumsum(df, out=indptr[1:])
    np.save(files.indptr, indptr, allow_pickle=False)
    parts = [counted.scratch / f"terms-{number}" for number in range(len(counted.starts))]
    total = int(indptr[-1])
    with _open_npy(files.indices, files.indices_dtype, (total,)) as out_indices, \
            _open_npy(files.data, np.float32, (total,)) as out_data:
        first = 0
        while first < len(df):
            # the block's last term: as many as fit in merge_postings, at least one
            last = max(first + 1, int(np.searchsorted(indptr, indptr[first] + merge_postings, side="right")) - 1)
            size = int(indptr[last] - indptr[first])
            block_indices = np.empty(size, dtype=files.indices_dtype)
            block_data = np.empty(size, dtype=np.float32)
            filled = (indptr[first:last] - indptr[first]).astype(np.int64)  # next free slot of each term
            for part, doc_offset in zip(parts, counted.starts, strict=True):
                spans = _read_part(part / "indptr.npy", first, last + 1)
                lengths = np.diff(spans)
                lo, hi = int(spans[0]), int(spans[-1])
                term = np.repeat(np.arange(last - first), lengths)
                target = filled[term] + np.arange(hi - lo) - (spans[:-1] - lo)[term]
                documents = _read_part(part / "indices.npy", lo, hi).astype(files.indices_dtype)
                block_indices[target] = documents + doc_offset
                block_data[target] = _read_part(part / "data.npy", lo, hi)
                filled += lengths
            out_indices.write(block_indices.tobytes())
            out_data.write(block_data.tobytes())
            first = last
    shutil.rmtree(counted.scratch)


def _save_parts(directory: Path, indptr: np.ndarray, indices: np.ndarray, data: np.ndarray) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, part in (("indptr", indptr), ("indices", indices), ("data", data)):
        np.save(directory / f"{name}.npy", part, allow_pickle=False)


def _load_parts(directory: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return tuple(np.load(directory / f"{name}.npy", allow_pickle=False)
                 for name in ("indptr", "indices", "data"))  # type: ignore[return-value]


def _read_part(path: Path, lo: int, hi: int) -> np.ndarray:
    """Elements lo..hi of a saved 1-D array, read (not mapped: mapped pages would count as this process's
    memory until unmapped)."""
    with path.open("rb") as handle:
        version = np.lib.format.read_magic(handle)
        read_header = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
        _, _, dtype = read_header(handle)
        handle.seek(handle.tell() + lo * dtype.itemsize)
        return np.fromfile(handle, dtype=dtype, count=hi - lo)


def _open_npy(path: Path, dtype: type, shape: tuple[int, ...]) -> BinaryIO:
    """A .npy file of `shape` whose header is written; the caller appends the elements in C order."""
    handle = path.open("wb")
    header = {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)), "fortran_order": False,
              "shape": tuple(int(n) for n in shape)}  # as np.save writes it, byte for byte
    np.lib.format.write_array_header_1_0(handle, header)
    return handle
