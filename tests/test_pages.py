"""Which pages of a served index are made resident (indexer/pages.py)."""

from __future__ import annotations

import os

import numpy as np
import pytest

from indexer.lexical.char_tfidf import CharTfidfIndex
from indexer.pages import page_size, populate, without
from tests.test_indexer import _resident_kb
from tests.test_lexical import _zipf_corpus


def test_cold_spans_cut_whole_pages_only():
    page = page_size()
    assert without([(0, 10 * page)], [(2 * page + 1, 5 * page)]) == [(0, 3 * page), (5 * page, 10 * page)]
    assert without([(0, 10 * page)], [(page, 2 * page - 1)]) == [(0, 10 * page)]  # no whole page inside
    assert without([(0, 4 * page), (8 * page, 12 * page)], [(3 * page, 9 * page), (11 * page, 20 * page)]) == [
        (0, 3 * page), (9 * page, 11 * page)]
    assert without([(0, 4 * page)], []) == [(0, 4 * page)] and without([(0, 4 * page)], [(0, 4 * page)]) == []


def test_cold_parts_are_the_common_terms_postings_when_searches_are_pruned():
    texts = _zipf_corpus(400)
    index = CharTfidfIndex.build([f"d{i}" for i in range(len(texts))], texts)
    p = index.postings
    assert p.cold_parts() == []  # small: every search walks every posting
    p.prune_from, p.candidates, p.common_share = 0, 50, 0.5
    common = np.flatnonzero(np.diff(p.indptr) > len(texts) * 0.5)
    parts = p.cold_parts()
    assert len(parts) == 2 * len(common) > 0
    assert sum(a.size for a in parts[::2]) == sum(p.indptr[t + 1] - p.indptr[t] for t in common)
    assert all(np.shares_memory(a, p.indices) for a in parts[::2]) and all(np.shares_memory(a, p.data) for a in parts[1::2])


@pytest.mark.skipif(not os.path.exists("/proc/self/smaps"), reason="reads mappings from Linux procfs")
def test_populate_leaves_the_cold_pages_out(tmp_path):
    from indexer.pages import mapped_ranges

    page = page_size()
    np.save(tmp_path / "a.npy", np.zeros(600 * page, dtype=np.uint8))
    mapped = np.load(tmp_path / "a.npy", mmap_mode="r").view(np.ndarray)
    ranges = mapped_ranges(tmp_path)
    size, _ = _resident_kb(ranges)
    done = populate(tmp_path, [mapped[100 * page:500 * page]])
    assert 399 * page <= 1024 * size - done <= 400 * page  # the whole pages inside the cold view, nothing else
    # Every asked-for page is mapped now; the kernel may map more around them (fault-around, large folios
    # of page cache: a full test run once mapped 473 pages for 202 asked), so no upper bound here.
    assert 1024 * _resident_kb(ranges)[1] >= done > 0
