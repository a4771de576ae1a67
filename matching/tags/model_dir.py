"""A model directory replaced whole, by one process at a time, and put back after a crash.

A new model is written beside the directory (`.effects.new-<pid>`) and swapped in by two renames:
the old directory aside (`.effects.old-<pid>`), then the new one in. Between the two there is no
model directory, and a process killed there leaves the previous model aside. Every swap, and the
training before it, happens under an exclusive lock on a file in the models directory
(`.effects.lock`), so whoever holds the lock and finds the directory missing knows that an `.old-`
beside it is such an orphan, and puts it back. The same lock keeps two `patent-match tag` runs
from both training: the second waits, then finds the first one's model.
"""

from __future__ import annotations

import fcntl
import logging
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

logger = logging.getLogger(__name__)


def lock_path(directory: Path) -> Path:
    return directory.with_name(f".{directory.name}.lock")


@contextmanager
def exclusive(directory: Path) -> Iterator[None]:
    """Hold the model directory's lock (blocking). flock, not a pid file: the kernel releases it when
    its holder dies. The lock file is never deleted: deleting it would let a waiter and a newcomer
    each lock a different file."""
    try:
        directory.parent.mkdir(parents=True, exist_ok=True)
        handle = lock_path(directory).open("a+b")
    except OSError:  # a read-only models directory: nothing can be trained or swapped there, reading is safe
        logger.warning("no lock file beside %s: read without the lock", directory, exc_info=True)
        yield
        return
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _beside(directory: Path, kind: str) -> list[Path]:
    pattern = re.compile(rf"\.{re.escape(directory.name)}\.{kind}-\d+")
    if not directory.parent.is_dir():
        return []
    return sorted((p for p in directory.parent.iterdir() if pattern.fullmatch(p.name) and p.is_dir()),
                  key=lambda p: p.stat().st_mtime)


def recover(directory: Path) -> Path | None:
    """Call with the lock held. A missing directory gets back the newest model set aside by a swap that
    never finished (its tags were stamped with it); what killed runs left beside it is removed.
    Returns the orphan put back, if any."""
    restored = None
    orphans = _beside(directory, "old")
    if not directory.exists() and orphans:
        restored = orphans.pop()
        os.replace(restored, directory)
        logger.warning("effect model %s restored from %s", directory, restored.name)
    for leftover in orphans + _beside(directory, "new"):
        shutil.rmtree(leftover, ignore_errors=True)
    return restored


def new_beside(directory: Path) -> Path:
    new = directory.with_name(f".{directory.name}.new-{os.getpid()}")
    shutil.rmtree(new, ignore_errors=True)
    return new


def swap_in(new: Path, directory: Path) -> None:
    """Call with the lock held: `new` (complete) becomes `directory`; on failure the previous one stays."""
    old = directory.with_name(f".{directory.name}.old-{os.getpid()}")
    if directory.exists():
        os.replace(directory, old)
    try:
        os.replace(new, directory)
    except OSError:
        if old.exists():
            os.replace(old, directory)  # put the previous model back
        raise
    shutil.rmtree(old, ignore_errors=True)
