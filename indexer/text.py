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
# Lexical indexes read the title with the text. The encoder reads the text without the title:
# on needs-dev, embedding abstracts alone scored nDCG@10 0.681 against 0.591 with the title
# prepended (docs/indexing.md); the title is used only when there is no other text.
PATENT_VIEW = "lexical: title + abstract + first claim; dense: abstract + first claim (title if both empty)"
BEIR_VIEW = "lexical: title + text; dense: text (title if empty)"
NEED_VIEW = "title + text"

_SPACE = re.compile(r"\s+")


@dataclass(frozen=True)
class Document:
    doc_id: str
    text: str  # what lexical indexes read
    dense_text: str | None = None  # what the encoder reads, when it differs

    @property
    def embed_text(self) -> str:
        return self.dense_text or self.text

    @property
    def digest(self) -> str:
        """Changes when either view changes."""
        return text_digest(self.text if self.dense_text is None else f"{self.text}\x00{self.dense_text}")


def text_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


# Traditional forms that are also standard simplified characters with their own meaning
# (著名, 乾坤, 明瞭, 藉口, 夥伴): converting them would corrupt correct simplified text.
_AMBIGUOUS = frozenset("著乾瞭藉夥")


@lru_cache(maxsize=1)
def _t2s() -> tuple[dict[int, str], frozenset[str]] | None:
    try:  # hanziconv carries a character table; a plain per-character map is cheap
        from hanziconv.hanziconv import HanziConv

        traditional = HanziConv._HanziConv__traditional_charmap  # type: ignore[attr-defined]
        simplified = HanziConv._HanziConv__simplified_charmap  # type: ignore[attr-defined]
    except Exception:  # the package is optional; text is then left in the script it came in
        return None
    table = {ord(t): s for t, s in zip(traditional, simplified, strict=True) if t != s and t not in _AMBIGUOUS}
    only_traditional = frozenset(traditional) - frozenset(simplified) - _AMBIGUOUS
    return table, only_traditional


def normalize(text: str) -> str:
    """Full-width → half-width, whitespace folded, and traditional → simplified for text that is
    traditional (two or more characters that exist only in traditional script); simplified text
    is never touched. Used for documents and queries alike so both sides match."""
    return _SPACE.sub(" ", simplified(halfwidth(text))).strip()


def simplified(text: str) -> str:
    """Traditional → simplified for text that is traditional (two or more characters that exist only in
    traditional script); simplified text is returned as it is."""
    conversion = _t2s()
    # isdisjoint first: most text is simplified, and the per-character count is slow on long text
    if conversion and not conversion[1].isdisjoint(text) and sum(ch in conversion[1] for ch in text) >= 2:
        return text.translate(conversion[0])
    return text


def join_fields(*fields: str | None) -> str:
    return normalize("\n".join(f.strip() for f in fields if f and f.strip()))


def windows(text: str, size: int = WINDOW_CHARS, overlap: int = WINDOW_OVERLAP) -> list[str]:
    if len(text) <= size:
        return [text]
    step = size - overlap
    return [text[start : start + size] for start in range(0, len(text) - overlap, step)]
