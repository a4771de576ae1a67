"""Product categories (产品类别): which products a patent or need concerns, from the team's list.

Each category of matching/reference/products.tsv carries keywords; a keyword in the title is strong
evidence (confidence 1.0), one in the abstract, claim or need text weaker (0.6). At most `limit`
categories are kept, title hits first, then by how many distinct keywords matched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from matching.industries import _rows
from matching.tags.effects import CLAUSE

TITLE_CONFIDENCE, TEXT_CONFIDENCE = 1.0, 0.6


@dataclass(frozen=True)
class ProductCategory:
    code: str
    name: str
    keywords: re.Pattern[str]
    source: str


@dataclass(frozen=True)
class ProductTag:
    code: str
    name: str
    keyword: str
    evidence: str  # the clause the keyword was found in
    confidence: float


@lru_cache(maxsize=1)
def product_categories() -> tuple[ProductCategory, ...]:
    return tuple(ProductCategory(code, name, re.compile(keywords), source)
                 for code, name, keywords, source in _rows("products.tsv"))


def _clause(text: str, start: int, end: int) -> str:
    left = max((m.end() for m in CLAUSE.finditer(text, 0, start)), default=0)
    right = CLAUSE.search(text, end)
    return text[left:right.start() if right else len(text)].strip()[:60]


def product_tags(title: str, text: str, limit: int = 3) -> list[ProductTag]:
    ranked = []
    for category in product_categories():
        in_title = category.keywords.search(title or "")
        hits = list(category.keywords.finditer(text or ""))
        if not in_title and not hits:
            continue
        where, match = (title, in_title) if in_title else (text, hits[0])
        tag = ProductTag(category.code, category.name, match.group(), _clause(where, match.start(), match.end()),
                         TITLE_CONFIDENCE if in_title else TEXT_CONFIDENCE)
        ranked.append((not in_title, -len({h.group() for h in hits}), category.code, tag))
    return [tag for *_, tag in sorted(ranked)[:limit]]
