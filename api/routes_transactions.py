"""Deals that count toward targets (转让 / 许可 / 作价入股 / 质押) and their audit log.

Operators record deals; an `Idempotency-Key` header makes a retried request return the deal it
already created instead of counting it twice. Every create and update is written to the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from fastapi import APIRouter, Depends, Header, HTTPException, Query, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from api.audit import actor, snapshot
from api.audit import record as record_audit
from api.auth import Principal
from api.deps import PathId, invalid, require, session
from api.errors import FieldConflict
from api.schemas import Error, TransactionIn, TransactionOut, TransactionPatch
from data import deals
from data.models import AuditEntry, Challenge, Need, Organization, Patent, Transaction

router = APIRouter(tags=["transactions and targets"])
recorders = require("transactions.record")
readers = require("transactions.read")
ERRORS = {403: {"model": Error, "description": "Only operators record deals."},
          404: {"model": Error, "description": "No such deal."},
          409: {"model": Error, "description": "Idempotency-Key reused with a different request."}}


def today() -> dt.date:
    return dt.date.today()


def refused(exc: deals.DealRefused) -> Exception:
    """409 when the deal conflicts with stored records (the ledger, an open licence), else 422; both
    name each field and rule, and the web form shows them next to the fields."""
    if exc.conflict:
        return FieldConflict({p.field: p.message for p in exc.problems}, str(exc))
    return RequestValidationError([{"loc": ("body", p.field), "msg": p.message, "type": "value_error"}
                                   for p in exc.problems])


def _out(deal: Transaction) -> TransactionOut:
    fields = {name: getattr(deal, name) for name in TransactionOut.model_fields if name != "application_numbers"}
    return TransactionOut(**fields, application_numbers=[p.application_number for p in deal.patents])


def _snapshot(deal: Transaction) -> dict:
    return snapshot(_out(deal))


def _audit(db: Session, who: Principal, action: str, deal: Transaction, before: dict | None) -> None:
    record_audit(db, who, action, "transaction", deal.id, before, _snapshot(deal))


@router.post("/transactions", status_code=status.HTTP_201_CREATED, response_model=TransactionOut, responses=ERRORS,
             summary="Record a deal")
def record(body: TransactionIn, response: Response, who: Principal = Depends(recorders),
           db: Session = Depends(session),
           idempotency_key: str | None = Header(None, max_length=128,
                                                description="Retries with the same key return the same deal.")):
    """Record a transfer, licence, equity contribution or pledge under the rules of data/deals.py; an Idempotency-Key
    makes retries safe."""
    digest = hashlib.sha256(body.model_dump_json().encode("utf-8")).hexdigest()
    earlier = _recorded(db, idempotency_key)
    if earlier is not None:
        return _replayed(earlier, digest, response)
    patents = db.scalars(select(Patent).where(Patent.application_number.in_(body.application_numbers))).all()
    unknown = sorted(set(body.application_numbers) - {p.application_number for p in patents})
    if unknown:
        raise invalid("body.application_numbers", f"没有这些专利：{', '.join(unknown)}")
    for name, model, value in [("from_org_id", Organization, body.from_org_id), ("to_org_id", Organization,
                               body.to_org_id), ("source_need_id", Need, body.source_need_id),
                               ("source_challenge_id", Challenge, body.source_challenge_id)]:
        if value is not None and db.get(model, value) is None:
            raise invalid(f"body.{name}", f"没有编号为 {value} 的记录")
    deal = Transaction(**body.model_dump(exclude={"application_numbers"}), patents=list(patents),
                       idempotency_key=idempotency_key, request_digest=digest)
    deal.from_org, deal.to_org = db.get(Organization, body.from_org_id), db.get(Organization, body.to_org_id)
    try:
        deals.record(db, deal, today(), actor(who))
        _audit(db, who, "create", deal, None)
        db.commit()
    except deals.DealRefused as exc:
        db.rollback()
        raise refused(exc) from None
    except IntegrityError:
        # The same key sent again while the first request was running, through this process or another replica:
        # the database's unique key let one of them in; this one answers with that deal, as a later retry would.
        db.rollback()
        earlier = _recorded(db, idempotency_key)
        if earlier is None:
            raise
        return _replayed(earlier, digest, response)
    return _out(deal)


def _recorded(db: Session, idempotency_key: str | None) -> Transaction | None:
    if not idempotency_key:
        return None
    return db.scalar(select(Transaction).where(Transaction.idempotency_key == idempotency_key)
                     .options(selectinload(Transaction.patents)))


def _replayed(earlier: Transaction, digest: str, response: Response) -> TransactionOut:
    """A retry's answer: the deal its key recorded (200), or 409 when the key came with a different request."""
    if earlier.request_digest != digest:
        raise HTTPException(status.HTTP_409_CONFLICT, "Idempotency-Key was used for a different request")
    response.status_code = status.HTTP_200_OK
    return _out(earlier)


@router.patch("/transactions/{deal_id}", response_model=TransactionOut, responses=ERRORS, summary="Update a deal")
def update(deal_id: PathId, body: TransactionPatch, who: Principal = Depends(recorders),
           db: Session = Depends(session)) -> TransactionOut:
    """Raise the received amount, set the recording date or cancel the deal; the ledger follows."""
    deal = db.get(Transaction, deal_id)
    if deal is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no deal {deal_id}")
    before = _snapshot(deal)
    changes = body.model_dump(exclude_unset=True)
    try:
        deals.update(db, deal, changes, today(), actor(who))
    except deals.DealRefused as exc:
        db.rollback()
        raise refused(exc) from None
    _audit(db, who, "update", deal, before)
    db.commit()
    return _out(deal)


@router.get("/transactions", response_model=list[TransactionOut], summary="List deals")
def list_deals(who: Principal = Depends(readers), db: Session = Depends(session),
               year: int | None = Query(None, ge=1985, le=2100, description="Only deals signed in this year."),
               limit: int = Query(100, ge=1, le=1000),
               offset: int = Query(0, ge=0, le=10_000_000, description="Deals to skip: pages in a stable order.")):
    """Deals in the order they were recorded (by id), so `offset` pages never overlap or skip one; the year
    filter applies before paging."""
    query = select(Transaction).options(selectinload(Transaction.patents)).order_by(Transaction.id)
    if year is not None:
        query = query.where(Transaction.signed_on.between(dt.date(year, 1, 1), dt.date(year, 12, 31)))
    return [_out(d) for d in db.scalars(query.offset(offset).limit(limit))]


class AuditOut(BaseModel):
    at: dt.datetime
    actor: str
    action: str
    before: dict | None
    after: dict | None


@router.get("/transactions/{deal_id}/audit", response_model=list[AuditOut], responses=ERRORS,
            summary="A deal's audit log")
def audit(deal_id: PathId, who: Principal = Depends(readers), db: Session = Depends(session)) -> list[AuditOut]:
    """Every create and update of the deal with who made it, before and after."""
    entries = db.scalars(select(AuditEntry).where(AuditEntry.entity == "transaction", AuditEntry.entity_id == deal_id)
                         .order_by(AuditEntry.id))
    return [AuditOut(at=e.at, actor=e.actor, action=e.action, before=e.before, after=e.after) for e in entries]
