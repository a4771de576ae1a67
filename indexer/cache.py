"""Embeddings persisted by (encoder id, role, text digest), so unchanged text is never re-encoded.

SQLite in WAL mode: one file, atomic batches, safe for several readers and one writer. One cache
may be shared by the threads of a server process: a lock serialises its use of the connection.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable
from pathlib import Path

import numpy as np


class EmbeddingCache:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._conn = sqlite3.connect(path, timeout=60, check_same_thread=False)
        self._lock = threading.Lock()
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute(
            "CREATE TABLE IF NOT EXISTS embeddings (encoder TEXT NOT NULL, role TEXT NOT NULL, "
            "digest TEXT NOT NULL, vector BLOB NOT NULL, PRIMARY KEY (encoder, role, digest))"
        )
        self._conn.commit()

    def get_many(self, encoder: str, role: str, digests: Iterable[str]) -> dict[str, np.ndarray]:
        wanted = list(dict.fromkeys(digests))
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for start in range(0, len(wanted), 900):  # SQLite's bound-parameter limit
                chunk = wanted[start : start + 900]
                marks = ",".join("?" * len(chunk))
                rows = self._conn.execute(
                    f"SELECT digest, vector FROM embeddings WHERE encoder=? AND role=? AND digest IN ({marks})",
                    [encoder, role, *chunk],
                )
                found.update({d: np.frombuffer(v, dtype=np.float32) for d, v in rows})
        return found

    def put_many(self, encoder: str, role: str, items: Iterable[tuple[str, np.ndarray]]) -> None:
        with self._lock, self._conn:
            self._conn.executemany(
                "INSERT OR REPLACE INTO embeddings VALUES (?, ?, ?, ?)",
                [(encoder, role, d, np.asarray(v, dtype=np.float32).tobytes()) for d, v in items],
            )

    def count(self, encoder: str | None = None) -> int:
        with self._lock:
            if encoder is None:
                return self._conn.execute("SELECT COUNT(*) FROM embeddings").fetchone()[0]
            return self._conn.execute("SELECT COUNT(*) FROM embeddings WHERE encoder=?", [encoder]).fetchone()[0]

    def close(self) -> None:
        self._conn.close()
