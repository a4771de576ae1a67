"""Graded pairs for the learned ranker: match feedback and deals that came from a need.

A deal (转让, 许可 or 作价入股) recorded with its source need grades each of its patents 2 for that
need: someone paid for it, which is the strongest evidence there is, and it overrides feedback.
Otherwise the latest feedback on a (need, patent) pair counts. Features are recomputed now, the way
the matcher computes them, so a pair's retrieval features are 0 when today's candidates miss it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from data.enums import TransactionKind
from data.models import MatchFeedback, Need, Patent, PatentHolder, Transaction
from indexer.sources import need_text
from matching.candidates import Candidate
from matching.features import phrase_features, policy_features
from matching.matcher import NeedMatcher
from matching.ranker import GradedPair

DEAL_KINDS = (TransactionKind.TRANSFER, TransactionKind.LICENSE, TransactionKind.EQUITY)


def collect_grades(session: Session) -> dict[int, dict[int, int]]:
    """need id → patent id → grade."""
    grades: dict[int, dict[int, int]] = {}
    for feedback in session.scalars(select(MatchFeedback).order_by(MatchFeedback.created_at, MatchFeedback.id)):
        grades.setdefault(feedback.need_id, {})[feedback.patent_id] = feedback.grade
    deals = select(Transaction).where(Transaction.source_need_id.is_not(None), Transaction.kind.in_(DEAL_KINDS))
    for deal in session.scalars(deals.options(selectinload(Transaction.patents))):
        for patent in deal.patents:
            grades.setdefault(deal.source_need_id, {})[patent.id] = 2  # type: ignore[index]
    return grades


def graded_pairs(session: Session, matcher: NeedMatcher) -> list[GradedPair]:
    pairs = []
    for need_id, by_patent in collect_grades(session).items():
        need = session.get(Need, need_id)
        if need is None:
            continue
        text = need_text(need)
        profile, _ = matcher.profiler.profile_of_need(need, text)
        candidates = {c.doc_id: c for c in matcher.candidates.generate(text)}
        patents = session.scalars(select(Patent).where(Patent.id.in_(list(by_patent))).options(
            selectinload(Patent.ipcs), selectinload(Patent.offers), selectinload(Patent.transactions),
            selectinload(Patent.holders).selectinload(PatentHolder.organization))).all()
        for patent in patents:
            patent_profile, _ = matcher.profiler.profile_of_patent(patent, matcher.today)
            missed = Candidate(patent.application_number, {}, {})
            candidate = candidates.get(patent.application_number, missed)
            features = (candidate.retrieval_features(matcher.ranker.fusion)
                        | phrase_features(profile.text, candidate.ranks, patent_profile.wording)
                        | policy_features(profile, patent_profile))
            pairs.append(GradedPair(str(need_id), features, by_patent[patent.id]))
    return pairs
