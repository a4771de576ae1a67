"""Matches: a need's ranked patents, a patent's needs and licensees, and feedback on a match."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.auth import Principal
from api.deps import MatcherDep, PathId, invalid, require, session
from api.routes_needs import FORBIDDEN, NOT_FOUND, get_need
from api.schemas import Error, FeedbackIn, FeedbackOut, IndexLagOut, MatchOut, MatchPage, PatentMatchesOut
from data.enums import Role
from data.models import MatchFeedback, Patent, PatentHolder
from indexer.freshness import Staleness
from matching.confidence import LABELS_ZH, STRENGTHS
from matching.matcher import Match, Ranked

router = APIRouter(tags=["matches"])
UNAVAILABLE = {503: {"model": Error, "description": "The search index has not been built."}}
need_readers = require("needs.matches")
patent_readers = require("patents.matches")
graders = require("matches.feedback")


def index_lag(lag: Staleness | None) -> IndexLagOut | None:
    """What a match answer says while the index lags: never silently fewer patents."""
    if lag is None or not lag.pending:
        return None
    return IndexLagOut(missing=lag.missing, changed=lag.changed, notice_zh=lag.notice_zh())


def explanation_zh(match: Match, who: Principal) -> str:
    """Operators and evaluators read the features that ranked a patent (retriever ranks, contributions); an SME
    or a TTO reads why in plain words: one sentence from the shared content, then the details (matching/explain.py)."""
    if match.explanation is None:
        return ""
    if who.role in (Role.OPERATOR, Role.EVALUATOR, Role.ADMIN):
        return f"{match.explanation.summary(match.title)}{match.explanation.zh()}"
    return match.explanation.plain(match.title, match.value)


def _keep(entry: Ranked, cluster: str | None, region: str | None, sleeping_only: bool, licence_available: bool,
          holder: str | None) -> bool:
    organizations = [h.organization for h in entry.patent.holders]
    if cluster and cluster not in {c.cluster for c in entry.clusters}:
        return False
    if region and not any(region in (o.city or "") or region in (o.province or "") for o in organizations):
        return False
    if sleeping_only and not entry.patent.is_sleeping:
        return False
    if licence_available and entry.profile.offer is None:
        return False
    return not holder or any(holder in o.name for o in organizations)


@router.get("/needs/{need_id}/matches", response_model=MatchPage, responses={**FORBIDDEN, **NOT_FOUND,
                                                                                   **UNAVAILABLE},
            summary="Patents for a need")
def need_matches(need_id: PathId, who: Principal = Depends(need_readers),
                 db: Session = Depends(session), need_matcher: MatcherDep = None,
                 limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0, le=1_000_000),
                 cluster: str | None = Query(None, description="Only patents in this industry cluster."),
                 region: str | None = Query(None, description="Only patents with a holder in this city or province."),
                 sleeping_only: bool = Query(False, description="Only sleeping patents (沉睡专利)."),
                 licence_available: bool = Query(False, description="Only patents with an open-licence offer."),
                 holder: str | None = Query(None, description="Holder name contains this text."),
                 include_inactive: bool = Query(False, description="Also lapsed and invalid patents."),
                 min_strength: Annotated[Literal["strong", "medium"] | None, Query(
                     description="Only matches at least this strong (强匹配, or 强 and 中); the answer then counts the "
                                 "matches of each strength, hidden ones included.")] = None) -> MatchPage:
    """The need's ranked, explained patents, one page at a time, with optional filters (cluster, region, sleeping,
    open licence, holder, strength)."""
    need = get_need(db, need_id, who)
    if min_strength and need_matcher.calibration is None:
        raise invalid("query.min_strength", "当前排序权重没有匹配强度校准（例如使用了学习得到的权重），无法按强度筛选")
    filtered = bool(cluster or region or sleeping_only or licence_available or holder or min_strength)
    # Unfiltered, only candidates that can reach this page are looked up; a filter needs them all
    ranking = need_matcher.rank_need(db, need, include_inactive, depth=None if filtered else offset + limit)
    kept = [e for e in ranking.entries if _keep(e, cluster, region, sleeping_only, licence_available, holder)]
    strengths = None
    if min_strength:
        of = {id(e): need_matcher.strength(e.features) for e in kept}
        strengths = {s: sum(v == s for v in of.values()) for s in STRENGTHS}
        admitted = STRENGTHS[:STRENGTHS.index(min_strength) + 1]
        kept = [e for e in kept if of[id(e)] in admitted]
    shown = need_matcher.explain(db, ranking, kept[offset:offset + limit])  # only the page is explained
    items = [MatchOut(id=f"{need.id}:{m.application_number}", rank=offset + i + 1,
                      application_number=m.application_number, title=m.title, holders=list(m.holders),
                      legal_status=m.legal_status, sleeping=m.sleeping, score=m.score, features=m.features,
                      explanation=m.explanation, explanation_zh=explanation_zh(m, who),
                      summary_zh=m.explanation.summary(m.title) if m.explanation else "", clusters=list(m.clusters),
                      value=m.value, strength=m.strength,
                      strength_zh=LABELS_ZH.get(m.strength or "", ""))
             for i, m in enumerate(shown)]
    return MatchPage(total=len(kept) if filtered else ranking.eligible, offset=offset, limit=limit, items=items,
                     index_lag=index_lag(ranking.index_lag), strengths=strengths)


@router.get("/patents/{application_number}/matches", response_model=PatentMatchesOut,
            responses={**FORBIDDEN, **NOT_FOUND, **UNAVAILABLE}, summary="Needs and licensees for a patent")
def patent_matches(application_number: str, db: Session = Depends(session), need_matcher: MatcherDep = None,
                   who: Principal = Depends(patent_readers),
                   top: int = Query(10, ge=1, le=100)) -> PatentMatchesOut:
    """Open needs the patent may solve and potential licensee enterprises, each with its evidence."""
    from dataclasses import asdict

    from matching.directions import PatentMatcher

    patent = db.scalar(select(Patent).where(Patent.application_number == application_number).options(
        selectinload(Patent.holders).selectinload(PatentHolder.organization)))
    if patent is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no patent {application_number}")
    if who.role is Role.TTO and who.organization_id not in {h.organization_id for h in patent.holders}:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "a TTO sees licensees for its own organisation's patents only")
    found = PatentMatchesOut.model_validate(asdict(PatentMatcher(need_matcher).match_patent(db, patent, k=top)))
    return found.model_copy(update={"index_lag": index_lag(need_matcher.index_lag())})


@router.post("/matches/{match_id}/feedback", status_code=status.HTTP_201_CREATED, response_model=FeedbackOut,
             responses={**FORBIDDEN, **NOT_FOUND}, summary="Grade a match")
def match_feedback(match_id: str, body: FeedbackIn, who: Principal = Depends(graders),
                   db: Session = Depends(session)) -> FeedbackOut:
    """Feedback on a need–patent match: 0 not relevant, 1 partly, 2 solves the need; it trains the ranker."""
    need_part, _, number = match_id.partition(":")
    if not need_part.isdigit() or not number:
        raise invalid("path.match_id", "expected <need id>:<application number>, e.g. 12:201710483362.4")
    need = get_need(db, int(need_part), who)
    patent = db.scalar(select(Patent).where(Patent.application_number == number))
    if patent is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no patent {number}")
    feedback = MatchFeedback(need_id=need.id, patent_id=patent.id, grade=body.grade, reason=body.reason,
                             given_by=who.role.value)
    db.add(feedback)
    db.commit()
    return FeedbackOut(id=feedback.id, need_id=need.id, application_number=number, grade=body.grade,
                       reason=body.reason, given_by=who.role.value)



