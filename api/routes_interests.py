"""意向洽谈 over HTTP: an SME's interest in a patent for its need, the holder's TTO's answers, the operator's deal.

The rules are data/interests.py's; a refusal is 422 (bad input), 403 (wrong role or side), 404 (no such
interest, or another organisation's) or 409 (the conversation's state, or an earlier interest) and names
the field and the rule in Chinese.
"""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Query, Request, status
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session, object_session

from api.audit import actor as audit_actor
from api.audit import record as record_audit
from api.audit import snapshot
from api.auth import Principal
from api.deps import PathId, invalid, require, session
from api.errors import FieldConflict
from api.routes_transactions import refused as deal_refused
from api.schemas import DealTermsIn, Error, Id, Page, PlainText
from data import deals, interests, notifications
from data.enums import InterestStatus, TransactionKind, label
from data.interests import Actor, InterestRefused
from data.models import Interest, Organization, Transaction

router = APIRouter(prefix="/interests", tags=["interests (意向洽谈)"])
parties = require("interests.take_part")
recorders = require("interests.record_deal")
ERRORS = {403: {"model": Error, "description": "This key's role or side may not take this step."},
          404: {"model": Error, "description": "No such interest, or not one this key may see."},
          409: {"model": Error, "description": "The conversation's state forbids this step, or an interest in "
                                               "this need and patent exists (the answer names it)."}}
DEAL_KINDS = (TransactionKind.TRANSFER, TransactionKind.LICENSE, TransactionKind.EQUITY)


def today() -> dt.date:
    return dt.date.today()


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class InterestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    need_id: Id = Field(description="one of the SME's own open needs")
    application_number: PlainText = Field(min_length=1, max_length=20, description="申请号 of the patent")
    message: PlainText = Field(max_length=interests.MAX_TEXT, description="意向说明: what the SME wants and why")


class TextIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: PlainText = Field("", max_length=interests.MAX_TEXT)


class DeclineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: PlainText = Field(max_length=interests.MAX_TEXT, description="婉拒理由 (required)")


class InterestDealIn(DealTermsIn):
    """The deal's own fields; the patent, the parties (holder → SME) and the source need come from the interest."""

    kind: TransactionKind = Field(description="transfer, license or equity")


class MessageOut(BaseModel):
    id: int
    action: str = Field(description="interest, message, question, accept, decline, withdraw or deal")
    author_role: str
    author: str = Field(description="the author's organisation, or 运营中心")
    text: str
    at: dt.datetime | None


class InterestOut(BaseModel):
    id: int
    need_id: int
    need_title: str
    application_number: str
    patent_title: str
    sme_org_id: int
    sme_org: str
    holder_org_id: int
    holder_org: str
    status: InterestStatus
    status_zh: str
    transaction_id: int | None
    created_at: dt.datetime | None
    last_activity_at: dt.datetime | None
    age_days: int = Field(description="days since the interest was sent")
    messages: list[MessageOut]


def actor_of(who: Principal) -> Actor:
    return Actor(who.role, who.organization_id)


def refusal(exc: InterestRefused) -> Exception:
    if exc.kind == "invalid":
        return invalid(f"body.{exc.field}", exc.message)
    if exc.kind == "conflict":
        return FieldConflict({exc.field: exc.message}, f"{exc.field}：{exc.message}")
    code = status.HTTP_403_FORBIDDEN if exc.kind == "forbidden" else status.HTTP_404_NOT_FOUND
    return HTTPException(code, exc.message)


