"""Candidate domain terms mined from patent text, for review and use as a jieba user dictionary.

jieba's general dictionary splits many technical compounds (主动均衡 → 主动 / 均衡). A pair or
triple of adjacent jieba tokens becomes a candidate when it recurs (`min_count`) and its parts
stick together more than chance predicts (pointwise mutual information ≥ `min_pmi`). Candidates
are written in jieba's user-dictionary format (`word count`), best first, for a person to review.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from indexer.lexical.bm25 import JiebaTokenizer
from indexer.text import normalize

_HAN = re.compile(r"^[\u4e00-\u9fff]+$")
# Function words and claim boilerplate that never start or end a technical term.
STOP_PARTS = frozenset(
    "的 和 与 及 或 在 对 为 将 从 由 于 其 所述 一种 包括 通过 进行 采用 使 该 以 可 是 了 并 上 中 内".split()
)


@dataclass(frozen=True)
class Term:
    word: str
    count: int
    pmi: float


def mine_terms(texts: list[str], tokenizer: JiebaTokenizer | None = None, min_count: int = 3,
               min_pmi: float = 3.0, max_chars: int = 8) -> list[Term]:
    tokenizer = tokenizer or JiebaTokenizer.shared()
    unigrams: Counter[str] = Counter()
    ngrams: Counter[tuple[str, ...]] = Counter()
    for text in texts:
        tokens = tokenizer(normalize(text))
        unigrams.update(tokens)
        for n in (2, 3):
            for i in range(len(tokens) - n + 1):
                parts = tuple(tokens[i : i + n])
                if all(_HAN.match(p) and p not in STOP_PARTS for p in parts):
                    ngrams[parts] += 1
    total = sum(unigrams.values()) or 1
    known = set(unigrams)
    terms = []
    for parts, count in ngrams.items():
        word = "".join(parts)
        if count < min_count or len(word) > max_chars or word in known:
            continue
        expected = math.prod(unigrams[p] / total for p in parts) * total
        pmi = math.log2(count / expected)
        if pmi >= min_pmi:
            terms.append(Term(word, count, pmi))
    return sorted(terms, key=lambda t: (-t.count * t.pmi, t.word))


def write_user_dict(terms: list[Term], path: Path) -> None:
    path.write_text("".join(f"{t.word} {t.count}\n" for t in terms), encoding="utf-8")
