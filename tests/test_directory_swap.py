"""The whole-directory swap shared by index builds and trained models (indexer/directory_swap.py): a failed
write or rename leaves the previous version, a crash between the renames is put back, leftovers are removed
only when asked (under the exclusive lock), and the lock excludes as it says."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from indexer import directory_swap
from indexer.directory_swap import locked, recover, write_and_swap


def _version(directory: Path, text: str) -> None:
    (directory / "content.txt").write_text(text, encoding="utf-8")


def _read(directory: Path) -> str:
    return (directory / "content.txt").read_text(encoding="utf-8")


def test_a_swap_replaces_the_directory_and_leaves_nothing_beside_it(tmp_path: Path) -> None:
    target = tmp_path / "index"
    write_and_swap(target, lambda new: _version(new, "一"))
    write_and_swap(target, lambda new: _version(new, "二"))
    assert _read(target) == "二"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["index"]


def test_a_failed_write_leaves_the_previous_version_and_no_half_written_directory(tmp_path: Path) -> None:
    target = tmp_path / "index"
    write_and_swap(target, lambda new: _version(new, "一"))

    def broken(new: Path) -> None:
        _version(new, "半")
        raise RuntimeError("写到一半")

    with pytest.raises(RuntimeError):
        write_and_swap(target, broken)
    assert _read(target) == "一" and sorted(p.name for p in tmp_path.iterdir()) == ["index"]


def test_a_failed_second_rename_puts_the_previous_version_back(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "index"
    write_and_swap(target, lambda new: _version(new, "一"))
    real_replace, calls = os.replace, []

    def second_fails(src, dst) -> None:  # noqa: ANN001
        calls.append((src, dst))
        if len(calls) == 2:
            raise OSError("磁盘已满")
        real_replace(src, dst)

    monkeypatch.setattr(directory_swap.os, "replace", second_fails)
    with pytest.raises(OSError):
        write_and_swap(target, lambda new: _version(new, "二"))
    assert len(calls) == 3 and _read(target) == "一"  # aside, in (failed), back


def test_recover_puts_back_the_newest_orphan_and_removes_leftovers_only_when_asked(tmp_path: Path) -> None:
    target = tmp_path / "effects"
    for name, text in ((".effects.old-11", "旧"), (".effects.old-12-0a1b2c3d", "新"), (".effects.new-12-0a1b2c3d", "半")):
        (tmp_path / name).mkdir()
        _version(tmp_path / name, text)
        os.utime(tmp_path / name, (1_000 + len(name), 1_000 + len(name)))
    (tmp_path / ".other.old-13").mkdir()  # another directory's orphan: never touched

    assert recover(target) == tmp_path / ".effects.old-12-0a1b2c3d" and _read(target) == "新"
    assert (tmp_path / ".effects.new-12-0a1b2c3d").exists()  # without the lock it may be a write in progress
    assert recover(target, remove_leftovers=True) is None
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.old-13", "effects"]


def test_the_lock_excludes_writers_and_lets_readers_share(tmp_path: Path) -> None:
    target = tmp_path / "index"
    with locked(target) as held:
        assert held
        with locked(target, shared=True, wait=False) as reader:
            assert not reader  # flock is per open file: a second handle in this process is refused too
    with locked(target, shared=True) as first, locked(target, shared=True, wait=False) as second:
        assert first and second
        with locked(target, wait=False) as writer:
            assert not writer
