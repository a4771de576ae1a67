"""Patent search and detail: bibliographic data is public, so every role may search and read any patent.

The search and the detail are matching/browse.py and matching/patent_detail.py; the web pages
(/ui/patents, /ui/offers) call these route functions, so the API and the pages show the same thing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy.orm import Session

from api.auth import Principal
from api.deps import MatcherLaterDep, require, session
from api.schemas import Error
from api.schemas_patents import PatentDetailOut, PatentPageOut
from data.enums import LegalStatus, Role
from matching.browse import MAX_LIMIT, PatentFilters, search_patents
from matching.patent_detail import find_patent, patent_detail, similar_patents

router = APIRouter(prefix="/patents", tags=["patents"])
readers = require("patents.read")
NOT_FOUND = {404: {"model": Error, "description": "No patent with this application number."}}


def today() -> dt.date:
    return dt.date.today()


def patent_filters(
        q: str = Query("", max_length=200, description="Words in the title or abstract, or an application number."),
        cluster: str | None = Query(None, max_length=100, description="Industry cluster name (集成电路)."),
        effect: str | None = Query(None, max_length=100, description="Technical effect, code or name (E04, 节能降耗)."),
        product: str | None = Query(None, max_length=100, description="Product category, code or part of its name."),
        field: str | None = Query(None, max_length=40, description="IPC code or prefix (H01M, H01M 10/)."),
        sleeping: bool | None = Query(None, description="true: only sleeping patents (沉睡专利); false: none."),
        licence: bool | None = Query(None, description="true: only patents with an open-licence offer one can "
                                                       "accept today; false: only those without."),
        holder: str | None = Query(None, max_length=200, description="A holder's name contains this text."),
        holder_id: int | None = Query(None, ge=1, le=2_147_483_647, description="Held by this organisation."),
        status_: LegalStatus | None = Query(None, alias="status", description="Legal status."),
        topic: str | None = Query(None, max_length=40, description="Learned topic code (T03; patent-match navigate "
                                                                   "topics fit).")) -> PatentFilters:
    return PatentFilters(q, cluster, effect, product, field, sleeping, licence, holder, holder_id, status_, topic)


@router.get("", response_model=PatentPageOut, summary="Search patents",
            responses={403: {"model": Error, "description": "Never for a valid key: every role may search."}})
def list_patents(filters: PatentFilters = Depends(patent_filters), who: Principal = Depends(readers),
                 db: Session = Depends(session), offset: int = Query(0, ge=0, le=10_000_000),
                 limit: int = Query(20, ge=1, le=MAX_LIMIT)) -> PatentPageOut:
    """Patents matching the text and every given facet, one page at a time (`total` counts them all).
    Title hits come first when searching text, then sleeping patents, then by application number."""
    page = search_patents(db, filters, today(), offset, limit)
    return PatentPageOut.model_validate(page, from_attributes=True)


def _similar(db: Session, later: Callable, patent) -> tuple | None:  # noqa: ANN001
    """Nearest patents, or None when the search index is not ready (the detail is still worth showing)."""
    try:
        matcher = later()
    except HTTPException as exc:
        if exc.status_code == status.HTTP_503_SERVICE_UNAVAILABLE:
            return None
        raise
    return similar_patents(db, matcher, patent)


@router.get("/{application_number}", response_model=PatentDetailOut, summary="One patent in full",
            responses=NOT_FOUND)
def get_patent(application_number: str, who: Principal = Depends(readers), db: Session = Depends(session),
               matcher_later: MatcherLaterDep = None) -> PatentDetailOut:
    """Title, abstract, first claim, IPC codes with their Chinese titles, holders, legal status with its
    raw text and the ownership ledger, each value indicator explained (unknown stays unknown), open-licence
    terms (royalty in percent), tags with their evidence, and similar patents from the search index."""
    patent = find_patent(db, application_number)
    if patent is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有申请号为 {application_number} 的专利")
    return describe(db, patent, _similar(db, matcher_later, patent), who)


def describe(db: Session, patent, similar: tuple | None, who: Principal | None = None) -> PatentDetailOut:  # noqa: ANN001
    """The detail of a loaded patent with the similar patents already found (None: no index). Only operators,
    evaluators and admins are told how many deals the market-use indicator rests on."""
    counts = who is not None and who.role in (Role.OPERATOR, Role.EVALUATOR, Role.ADMIN)
    return PatentDetailOut.model_validate(patent_detail(db, patent, today(), similar, counts), from_attributes=True)
