"""Read-side queries shared by the CLI and (later) the API."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from data.enums import LegalStatus
from data.models import Organization, Patent, PatentHolder


def list_patents(
    session: Session,
    *,
    sleeping: bool | None = None,
    holder: str | None = None,
    status: LegalStatus | None = None,
    ids: set[int] | None = None,
    limit: int | None = None,
) -> Sequence[Patent]:
    """Patents with their holders and IPC codes, newest application first."""
    query = select(Patent).options(
        selectinload(Patent.ipcs), selectinload(Patent.holders).selectinload(PatentHolder.organization)
    )
    if sleeping is not None:
        query = query.where(Patent.is_sleeping.is_(sleeping))
    if status is not None:
        query = query.where(Patent.legal_status == status)
    if holder:
        named = Organization.name.contains(holder, autoescape=True)  # % and _ are what was typed
        query = query.where(Patent.holders.any(PatentHolder.organization.has(named)))
    if ids is not None:  # e.g. the patents a facet (effect, cluster, product) selected
        query = query.where(Patent.id.in_(ids))
    query = query.order_by(Patent.application_date.desc(), Patent.application_number).limit(limit)
    return session.scalars(query).all()
