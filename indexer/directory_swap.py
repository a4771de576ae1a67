"""A directory replaced whole (an index, a trained model), and put back after a crash.

A new version is written beside the directory (`.NAME.new-<pid>-<token>`) and swapped in by two
renames: the old directory aside (`.NAME.old-<pid>-<token>`), then the new one in. Between the two
there is no directory, and a process killed there leaves the previous version aside; `recover` puts
it back. Writers serialise on a lock file beside the directory (`.NAME.lock`): whoever holds it
exclusively and finds the directory missing knows an `.old-` beside it is such an orphan. Readers
hold it shared, so a load never mixes two generations' files.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)


def lock_path(directory: Path) -> Path:
    return directory.with_name(f".{directory.name}.lock")


@contextmanager
def locked(directory: Path, shared: bool = False, wait: bool = True) -> Iterator[bool]:
    """Hold the directory's lock: exclusive to write or swap, shared to read. Yields False instead of
    waiting when wait=False and another process holds it. flock, not a pid file: the kernel releases
    it when its holder dies. The lock file is never deleted: deleting it would let a waiter and a
    newcomer each lock a different file."""
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        handle = lock_path(directory).open("a+b")
    except OSError:  # a read-only parent: nothing can be written or swapped there, so reading is safe
        logger.warning("no lock file beside %s: used without the lock", directory, exc_info=True)
        yield True
        return
    with handle:
        try:
            fcntl.flock(handle, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _beside(directory: Path, kind: str) -> list[Path]:
    """What swaps left beside the directory, oldest first."""
    pattern = re.compile(rf"\.{re.escape(directory.name)}\.{kind}-\d+(-[0-9a-f]+)?")
    if not directory.parent.is_dir():
        return []
    return sorted((p for p in directory.parent.iterdir() if pattern.fullmatch(p.name) and p.is_dir()),
                  key=lambda p: p.stat().st_mtime)


def recover(directory: Path, remove_leftovers: bool = False) -> Path | None:
    """A missing directory gets back the newest version set aside by a swap that never finished.
    With remove_leftovers (only under the exclusive lock: otherwise a `.new-` may be another process's
    write in progress) what killed runs left beside it is removed too. Returns the orphan put back."""
    restored = None
    orphans = _beside(directory, "old")
    if not directory.exists() and orphans:
        restored = orphans.pop()
        os.replace(restored, directory)
        logger.warning("%s restored from %s, left by an interrupted swap", directory, restored.name)
    if remove_leftovers:
        for leftover in orphans + _beside(directory, "new"):
            shutil.rmtree(leftover, ignore_errors=True)
    return restored


def new_beside(directory: Path) -> Path:
    """An empty directory beside `directory`, on the same file system, so that the swap is a rename."""
    new = directory.with_name(f".{directory.name}.new-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    new.mkdir(parents=True)
    return new


def swap_in(new: Path, directory: Path) -> None:
    """`new` (complete) becomes `directory`; if the second rename fails the previous version is put back."""
    old = directory.with_name(f".{directory.name}.old-{new.name.rsplit('.new-', 1)[1]}")
    if directory.exists():
        os.replace(directory, old)
    try:
        os.replace(new, directory)
    except OSError:
        if old.exists():
            os.replace(old, directory)
        raise
    shutil.rmtree(old, ignore_errors=True)


def write_and_swap(directory: Path, write: Callable[[Path], None]) -> None:
    """`write` fills a new directory beside `directory`, which then replaces it; a failed write leaves nothing."""
    new = new_beside(directory)
    try:
        write(new)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise
    swap_in(new, directory)
