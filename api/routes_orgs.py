"""Organisations: name, kind, city, province, industry — what each role may look up (docs/api.md).

- everyone: universities and institutes, and every patent holder (holders are public register data, shown
  on each patent);
- an SME or TTO key: also its own organisation and its counterparts in deals it is a party to (a TTO sees
  the licensees of its offers);
- a TTO key: also the organisations with open needs (it may browse open needs, which name them);
- operators, evaluators and admins: all.
Another organisation answers 404, as a private record does elsewhere.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, status
from sqlalchemy import exists, func, or_, select
from sqlalchemy.orm import Session

from api.auth import Principal
from api.deps import PathId, require, session
from api.schemas import Error
from api.schemas_patents import OrgOut, OrgPageOut
from data.enums import NeedStatus, OrgKind, Role
from data.models import Need, Organization, PatentHolder, Transaction

router = APIRouter(prefix="/orgs", tags=["organisations"])
readers = require("orgs.read")
PUBLIC_KINDS = (OrgKind.UNIVERSITY, OrgKind.INSTITUTE)


def visible(query, who: Principal):  # noqa: ANN001, ANN201
    """Limit a SELECT of Organization to what this key may see (the rules in the module docstring)."""
    if who.role in (Role.OPERATOR, Role.EVALUATOR, Role.ADMIN):
        return query
    conditions = [Organization.kind.in_(PUBLIC_KINDS),
                  exists().where(PatentHolder.organization_id == Organization.id)]
    own = who.organization_id
    if own is not None:
        conditions += [Organization.id == own,
                       exists().where(Transaction.from_org_id == own, Transaction.to_org_id == Organization.id),
                       exists().where(Transaction.to_org_id == own, Transaction.from_org_id == Organization.id)]
    if who.role is Role.TTO:
        conditions.append(exists().where(Need.organization_id == Organization.id, Need.status == NeedStatus.OPEN))
    return query.where(or_(*conditions))


@router.get("", response_model=OrgPageOut, summary="Look up organisations",
            responses={403: {"model": Error, "description": "Never for a valid key: what is listed depends on "
                                                            "the role."}})
def list_orgs(who: Principal = Depends(readers), db: Session = Depends(session),
              q: str = Query("", max_length=200, description="Part of the name."),
              kind: OrgKind | None = Query(None, description="Only this kind of organisation."),
              city: str | None = Query(None, max_length=50, description="City or province contains this text."),
              offset: int = Query(0, ge=0, le=10_000_000), limit: int = Query(50, ge=1, le=500)) -> OrgPageOut:
    """The organisations this key may see, by name (then id), one page at a time."""
    query = visible(select(Organization), who)
    if q.strip():
        query = query.where(Organization.name.contains(q.strip(), autoescape=True))
    if kind is not None:
        query = query.where(Organization.kind == kind)
    if city and city.strip():
        place = city.strip()
        query = query.where(or_(Organization.city.contains(place, autoescape=True),
                                Organization.province.contains(place, autoescape=True)))
    total = db.scalar(select(func.count()).select_from(query.with_only_columns(Organization.id).subquery())) or 0
    rows = db.scalars(query.order_by(Organization.name, Organization.id).offset(offset).limit(limit)).all()
    return OrgPageOut(total=total, offset=offset, limit=limit, items=[OrgOut.model_validate(o) for o in rows])


@router.get("/{org_id}", response_model=OrgOut, summary="One organisation",
            responses={404: {"model": Error, "description": "No such organisation, or not one this key may see."}})
def get_org(org_id: PathId, who: Principal = Depends(readers), db: Session = Depends(session)) -> OrgOut:
    """Name, kind, city, province and declared industry of an organisation this key may see."""
    found = db.scalar(visible(select(Organization).where(Organization.id == org_id), who))
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有编号为 {org_id} 的单位，或您无权查看")
    return OrgOut.model_validate(found)
