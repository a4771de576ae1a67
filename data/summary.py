"""What the platform holds: the figures `patent-match demo` and `summary` print."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from data.enums import ChallengeState, LegalStatus, NeedStatus, OfferStatus, OrgKind, TransactionKind
from data.models import Challenge, LicenseOffer, Need, Organization, Patent, PatentHolder, Transaction


@dataclass(frozen=True)
class HolderRow:
    name: str
    kind: OrgKind
    patents: int
    valid: int
    sleeping: int
    offered: int


@dataclass(frozen=True)
class ChallengeRow:
    title: str
    publisher: str
    reward: Decimal
    deadline: dt.date
    state: ChallengeState


@dataclass(frozen=True)
class DealRow:
    year: int
    kind: TransactionKind
    count: int
    contract: Decimal
    received: Decimal


@dataclass(frozen=True)
class PatentCodes:
    application_number: str
    codes: tuple[str, ...]  # main code first
    sleeping: bool


@dataclass(frozen=True)
class Summary:
    orgs_by_kind: dict[OrgKind, int]
    patents_by_status: dict[LegalStatus, int]
    holders: list[HolderRow]
    patent_codes: list[PatentCodes]
    sleeping: int
    open_needs: int
    challenges: list[ChallengeRow]
    deals: list[DealRow]
    active_offers: int


def summarize(session: Session) -> Summary:
    orgs = Counter(dict(session.execute(select(Organization.kind, func.count()).group_by(Organization.kind)).all()))
    statuses = dict(session.execute(select(Patent.legal_status, func.count()).group_by(Patent.legal_status)).all())
    offered = set(session.scalars(select(LicenseOffer.patent_id).where(LicenseOffer.status == OfferStatus.ACTIVE)))
    patents = session.scalars(select(Patent).options(
        selectinload(Patent.ipcs), selectinload(Patent.holders).selectinload(PatentHolder.organization))).all()
    holders: dict[str, list[Patent]] = {}
    kinds: dict[str, OrgKind] = {}
    for patent in patents:
        for holder in patent.holders:
            holders.setdefault(holder.organization.name, []).append(patent)
            kinds[holder.organization.name] = holder.organization.kind
    holder_rows = sorted(
        (HolderRow(name, kinds[name], len(ps), sum(p.legal_status is LegalStatus.VALID for p in ps),
                   sum(p.is_sleeping for p in ps), sum(p.id in offered for p in ps))
         for name, ps in holders.items()),
        key=lambda row: (-row.patents, row.name),
    )
    codes = [PatentCodes(p.application_number,
                         tuple(sorted((i.code for i in p.ipcs), key=lambda c: c != p.main_ipc)), p.is_sleeping)
             for p in patents]
    challenges = [
        ChallengeRow(c.need.title, c.need.organization.name, c.reward, c.deadline, c.state)
        for c in session.scalars(select(Challenge).options(
            selectinload(Challenge.need).selectinload(Need.organization)).order_by(Challenge.deadline))
    ]
    deal_rows = [
        DealRow(int(year), kind, count, contract or Decimal(0), received or Decimal(0))
        for year, kind, count, contract, received in session.execute(
            select(func.extract("year", Transaction.signed_on).label("year"), Transaction.kind, func.count(),
                   func.sum(Transaction.contract_amount), func.sum(Transaction.received_amount))
            .group_by("year", Transaction.kind).order_by("year", Transaction.kind))
    ]
    return Summary(
        orgs_by_kind=dict(orgs),
        patents_by_status=statuses,
        holders=holder_rows,
        patent_codes=codes,
        sleeping=sum(p.is_sleeping for p in patents),
        open_needs=session.scalar(select(func.count()).select_from(Need).where(Need.status == NeedStatus.OPEN)) or 0,
        challenges=challenges,
        deals=deal_rows,
        active_offers=len(offered),
    )
