"""Anomaly review (异常转让/许可): scan deals with the documented rules (data/anomalies.py), then confirm
or dismiss each flag with a comment. Confirmed deals leave the target report."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from api.auth import Principal
from api.deps import PathId, invalid, require, session
from api.schemas import Error, Id
from data.anomalies import find_anomalies
from data.models import AnomalyFlag, Organization, Patent, RelatedParties, Transaction
from data.settings import get_settings

router = APIRouter(tags=["anomaly review"])
operators = require("anomalies.review")
reviewers = operators
readers = require("anomalies.read")


class FlagOut(BaseModel):
    id: int
    transaction_id: int
    rule: str
    evidence: str
    status: str
    comment: str
    reviewed_by: str | None


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    decision: Literal["confirm", "dismiss"]
    comment: str = Field(min_length=1, max_length=2_000, description="Why: every decision is explained.")


class RelatedIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    first_org_id: Id
    second_org_id: Id
    note: str = Field("", max_length=2_000)


class ScanOut(BaseModel):
    new: int
    open: int


def _flag_out(flag: AnomalyFlag) -> FlagOut:
    return FlagOut(id=flag.id, transaction_id=flag.transaction_id, rule=flag.rule, evidence=flag.evidence,
                   status=flag.status, comment=flag.comment, reviewed_by=flag.reviewed_by)


@router.post("/anomalies/scan", response_model=ScanOut, responses={403: {"model": Error}},
             summary="Scan deals for anomalies")
def scan(who: Principal = Depends(operators), db: Session = Depends(session)) -> ScanOut:
    """Run the documented anomaly rules over every deal; new flags are stored with their evidence."""
    from matching.clusters import cluster_map

    clusters = cluster_map(get_settings().cluster_scheme)
    deals = db.scalars(select(Transaction).options(
        selectinload(Transaction.patents).selectinload(Patent.ipcs), selectinload(Transaction.from_org),
        selectinload(Transaction.to_org))).all()
    related = {frozenset((r.first_org_id, r.second_org_id)) for r in db.scalars(select(RelatedParties))}
    findings = find_anomalies(
        deals, dt.date.today(), related,
        lambda patent: {t.cluster for t in clusters.tags_for_patent([i.code for i in patent.ipcs])},
        lambda industry: {t.cluster for t in clusters.tags_for_industry(industry)})
    known = {(row[0], row[1]) for row in db.execute(select(AnomalyFlag.transaction_id, AnomalyFlag.rule))}
    fresh = {(f.transaction_id, f.rule): f for f in findings if (f.transaction_id, f.rule) not in known}
    db.add_all(AnomalyFlag(transaction_id=f.transaction_id, rule=f.rule, evidence=f.evidence, status="open")
               for f in fresh.values())
    db.commit()
    open_flags = len(db.scalars(select(AnomalyFlag.id).where(AnomalyFlag.status == "open")).all())
    return ScanOut(new=len(fresh), open=open_flags)


@router.get("/anomalies", response_model=list[FlagOut], responses={403: {"model": Error}}, summary="List anomaly flags")
def flags(who: Principal = Depends(readers), db: Session = Depends(session),
          status_: Literal["open", "confirmed", "dismissed"] | None = Query(None, alias="status")) -> list[FlagOut]:
    """Flags with their rule, evidence and review; filter by status."""
    query = select(AnomalyFlag).order_by(AnomalyFlag.id)
    if status_:
        query = query.where(AnomalyFlag.status == status_)
    return [_flag_out(f) for f in db.scalars(query)]


@router.post("/anomalies/{flag_id}/review", response_model=FlagOut,
             responses={403: {"model": Error}, 404: {"model": Error}, 409: {"model": Error}},
             summary="Confirm or dismiss a flag")
def review(flag_id: PathId, body: ReviewIn, who: Principal = Depends(reviewers), db: Session = Depends(session)):  # noqa: ANN201
    """An operator's verdict on a flag, with a comment; a confirmed flag's deal no longer counts toward targets."""
    flag = db.get(AnomalyFlag, flag_id)
    if flag is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no flag {flag_id}")
    if flag.status != "open":
        raise HTTPException(status.HTTP_409_CONFLICT, f"flag {flag_id} was already {flag.status}")
    flag.status = "confirmed" if body.decision == "confirm" else "dismissed"
    flag.comment, flag.reviewed_by, flag.reviewed_at = body.comment, f"{who.role.value}#{who.key_id}", \
        dt.datetime.now(dt.UTC)
    db.commit()
    return _flag_out(flag)


@router.post("/related-parties", status_code=status.HTTP_201_CREATED, response_model=RelatedIn,
             responses={403: {"model": Error}, 409: {"model": Error, "description": "Already marked."}},
             summary="Mark two organisations as related")
def mark_related(body: RelatedIn, who: Principal = Depends(operators), db: Session = Depends(session)) -> RelatedIn:
    """Deals between related parties (关联方) are flagged by the anomaly scan."""
    first, second = sorted((body.first_org_id, body.second_org_id))
    if first == second or db.get(Organization, first) is None or db.get(Organization, second) is None:
        raise invalid("body.second_org_id", "two different, existing organisations")
    db.add(RelatedParties(first_org_id=first, second_org_id=second, note=body.note))
    db.commit()
    return RelatedIn(first_org_id=first, second_org_id=second, note=body.note)
