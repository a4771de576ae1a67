"""In-app notifications (data/notifications.py): an SME's or TTO's organisation's notices, or the operators'."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.auth import Principal
from api.deps import PathId, principal, session
from api.schemas import Error
from data import notifications
from data.models import Notification

router = APIRouter(prefix="/notifications", tags=["notifications"])
NOT_FOUND = {404: {"model": Error, "description": "No such notice, or not one addressed to this key."}}


class NotificationOut(BaseModel):
    id: int
    kind: str = Field(description="interest, interest_accept, interest_decline, interest_question, …")
    text: str
    link: str = Field(description="the web page it is about, e.g. /ui/interests/3")
    created_at: dt.datetime | None
    read_at: dt.datetime | None
    emailed_at: dt.datetime | None


class NotificationPage(BaseModel):
    total: int
    unread: int
    offset: int
    limit: int
    items: list[NotificationOut]


class ReadAllOut(BaseModel):
    marked: int = Field(description="notices marked read now")
    unread: int


def recipient(who: Principal) -> notifications.Recipient:
    return notifications.Recipient(who.role.value, who.organization_id)


def _out(notice: Notification) -> NotificationOut:
    return NotificationOut(id=notice.id, kind=notice.kind, text=notice.text, link=notice.link,
                           created_at=notice.created_at, read_at=notice.read_at, emailed_at=notice.emailed_at)


@router.get("", response_model=NotificationPage, summary="List notifications")
def listing(who: Principal = Depends(principal), db: Session = Depends(session),
            limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0, le=1_000_000)) -> NotificationPage:
    """This key's notices, unread first, with the unread count: its organisation's (SME, TTO) or the
    operators' (operator, admin)."""
    to = recipient(who)
    items = notifications.listing(db, to, limit, offset)
    return NotificationPage(total=notifications.count(db, to), unread=notifications.count(db, to, unread_only=True),
                            offset=offset, limit=limit, items=[_out(n) for n in items])


@router.post("/read-all", response_model=ReadAllOut, summary="Mark all as read")
def read_all(who: Principal = Depends(principal), db: Session = Depends(session)) -> ReadAllOut:
    """Mark every notice of this key's read."""
    marked = notifications.mark_all_read(db, recipient(who), dt.datetime.now(dt.UTC))
    db.commit()
    return ReadAllOut(marked=marked, unread=notifications.count(db, recipient(who), unread_only=True))


@router.post("/{notice_id}/read", response_model=NotificationOut, responses=NOT_FOUND, summary="Mark one as read")
def read(notice_id: PathId, who: Principal = Depends(principal), db: Session = Depends(session)) -> NotificationOut:
    """Mark one notice read (for everyone it is addressed to); reading it again changes nothing."""
    try:
        notice = notifications.mark_read(db, recipient(who), notice_id, dt.datetime.now(dt.UTC))
    except notifications.NotificationNotFound as exc:
        raise HTTPException(status.HTTP_404_NOT_FOUND, str(exc)) from None
    db.commit()
    return _out(notice)
