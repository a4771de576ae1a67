"""Preparing a need's text for retrieval.

Enterprises often end a need with its commercial terms (预算80万元，可接受技术转让或合作开发).
Those words are not technical content, and lexical rankers match them against patents that
mention transfer or licensing. Short sentences about budget or cooperation mode are dropped
before retrieval (the platform keeps them as structured fields).

Longer needs also open with the enterprise introducing itself (我公司位于常州，是一家…企业). A rule
that drops those sentences was written and tuned on needs-dev (hybrid 0.832 → 0.862 there). On the
216 training needs nobody reports (eval/sets/needs-train) it does not hold: with it the full ranker
scores nDCG@10 0.823, without it 0.828 (docs/matching.md, `patent-match eval tune`), so it is no
longer applied; it stays available as a rule for measurement. The commercial rule holds there
(0.823 with it against 0.821 without, given the other rule; not significant, and it removes a known
false match) and stays.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from indexer.text import normalize

_SENTENCE = re.compile(r"(?<=[。！？；!?;])")
_COMMERCIAL = re.compile(r"预算|万元|合作方式|合作开发|联合开发|技术转让|技术许可|购买|作价入股|可接受|报价")
# A longer sentence that mentions such a word is usually technical ("…许可证管理的数据平台…").
COMMERCIAL_MAX_CHARS = 60
# An enterprise introducing itself: a sentence that opens with the enterprise as its subject (我公司,
# 本公司, 我司, 我单位, 我厂, 本企业, 我们是), or says what it is or mainly does (是一家…, 主营…). Needs
# state the problem with another subject (目前…, 现用…, 产品…); a problem sentence that does open with
# 我公司 is lost, which the measurement over all needs includes. A later mention (客户反馈我公司产品…)
# does not count.
_SELF_INTRODUCTION = re.compile(r"^\s*((我|本)(公司|司|单位|厂|企业)|我们是)|是一家|主营")


def drop_commercial_terms(text: str) -> str:
    sentences = [s for s in _SENTENCE.split(text) if s.strip()]
    kept = [s for s in sentences if not (_COMMERCIAL.search(s) and len(s) < COMMERCIAL_MAX_CHARS)]
    return "".join(kept) or text


def drop_self_introduction(text: str) -> str:
    sentences = [s for s in _SENTENCE.split(text) if s.strip()]
    return "".join(s for s in sentences if not _SELF_INTRODUCTION.search(s)) or text


RULES = {"commercial": drop_commercial_terms, "self_introduction": drop_self_introduction}
DEFAULT_RULES = ("commercial",)  # see the module docstring for why self_introduction is not among them
# Which rules apply; evaluations switch them for one block to measure them (eval/crossval.py).
_active_rules: ContextVar[tuple[str, ...]] = ContextVar("query_rules", default=DEFAULT_RULES)


@contextmanager
def query_rules(rules: tuple[str, ...]) -> Iterator[None]:
    unknown = set(rules) - set(RULES)
    if unknown:
        raise ValueError(f"unknown query rules {', '.join(sorted(unknown))}; choose from {', '.join(RULES)}")
    token = _active_rules.set(rules)
    try:
        yield
    finally:
        _active_rules.reset(token)


def prepare_query(text: str) -> str:
    """What every retriever searches with: the active rules' sentences dropped (by default the commercial
    terms), normalised."""
    for name in RULES:  # a fixed order: commercial terms first, as measured
        if name in _active_rules.get():
            text = RULES[name](text)
    return normalize(text)
