"""The ownership ledger over HTTP: who held a patent on a date, its history, and operators' corrections."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.orm import Session

from api.audit import actor
from api.audit import record as record_audit
from api.auth import Principal
from api.deps import MAX_ID, invalid, principal, require, session
from api.schemas import Error
from data import ledger
from data.enums import OwnershipEventKind
from data.models import Organization, Patent

router = APIRouter(prefix="/patents", tags=["ownership ledger"])
correctors = require("ledger.correct")


class LedgerEntryOut(BaseModel):
    effective_on: dt.date
    kind: OwnershipEventKind
    holders: list[str]
    evidence: str
    reason: str
    actor: str
    transaction_id: int | None


class OwnershipOut(BaseModel):
    application_number: str
    on: dt.date
    holders: list[str] = Field(description="who held the patent on `on`, as the ledger shows")
    history: list[LedgerEntryOut]


class CorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    holder_ids: list[int] = Field(min_length=1, max_length=20, description="the holders from effective_on on")
    effective_on: dt.date
    reason: str = Field(min_length=1, max_length=2_000, description="著录项目变更的依据")
    evidence: str = Field("", max_length=2_000, description="e.g. the 著录项目变更 notice number")


def _patent(db: Session, number: str) -> Patent:
    patent = db.scalar(select(Patent).where(Patent.application_number == number))
    if patent is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有申请号为 {number} 的专利")
    return patent


def ownership(db: Session, patent: Patent, on: dt.date) -> OwnershipOut:
    return OwnershipOut(application_number=patent.application_number, on=on,
                        holders=[o.name for o in ledger.holders_on(db, patent, on)],
                        history=[LedgerEntryOut(**e.__dict__) for e in ledger.history(db, patent)])


@router.get("/{application_number}/ownership", response_model=OwnershipOut,
            responses={404: {"model": Error, "description": "No such patent."}},
            summary="Who held a patent on a date, and its ownership history")
def show(application_number: str, who: Principal = Depends(principal), db: Session = Depends(session),
         on: dt.date | None = Query(None, description="default: today")) -> OwnershipOut:
    """Who held the patent on `on` (default today) and the whole ownership ledger."""
    return ownership(db, _patent(db, application_number), on or dt.date.today())


@router.post("/{application_number}/ownership", response_model=OwnershipOut, status_code=status.HTTP_201_CREATED,
             responses={404: {"model": Error, "description": "No such patent."},
                        403: {"model": Error, "description": "Only operators correct the record."}},
             summary="Correct the holders (著录项目变更), with a reason")
def correct(application_number: str, body: CorrectionIn, who: Principal = Depends(correctors),
            db: Session = Depends(session)) -> OwnershipOut:
    """An operator's correction of the holders (著录项目变更) with a reason and evidence; it becomes a ledger event."""
    patent = _patent(db, application_number)
    orgs = []
    for position, org_id in enumerate(body.holder_ids):
        org = db.get(Organization, org_id) if 1 <= org_id <= MAX_ID else None
        if org is None:
            raise invalid(f"body.holder_ids.{position}", f"没有编号为 {org_id} 的单位")
        orgs.append(org)
    before = [h.organization.name for h in patent.holders]
    try:
        ledger.correct(db, patent, orgs, body.effective_on, body.reason, dt.date.today(), evidence=body.evidence,
                       actor=actor(who))
    except ledger.LedgerInputError as exc:
        db.rollback()
        raise invalid(f"body.{exc.field}", exc.message) from None
    record_audit(db, who, "update", "patent_holders", patent.id, {"holders": before},
                 {"holders": [h.organization.name for h in patent.holders], "reason": body.reason})
    db.commit()
    return ownership(db, patent, dt.date.today())
