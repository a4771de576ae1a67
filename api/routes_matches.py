"""Matches: a need's ranked patents, a patent's needs and licensees, and feedback on a match."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.auth import Principal
from api.deps import MATCHER, PathId, invalid, require, session
from api.routes_needs import FORBIDDEN, NOT_FOUND, get_need
from api.schemas import Error, FeedbackIn, FeedbackOut, IndexLagOut, MatchOut, MatchPage, PatentMatchesOut
from data.enums import Role
from data.models import MatchFeedback, Patent, PatentHolder
from indexer.freshness import Staleness
from matching.matcher import Ranked

router = APIRouter(tags=["matches"])
UNAVAILABLE = {503: {"model": Error, "description": "The search index has not been built."}}
need_readers = require(Role.SME, Role.OPERATOR, Role.EVALUATOR)
patent_readers = require(Role.TTO, Role.OPERATOR, Role.EVALUATOR)
graders = require(Role.SME, Role.OPERATOR)


def index_lag(lag: Staleness | None) -> IndexLagOut | None:
    """What a match answer says while the index lags: never silently fewer patents."""
    if lag is None or not lag.pending:
        return None
    return IndexLagOut(missing=lag.missing, changed=lag.changed, notice_zh=lag.notice_zh())


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
                                                                                   **UNAVAILABLE})
def need_matches(need_id: PathId, who: Principal = Depends(need_readers),
                 db: Session = Depends(session), need_matcher=MATCHER,  # noqa: ANN001
                 limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0, le=1_000_000),
                 cluster: str | None = Query(None, description="Only patents in this industry cluster."),
                 region: str | None = Query(None, description="Only patents with a holder in this city or province."),
                 sleeping_only: bool = Query(False, description="Only sleeping patents (沉睡专利)."),
                 licence_available: bool = Query(False, description="Only patents with an open-licence offer."),
                 holder: str | None = Query(None, description="Holder name contains this text."),
                 include_inactive: bool = Query(False, description="Also lapsed and invalid patents.")) -> MatchPage:
    need = get_need(db, need_id, who)
    filtered = bool(cluster or region or sleeping_only or licence_available or holder)
    # Unfiltered, only candidates that can reach this page are looked up; a filter needs them all
    ranking = need_matcher.rank_need(db, need, include_inactive, depth=None if filtered else offset + limit)
    kept = [e for e in ranking.entries if _keep(e, cluster, region, sleeping_only, licence_available, holder)]
    shown = need_matcher.explain(ranking, kept[offset:offset + limit])  # only the page is explained
    items = [MatchOut(id=f"{need.id}:{m.application_number}", rank=offset + i + 1,
                      application_number=m.application_number, title=m.title, holders=list(m.holders),
                      legal_status=m.legal_status, sleeping=m.sleeping, score=m.score, features=m.features,
                      explanation=m.explanation,
                      explanation_zh=m.explanation.zh() if m.explanation else "", clusters=list(m.clusters),
                      value=m.value)
             for i, m in enumerate(shown)]
    return MatchPage(total=len(kept) if filtered else ranking.eligible, offset=offset, limit=limit, items=items,
                     index_lag=index_lag(ranking.index_lag))


@router.get("/patents/{application_number}/matches", response_model=PatentMatchesOut,
            responses={**FORBIDDEN, **NOT_FOUND, **UNAVAILABLE})
def patent_matches(application_number: str, db: Session = Depends(session), need_matcher=MATCHER,  # noqa: ANN001
                   who: Principal = Depends(patent_readers),
                   top: int = Query(10, ge=1, le=100)) -> PatentMatchesOut:
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
             responses={**FORBIDDEN, **NOT_FOUND})
def match_feedback(match_id: str, body: FeedbackIn, who: Principal = Depends(graders),
                   db: Session = Depends(session)) -> FeedbackOut:
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