def out(interest: Interest) -> InterestOut:
    names = {interest.sme_org_id: interest.sme_org.name, interest.holder_org_id: interest.holder_org.name}
    for m in interest.messages:  # a former holder's answers, before the patent changed hands
        if m.author_org_id is not None and m.author_org_id not in names:
            former = object_session(interest).get(Organization, m.author_org_id)
            names[m.author_org_id] = former.name if former else ""
    messages = [MessageOut(id=m.id, action=m.action, author_role=m.author_role, text=m.text, at=m.at,
                           author=names.get(m.author_org_id) or "运营中心") for m in interest.messages]
    return InterestOut(id=interest.id, need_id=interest.need_id, need_title=interest.need.title,
                       application_number=interest.patent.application_number, patent_title=interest.patent.title,
                       sme_org_id=interest.sme_org_id, sme_org=interest.sme_org.name,
                       holder_org_id=interest.holder_org_id, holder_org=interest.holder_org.name,
                       status=interest.status, status_zh=label(interest.status), transaction_id=interest.transaction_id,
                       created_at=interest.created_at, last_activity_at=interests.last_activity(interest),
                       age_days=interests.age_days(interest, today()), messages=messages)


def _email_later(request: Request, tasks: BackgroundTasks, db: Session) -> None:
    """Notices created by this request go out by email after the answer, when SMTP is configured."""
    from data import mail
    from data.settings import get_settings

    settings, ids = get_settings(), [n.id for n in notifications.created(db)]
    if ids and mail.enabled(settings):
        tasks.add_task(mail.deliver, request.app.state.engine, ids, settings)


@router.post("", status_code=status.HTTP_201_CREATED, response_model=InterestOut, responses=ERRORS,
             summary="Express interest in a patent")
def express(body: InterestIn, request: Request, tasks: BackgroundTasks, who: Principal = Depends(parties),
            db: Session = Depends(session)) -> InterestOut:
    """An SME expresses interest in a patent for one of its own open needs; the holder's TTO and the
    operators are notified."""
    try:
        interest = interests.express(db, actor_of(who), body.need_id, body.application_number.strip(),
                                     body.message, now())
    except InterestRefused as exc:
        db.rollback()
        raise refusal(exc) from None
    return _commit(request, tasks, db, interest)


def _commit(request: Request, tasks: BackgroundTasks, db: Session, interest: Interest) -> InterestOut:
    db.flush()
    _email_later(request, tasks, db)
    db.commit()
    return out(interest)  # as stored: every time read back the same way


@router.get("", response_model=Page[InterestOut], responses=ERRORS, summary="List conversations")
def inbox(who: Principal = Depends(parties), db: Session = Depends(session),
          status_: list[InterestStatus] = Query([], alias="status", description="e.g. status=open&status=talking"),
          oldest_first: bool = Query(False, description="by age, the oldest first (the operators' view)"),
          limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=1_000_000)) -> Page[InterestOut]:
    """An SME's own interests, those addressed to a TTO's organisation, or all of them for operators, with
    their age in days and last activity; the newest first unless oldest_first."""
    query = interests.visible(select(Interest), actor_of(who))
    if status_:
        query = query.where(Interest.status.in_(status_))
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    order = (Interest.created_at, Interest.id) if oldest_first else (Interest.created_at.desc(), Interest.id.desc())
    items = db.scalars(query.order_by(*order).offset(offset).limit(limit)).all()
    if [i for i in items if interests.readdress(db, i)]:  # a patent changed hands: its new holder answers
        db.commit()
    return Page[InterestOut](total=total, offset=offset, limit=limit, items=[out(i) for i in items])


@router.get("/{interest_id}", response_model=InterestOut, responses=ERRORS, summary="One conversation")
def read(interest_id: PathId, who: Principal = Depends(parties), db: Session = Depends(session)) -> InterestOut:
    """One conversation with every step."""
    try:
        interest = interests.find(db, actor_of(who), interest_id)
    except InterestRefused as exc:
        raise refusal(exc) from None
    db.commit()  # find readdresses a conversation whose patent changed hands
    return out(interest)


def _step(request: Request, tasks: BackgroundTasks, db: Session, who: Principal, interest_id: int, step,  # noqa: ANN001
          text: str) -> InterestOut:
    try:
        interest = interests.find(db, actor_of(who), interest_id)
        step(db, actor_of(who), interest, text, now())
    except InterestRefused as exc:
        db.rollback()
        raise refusal(exc) from None
    return _commit(request, tasks, db, interest)


