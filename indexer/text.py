"""Text preparation: the document and query views, Chinese normalisation, and long-text windows.

Documents longer than an encoder's window are never silently cut: they are split into windows of
`WINDOW_CHARS` characters overlapping by `WINDOW_OVERLAP`, each window is embedded, and the
document vector is the normalised mean of its window vectors. The manifest records the rule and
how many documents were windowed. Lexical indexes always see the whole text.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from functools import lru_cache

from data.normalize import halfwidth

# multilingual-e5 reads 512 tokens; Chinese patent text runs at about 0.66 tokens per character,
# so 700 characters stay inside the window with room for the prefix.
WINDOW_CHARS = 700
WINDOW_OVERLAP = 100
PATENT_VIEW = "title + abstract + first_claim"
NEED_VIEW = "title + text"

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Document:
    doc_id: str
    text: str

    @property
    def digest(self) -> str:
        return text_digest(self.text)


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@lru_cache(maxsize=1)
def _t2s() -> dict[int, str] | None:
    try:  # hanziconv carries a character table; a plain per-character map is cheap
        from hanziconv.hanziconv import HanziConv

        return {
            ord(t): s
            for t, s in zip(
                HanziConv._HanziConv__traditional_charmap,  # type: ignore[attr-defined]
                HanziConv._HanziConv__simplified_charmap,
                strict=True,
            )
            if t != s
        }
    except Exception:  # the package is optional; text is then left in the script it came in
        return None


def normalize(text: str) -> str:
    """Full-width → half-width, traditional → simplified where a per-character map covers it,
    whitespace folded. Used for both documents and queries so that both sides match."""
    text = halfwidth(text)
    table = _t2s()
    if table:
        text = text.translate(table)
    return _SPACE.sub(" ", text).strip()


def join_fields(*fields: str | None) -> str:
    return normalize("\n".join(f.strip() for f in fields if f and f.strip()))


def windows(text: str, size: int = WINDOW_CHARS, overlap: int = WINDOW_OVERLAP) -> list[str]:
    if len(text) <= size:
        return [text]
    step = size - overlap
    return [text[start : start + size] for start in range(0, len(text) - overlap, step)]
