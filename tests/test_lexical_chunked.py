"""Chunked lexical builds (indexer/lexical/chunked.py) write exactly what the one-shot builds write."""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np
import pytest

from indexer.lexical import chunked
from indexer.lexical.bm25 import Bm25Index, JiebaTokenizer
from indexer.lexical.char_tfidf import CharTfidfIndex

PHRASES = ["一种锂电池负极材料", "及其制备方法", "光伏逆变器的低电压穿越控制", "锂电池储能系统", "主动均衡电路",
           "挖掘机动臂势能回收", "电池管理系统中荷电状态的估计", "基于深度学习的图像识别", "PID控制器", "的", "一种",
           "GaN功率器件", "石墨烯导热膜", "，", "。", "装置", "方法", "系统", "123", "LiFePO4正极"]
QUERIES = ["锂电池储能均衡", "光伏逆变器控制方法", "石墨烯", "一种的", "PID 控制器", "完全无关词汇"]


def corpus(n: int, seed: int = 7) -> tuple[list[str], list[str]]:
    """Documents of repeated, shared and rare words; a few empty or symbol-only ones (no term at all)."""
    rng = random.Random(seed)
    texts = ["".join(rng.choice(PHRASES) for _ in range(rng.randint(1, 12))) for _ in range(n)]
    for i in (3, 17, n - 1):
        texts[i] = "" if i % 2 else "  "
    texts[5] = "——"
    return [f"d{i}" for i in range(n)], texts


def files(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


@pytest.fixture(params=[(1, 10**9), (7, 40), (64, 3)], ids=["one-document-chunks", "small", "tiny-merge-blocks"])
def sizes(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    chunk_docs, merge_postings = request.param
    monkeypatch.setattr(chunked, "MERGE_POSTINGS", merge_postings)
    return chunk_docs


def test_char_tfidf_chunked_writes_the_one_shot_files(tmp_path: Path, sizes: int) -> None:
    ids, texts = corpus(150)
    one_shot = CharTfidfIndex.build(ids, texts)
    one_shot.postings.prune_from = 100  # so that the dense common rows are written too
    one_shot.save(tmp_path / "one-shot")
    CharTfidfIndex.write(tmp_path / "chunked", ids, texts, chunk_docs=sizes, prune_from=100)
    assert (tmp_path / "chunked" / "common-matrix.npy").exists()
    assert files(tmp_path / "chunked") == files(tmp_path / "one-shot")
    loaded = CharTfidfIndex.load(tmp_path / "chunked", mmap=True)
    for query in QUERIES:
        np.testing.assert_array_equal(loaded.scores(query), one_shot.scores(query))
        assert loaded.search(query, 20) == one_shot.search(query, 20)


def test_bm25_chunked_writes_the_one_shot_files(tmp_path: Path, sizes: int) -> None:
    ids, texts = corpus(150)
    tokenizer = JiebaTokenizer.shared()
    one_shot = Bm25Index.build(ids, texts, tokenizer)
    one_shot.postings.prune_from = 100
    one_shot.save(tmp_path / "one-shot")
    Bm25Index.write(tmp_path / "chunked", ids, texts, tokenizer, chunk_docs=sizes, prune_from=100)
    assert (tmp_path / "chunked" / "common-matrix.npy").exists()
    assert files(tmp_path / "chunked") == files(tmp_path / "one-shot")
    loaded = Bm25Index.load(tmp_path / "chunked", tokenizer, mmap=True)
    for query in QUERIES:
        np.testing.assert_array_equal(loaded.scores(query), one_shot.scores(query))
        assert loaded.search(query, 20) == one_shot.search(query, 20)


def test_below_the_pruning_size_no_common_rows_are_written(tmp_path: Path) -> None:
    ids, texts = corpus(40)
    CharTfidfIndex.write(tmp_path / "tfidf", ids, texts, chunk_docs=9)
    Bm25Index.write(tmp_path / "bm25", ids, texts, JiebaTokenizer.shared(), chunk_docs=9)
    CharTfidfIndex.build(ids, texts).save(tmp_path / "tfidf-one-shot")
    Bm25Index.build(ids, texts, JiebaTokenizer.shared()).save(tmp_path / "bm25-one-shot")
    assert files(tmp_path / "tfidf") == files(tmp_path / "tfidf-one-shot")
    assert files(tmp_path / "bm25") == files(tmp_path / "bm25-one-shot")
    assert not list(tmp_path.rglob(".chunks")), "scratch files are removed"


def test_a_corpus_without_characters_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="empty"):
        CharTfidfIndex.write(tmp_path / "tfidf", ["a", "b"], ["", ""])