@router.post("/{interest_id}/accept", response_model=InterestOut, responses=ERRORS, summary="Accept talks")
def accept(interest_id: PathId, request: Request, tasks: BackgroundTasks, body: TextIn | None = None,
           who: Principal = Depends(parties), db: Session = Depends(session)) -> InterestOut:
    """The holder's TTO accepts talks (from open or question); the SME is notified."""
    return _step(request, tasks, db, who, interest_id, interests.accept, body.text if body else "")


@router.post("/{interest_id}/decline", response_model=InterestOut, responses=ERRORS, summary="Decline with a reason")
def decline(interest_id: PathId, body: DeclineIn, request: Request, tasks: BackgroundTasks,
            who: Principal = Depends(parties), db: Session = Depends(session)) -> InterestOut:
    """The holder's TTO declines, with a reason (required); the conversation is closed."""
    return _step(request, tasks, db, who, interest_id, interests.decline, body.reason)


@router.post("/{interest_id}/question", response_model=InterestOut, responses=ERRORS, summary="Ask a question")
def question(interest_id: PathId, body: TextIn, request: Request, tasks: BackgroundTasks,
             who: Principal = Depends(parties), db: Session = Depends(session)) -> InterestOut:
    """The holder's TTO asks the SME a question (before deciding, or during talks)."""
    return _step(request, tasks, db, who, interest_id, interests.question, body.text)


@router.post("/{interest_id}/message", response_model=InterestOut, responses=ERRORS, summary="Send a message")
def message(interest_id: PathId, body: TextIn, request: Request, tasks: BackgroundTasks,
            who: Principal = Depends(parties), db: Session = Depends(session)) -> InterestOut:
    """The SME replies; an answer to a question hands the decision back to the TTO (status open)."""
    return _step(request, tasks, db, who, interest_id, interests.reply, body.text)


@router.post("/{interest_id}/withdraw", response_model=InterestOut, responses=ERRORS, summary="Withdraw an interest")
def withdraw(interest_id: PathId, request: Request, tasks: BackgroundTasks, body: TextIn | None = None,
             who: Principal = Depends(parties), db: Session = Depends(session)) -> InterestOut:
    """The SME withdraws its interest; the conversation is closed."""
    return _step(request, tasks, db, who, interest_id, interests.withdraw, body.text if body else "")


@router.post("/{interest_id}/deal", status_code=status.HTTP_201_CREATED, response_model=InterestOut,
             responses=ERRORS, summary="Record the deal a conversation led to")
def deal(interest_id: PathId, body: InterestDealIn, request: Request, tasks: BackgroundTasks,
         who: Principal = Depends(recorders), db: Session = Depends(session)) -> InterestOut:
    """An operator records the deal an accepted conversation led to: from the holder to the SME, for the
    interest's patent, under the rules of POST /transactions (the ledger's holder check included). The
    deal cites the need, and the pair gets match feedback grade 2."""
    from api.routes_transactions import _out as deal_out

    if body.kind not in DEAL_KINDS:
        raise invalid("body.kind", "洽谈只能达成转让、许可或作价入股交易")
    try:
        interest = interests.find(db, actor_of(who), interest_id)
        record = Transaction(**body.model_dump(), from_org=db.get(Organization, interest.holder_org_id),
                             to_org=db.get(Organization, interest.sme_org_id))
        interests.record_deal(db, actor_of(who), interest, record, today(), now(), audit_actor(who))
    except InterestRefused as exc:
        db.rollback()
        raise refusal(exc) from None
    except deals.DealRefused as exc:
        db.rollback()
        raise deal_refused(exc) from None
    record_audit(db, who, "create", "transaction", record.id, None, snapshot(deal_out(record)))
    return _commit(request, tasks, db, interest)
