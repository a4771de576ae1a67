"""What ranking reads about candidate patents, loaded with five Core queries into frozen records.

A match reads the records of 40 to 500 candidates. As ORM objects with four eager relationships they
were the largest share of a serving worker (py-spy, 10k patents: 30% of its busy time, more than
lexical and dense search together); plain rows cost a fraction of that and hold no session state.
The records carry the attribute names of `data.models.Patent` that profiles, value scores and
explanations read, so those accept either.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import bindparam, select, text
from sqlalchemy.orm import Session

from data.enums import DealStatus, FeeType, LegalStatus, OfferStatus, OrgKind, PatentType, TransactionKind
from data.models import LicenseOffer, Organization, Patent, PatentHolder, PatentIPC, Transaction, TransactionPatent
from matching.features import wording


@dataclass(frozen=True)
class OrganizationRecord:
    id: int
    name: str
    kind: OrgKind
    city: str | None
    province: str | None


@dataclass(frozen=True)
class HolderRecord:
    organization_id: int
    organization: OrganizationRecord


@dataclass(frozen=True)
class IpcRecord:
    code: str
    subclass: str
    is_main: bool
    position: int


@dataclass(frozen=True)
class OfferRecord:
    id: int
    fee_type: FeeType
    lump_sum: Decimal | None
    royalty_rate: Decimal | None
    per_unit_fee: Decimal | None
    pay_later_months: int | None
    term_end: dt.date
    status: OfferStatus


@dataclass(frozen=True)
class PatentRecord:
    id: int
    application_number: str
    title: str
    abstract: str
    first_claim: str
    patent_type: PatentType
    application_date: dt.date
    legal_status: LegalStatus
    claim_count: int | None
    cited_by_count: int | None
    family_size: int | None
    right_suspended: bool
    has_evaluation_report: bool
    is_sleeping: bool
    ipcs: tuple[IpcRecord, ...]
    holders: tuple[HolderRecord, ...]  # by position, as Patent.holders
    offers: tuple[OfferRecord, ...]  # active offers only, oldest first: active_offer() takes the first
    transactions: tuple[int, ...]  # ids of the in-force transfers, licences and equity deals naming the patent


PatentLike = Patent | PatentRecord  # what profiles, value scores and explanations read

# Built once: constructing a statement per call cost more than SQLite took to answer it. Results are fetched
# with .all(): iterating a result fetches row by row (600 statuses at 1M patents: 3.9 ms, fetched at once 3.4).
IDS, NUMBERS = bindparam("ids", expanding=True), bindparam("numbers", expanding=True)
STATUSES = select(Patent.application_number, Patent.id, Patent.legal_status).where(
    Patent.application_number.in_(NUMBERS))
# SQLite's planner takes the unique index for point lookups without weighing the covering one (0009),
# then reads each patent's row; at 1M patents those rows are scattered over a gigabyte.
STATUSES_SQLITE = text("SELECT application_number, id, legal_status FROM patents INDEXED BY ix_patents_status_lookup "
                       "WHERE application_number IN :numbers").bindparams(NUMBERS).columns(
    Patent.application_number, Patent.id, Patent.legal_status)
PATENTS = select(Patent.id, Patent.application_number, Patent.title, Patent.abstract, Patent.first_claim,
                 Patent.patent_type, Patent.application_date, Patent.legal_status, Patent.claim_count,
                 Patent.cited_by_count, Patent.family_size, Patent.right_suspended, Patent.has_evaluation_report,
                 Patent.is_sleeping).where(Patent.id.in_(IDS))
IPCS = select(PatentIPC.patent_id, PatentIPC.code, PatentIPC.subclass, PatentIPC.is_main, PatentIPC.position).where(
    PatentIPC.patent_id.in_(IDS)).order_by(PatentIPC.position)
HOLDERS = select(PatentHolder.patent_id, Organization.id, Organization.name, Organization.kind, Organization.city,
                 Organization.province).join(Organization, PatentHolder.organization_id == Organization.id).where(
    PatentHolder.patent_id.in_(IDS)).order_by(PatentHolder.position)
OFFERS = select(LicenseOffer.patent_id, LicenseOffer.id, LicenseOffer.fee_type, LicenseOffer.lump_sum,
                LicenseOffer.royalty_rate, LicenseOffer.per_unit_fee, LicenseOffer.pay_later_months,
                LicenseOffer.term_end, LicenseOffer.status).where(
    LicenseOffer.patent_id.in_(IDS), LicenseOffer.status == OfferStatus.ACTIVE).order_by(LicenseOffer.id)
WORDINGS = select(Patent.id, Patent.title, Patent.abstract).where(Patent.id.in_(IDS))
MARKET_KINDS = (TransactionKind.TRANSFER, TransactionKind.LICENSE, TransactionKind.EQUITY)
DEALS = select(TransactionPatent.patent_id, TransactionPatent.transaction_id).join(
    Transaction, Transaction.id == TransactionPatent.transaction_id).where(
    TransactionPatent.patent_id.in_(IDS), Transaction.kind.in_(MARKET_KINDS), Transaction.status == DealStatus.IN_FORCE)


def legal_statuses(session: Session, numbers: Sequence[str]) -> dict[str, tuple[int, LegalStatus]]:
    """Application number → (patent id, legal status) for the numbers on record."""
    connection = session.connection()
    query = STATUSES_SQLITE if connection.dialect.name == "sqlite" else STATUSES
    rows = connection.execute(query, {"numbers": list(numbers)}).all()
    return {number: (pid, status) for number, pid, status in rows}


def patent_records(session: Session, ids: Sequence[int]) -> dict[str, PatentRecord]:
    """Application number → record for the patent ids on record (a removed patent is simply absent)."""
    connection, bound = session.connection(), {"ids": list(ids)}
    ipcs: dict[int, list[IpcRecord]] = defaultdict(list)
    for pid, *row in connection.execute(IPCS, bound).all():
        ipcs[pid].append(IpcRecord(*row))
    holders: dict[int, list[HolderRecord]] = defaultdict(list)
    for pid, *org in connection.execute(HOLDERS, bound).all():
        holders[pid].append(HolderRecord(org[0], OrganizationRecord(*org)))
    offers: dict[int, list[OfferRecord]] = defaultdict(list)
    for pid, *row in connection.execute(OFFERS, bound).all():
        offers[pid].append(OfferRecord(*row))
    deals: dict[int, list[int]] = defaultdict(list)
    for pid, deal in connection.execute(DEALS, bound).all():
        deals[pid].append(deal)
    return {row.application_number: PatentRecord(*row, tuple(ipcs[row.id]), tuple(holders[row.id]),
                                                 tuple(offers[row.id]), tuple(deals[row.id]))
            for row in connection.execute(PATENTS, bound).all()}


def patent_wordings(session: Session, ids: Sequence[int]) -> dict[int, str]:
    """Patent id → its title and abstract as `phrase` reads them (matching/features.py `wording`)."""
    rows = session.connection().execute(WORDINGS, {"ids": list(ids)}).all()
    return {pid: wording(f"{title}{abstract}") for pid, title, abstract in rows}
