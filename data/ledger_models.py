"""Records of the ownership ledger (data/ledger.py): who held a patent from which date on."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, DateTime, ForeignKey, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from data.enums import OwnershipEventKind
from data.models import Base, Organization, Patent, _enum


class OwnershipEvent(Base):
    """One entry of the ownership ledger: from `effective_on` on, the patent is held by exactly `holders`.

    `patent_holders` is the latest entry's holder list, kept by data/ledger.py; it is never written
    anywhere else, so who held a patent on any date can be answered from here."""

    __tablename__ = "ownership_events"
    __table_args__ = (Index("ix_ownership_events_patent_date", "patent_id", "effective_on", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"))
    kind: Mapped[OwnershipEventKind] = mapped_column(_enum(OwnershipEventKind))
    effective_on: Mapped[dt.date] = mapped_column(Date)
    transaction_id: Mapped[int | None] = mapped_column(ForeignKey("transactions.id"), index=True)
    evidence: Mapped[str] = mapped_column(Text, default="")  # file and row, contract number, 变更 notice
    reason: Mapped[str] = mapped_column(Text, default="")  # why an operator corrected the record
    actor: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    patent: Mapped[Patent] = relationship(back_populates="ownership_events")
    holders: Mapped[list[OwnershipEventHolder]] = relationship(
        cascade="all, delete-orphan", order_by="OwnershipEventHolder.position")


class OwnershipEventHolder(Base):
    __tablename__ = "ownership_event_holders"

    event_id: Mapped[int] = mapped_column(ForeignKey("ownership_events.id", ondelete="CASCADE"), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), primary_key=True)
    position: Mapped[int] = mapped_column(Integer, default=0)

    organization: Mapped[Organization] = relationship()
