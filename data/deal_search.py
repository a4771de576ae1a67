"""Finding recorded deals: one query that the operator's deals page (and any list of deals) pages through.

Free text matches a patent's 申请号 (typed with or without CN/ZL and spaces), either party's name or the
contract number (合同编号); kind, status and signing year narrow the list. The newest deal comes first,
and the page carries the total so a pager can say where it is.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, func, or_, select
from sqlalchemy.orm import Session, selectinload

from data.enums import DealStatus, TransactionKind
from data.ledger import MOVES_RIGHT
from data.models import Organization, Patent, Transaction
from data.normalize import normalize_application_number


@dataclass(frozen=True)
class DealQuery:
    text: str = ""
    kind: TransactionKind | None = None
    status: DealStatus | None = None
    year: int | None = None


@dataclass(frozen=True)
class DealPage:
    total: int  # deals matching the query, on every page
    offset: int
    limit: int
    items: Sequence[Transaction]


def _contains(column: ColumnElement, text: str) -> ColumnElement[bool]:
    # lower() on both sides: the same case-insensitive match on SQLite and PostgreSQL; % and _ typed are literal
    return func.lower(column).contains(text.lower(), autoescape=True)


def _numbers(text: str) -> list[str]:
    """What a typed 申请号 may be stored as: the text itself and, if it parses, its normal form."""
    try:
        return [text, normalize_application_number(text)]
    except ValueError:
        return [text]


def where(query: DealQuery) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    text = query.text.strip()
    if text:
        conditions.append(or_(
            *(Transaction.patents.any(_contains(Patent.application_number, n)) for n in _numbers(text)),
            Transaction.from_org.has(_contains(Organization.name, text)),
            Transaction.to_org.has(_contains(Organization.name, text)),
            _contains(Transaction.external_id, text)))
    if query.kind is not None:
        conditions.append(Transaction.kind == query.kind)
    if query.status is not None:
        conditions.append(Transaction.status == query.status)
    if query.year is not None:
        conditions.append(Transaction.signed_on.between(dt.date(query.year, 1, 1), dt.date(query.year, 12, 31)))
    return conditions


def _filtered(query: DealQuery) -> Select:
    return select(Transaction).where(*where(query))


def effective_date(deal: Transaction) -> dt.date | None:
    """When a deal in force took effect: a transfer or equity contribution on its 登记 date (as the ledger
    moves the patent), an open licence when its fee was paid, any other deal on signing; None if not in force."""
    if deal.status is not DealStatus.IN_FORCE:
        return None
    if deal.kind in MOVES_RIGHT:
        return deal.recorded_on or deal.signed_on
    return deal.effective_on or deal.signed_on


def search(session: Session, query: DealQuery, offset: int = 0, limit: int = 20) -> DealPage:
    total = session.scalar(select(func.count()).select_from(_filtered(query).subquery())) or 0
    items = session.scalars(_filtered(query).options(selectinload(Transaction.patents),
                                                     selectinload(Transaction.from_org),
                                                     selectinload(Transaction.to_org))
                            .order_by(Transaction.id.desc()).offset(offset).limit(limit)).all()
    return DealPage(total, offset, limit, items)
