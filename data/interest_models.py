"""意向洽谈 (interests and their messages) and in-app notifications (data/interests.py, data/notifications.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from data.enums import InterestStatus
from data.models import Base, Need, Organization, Patent, Timestamped, _enum


class Interest(Timestamped, Base):
    """意向洽谈: an SME's interest in a patent for one of its needs, answered by the holder's TTO; an
    accepted conversation can become a deal recorded by an operator (data/interests.py)."""

    __tablename__ = "interests"
    __table_args__ = (UniqueConstraint("need_id", "patent_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("needs.id", ondelete="CASCADE"), index=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id"), index=True)
    sme_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    holder_org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)  # when it was sent
    status: Mapped[InterestStatus] = mapped_column(_enum(InterestStatus), default=InterestStatus.OPEN)
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("transactions.id"))

    need: Mapped[Need] = relationship()
    patent: Mapped[Patent] = relationship()
    sme_org: Mapped[Organization] = relationship(foreign_keys=[sme_org_id])
    holder_org: Mapped[Organization] = relationship(foreign_keys=[holder_org_id])
    messages: Mapped[list[InterestMessage]] = relationship(cascade="all, delete-orphan",
                                                           order_by="InterestMessage.id")


class InterestMessage(Base):
    """One step of a conversation: a message, a question, an acceptance, a refusal with its reason."""

    __tablename__ = "interest_messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    interest_id: Mapped[int] = mapped_column(ForeignKey("interests.id", ondelete="CASCADE"), index=True)
    author_org_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    author_role: Mapped[str] = mapped_column(String(24))
    action: Mapped[str] = mapped_column(String(24))  # message / question / accept / decline / withdraw / deal
    text: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())


class Notification(Base):
    """An in-app notice for an organisation (its SME or TTO keys) or for a role (operators)."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_recipient", "organization_id", "role", "read_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organizations.id"))
    role: Mapped[str | None] = mapped_column(String(24))  # for notices to every key of a role
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    link: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())
    read_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    emailed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
