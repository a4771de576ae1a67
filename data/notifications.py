"""In-app notifications: a notice for one organisation's keys of a role (an SME's, a TTO's) or for every key
of a role (operators).

A notice is read once for everyone it is addressed to: an operators' notice read by one operator is read for
all of them, as they share one queue. Email is optional (data/mail.py); `emailed_at` says it went out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.orm import Session

from data.models import Notification

SHARED_ROLES = ("operator", "admin")  # roles whose notices are the role's, not one organisation's
CREATED = "new_notices"  # session.info key: the notices this unit of work created (for email after commit)


@dataclass(frozen=True)
class Recipient:
    """Who reads notices: a key's role and organisation (SME and TTO keys act for an organisation)."""

    role: str
    organization_id: int | None


class NotificationNotFound(LookupError):
    pass


def for_organization(session: Session, organization_id: int, role: str, kind: str, text: str,
                     link: str = "") -> Notification:
    return _add(session, Notification(organization_id=organization_id, role=role, kind=kind, text=text, link=link))


def for_operators(session: Session, kind: str, text: str, link: str = "") -> Notification:
    return _add(session, Notification(organization_id=None, role="operator", kind=kind, text=text, link=link))


def _add(session: Session, notice: Notification) -> Notification:
    session.add(notice)
    session.info.setdefault(CREATED, []).append(notice)
    return notice


def created(session: Session) -> list[Notification]:
    """The notices added in this session since the last call (flush first for their ids)."""
    return session.info.pop(CREATED, [])


def addressed_to(who: Recipient):  # noqa: ANN201
    """The condition that picks a recipient's notices (admins read the operators' queue)."""
    if who.role in SHARED_ROLES:
        return and_(Notification.organization_id.is_(None), Notification.role == "operator")
    if who.organization_id is None:
        return Notification.id.is_(None)  # a key for no organisation has no organisation's notices
    return and_(Notification.organization_id == who.organization_id,
                (Notification.role.is_(None)) | (Notification.role == who.role))


def listing(session: Session, who: Recipient, limit: int = 50, offset: int = 0) -> list[Notification]:
    """Unread first, newest first within each."""
    unread_first = case((Notification.read_at.is_(None), 0), else_=1)
    query = select(Notification).where(addressed_to(who)).order_by(unread_first, Notification.id.desc())
    return list(session.scalars(query.offset(offset).limit(limit)))


def count(session: Session, who: Recipient, unread_only: bool = False) -> int:
    query = select(func.count(Notification.id)).where(addressed_to(who))
    if unread_only:
        query = query.where(Notification.read_at.is_(None))
    return session.scalar(query) or 0


def mark_read(session: Session, who: Recipient, notice_id: int, now: dt.datetime) -> Notification:
    """Another recipient's notice is not found (404), as it is not this recipient's to see."""
    notice = session.scalar(select(Notification).where(Notification.id == notice_id, addressed_to(who)))
    if notice is None:
        raise NotificationNotFound(f"没有编号为 {notice_id} 的通知")
    if notice.read_at is None:
        notice.read_at = now
    return notice


def mark_all_read(session: Session, who: Recipient, now: dt.datetime) -> int:
    found = session.execute(update(Notification).where(addressed_to(who), Notification.read_at.is_(None))
                            .values(read_at=now).execution_options(synchronize_session=False))
    return found.rowcount or 0
