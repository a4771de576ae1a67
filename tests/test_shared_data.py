"""The shared evaluation corpus may not be redistributed: tests reach it only through the `shared_data`
fixture, which skips them on a fresh clone and fails them when CI requires the corpus (issue 22)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import SHARED_FILES, shared_corpus

TESTS = Path(__file__).parent


def test_an_absent_corpus_is_a_skip_that_says_how_to_get_it(tmp_path: Path):
    with pytest.raises(pytest.skip.Exception) as skipped:
        shared_corpus(tmp_path / "shared" / "data", required=False)
    reason = str(skipped.value)
    assert "PATENT_MATCH_SHARED_DATA" in reason and "../shared/data" in reason and "README" in reason


def test_an_absent_corpus_fails_when_required(tmp_path: Path):
    with pytest.raises(pytest.fail.Exception, match="PATENT_MATCH_REQUIRE_SHARED_DATA=1"):
        shared_corpus(tmp_path / "shared" / "data", required=True)


def test_a_damaged_corpus_fails_even_when_not_required(tmp_path: Path):
    for name in SHARED_FILES:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
    for name in SHARED_FILES[1:]:
        (tmp_path / name).write_text("", encoding="utf-8")
    with pytest.raises(pytest.fail.Exception, match=re.escape(SHARED_FILES[0])):
        shared_corpus(tmp_path, required=False)
    (tmp_path / SHARED_FILES[0]).write_text("", encoding="utf-8")
    assert shared_corpus(tmp_path, required=False) == tmp_path


def test_no_test_reads_the_corpus_around_the_fixture():
    """A path to the corpus built by hand (or bench/common.py's SHARED) would fail on a fresh clone."""
    around = re.compile(r"\bSHARED\b|PATENT_MATCH_SHARED_DATA|[\"']shared[\"']\s*/|/\s*[\"']shared[\"']")
    offenders = [path.name for path in sorted(TESTS.glob("*.py"))
                 if path.name not in {"conftest.py", Path(__file__).name}
                 and around.search(path.read_text(encoding="utf-8"))]
    assert not offenders, f"read the shared corpus through the shared_data fixture: {offenders}"
