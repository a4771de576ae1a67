"""Needs (技术需求): SMEs manage their own; operators and admins all; TTOs read open ones."""

from __future__ import annotations

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from api.audit import record as record_audit
from api.audit import snapshot
from api.auth import Principal
from api.deps import PathId, invalid, principal, require, session
from api.messages import Refused
from api.permissions import roles_for
from api.schemas import Error, NeedIn, NeedOut, NeedPatch, Page
from data.enums import NeedStatus, Role
from data.models import Interest, Need, Organization, Transaction

router = APIRouter(prefix="/needs", tags=["needs"])
NOT_FOUND = {404: {"model": Error, "description": "No such need, or not one this key may see."}}
FORBIDDEN = {403: {"model": Error, "description": "This key's role may not do this."}}
WRITERS = roles_for("needs.write")
writers = require("needs.write")


def visible(query, who: Principal):  # noqa: ANN001, ANN201
    """SMEs see their own needs, TTOs the open ones, everyone else all of them."""
    if who.role is Role.SME:
        return query.where(Need.organization_id == who.organization_id)
    if who.role is Role.TTO:
        return query.where(Need.status == NeedStatus.OPEN)
    return query


def get_need(db: Session, need_id: PathId, who: Principal) -> Need:
    need = db.scalar(visible(select(Need).where(Need.id == need_id), who))
    if need is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no need {need_id}")
    return need


def writable_need(db: Session, need_id: PathId, who: Principal) -> Need:
    need = get_need(db, need_id, who)
    if who.role not in (*WRITERS, Role.ADMIN):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"role {who.role.value} may not change needs")
    return need


@router.post("", status_code=status.HTTP_201_CREATED, response_model=NeedOut, responses={**FORBIDDEN, **NOT_FOUND},
             summary="Post a need")
def create_need(body: NeedIn, who: Principal = Depends(writers), db: Session = Depends(session)) -> Need:
    """An SME posts a technology need for itself; an operator for any organisation."""
    if who.role is Role.SME:
        if body.organization_id not in (None, who.organization_id):
            raise HTTPException(status.HTTP_403_FORBIDDEN, "an SME posts needs for its own organisation only")
        org_id = who.organization_id
    else:
        if body.organization_id is None:
            raise invalid("body.organization_id", "required for operators")
        org_id = body.organization_id
    if db.get(Organization, org_id) is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no organisation {org_id}")
    if body.external_id and db.scalar(select(Need.id).where(Need.external_id == body.external_id)):
        raise HTTPException(status.HTTP_409_CONFLICT, f"body.external_id: need {body.external_id} already exists")
    values = body.model_dump(exclude={"organization_id"})
    need = Need(**values | {"cooperation_modes": [m.value for m in body.cooperation_modes]}, organization_id=org_id)
    db.add(need)
    db.flush()
    record_audit(db, who, "create", "need", need.id, None, snapshot(NeedOut.model_validate(need)))
    db.commit()
    return need


@router.get("", response_model=Page[NeedOut], summary="List needs")
def list_needs(who: Principal = Depends(principal), db: Session = Depends(session),
               status_: NeedStatus | None = Query(None, alias="status"),
               limit: int = Query(20, ge=1, le=100), offset: int = Query(0, ge=0, le=1_000_000)) -> Page[NeedOut]:
    """SMEs see their own needs, TTOs the open ones, others all; by id, one page at a time."""
    query = visible(select(Need), who)
    if status_ is not None:
        query = query.where(Need.status == status_)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    items = db.scalars(query.order_by(Need.id).offset(offset).limit(limit)).all()
    return Page[NeedOut](total=total, offset=offset, limit=limit, items=[NeedOut.model_validate(n) for n in items])


@router.get("/{need_id}", response_model=NeedOut, responses=NOT_FOUND, summary="One need")
def read_need(need_id: PathId, who: Principal = Depends(principal), db: Session = Depends(session)) -> Need:
    """A need the caller may see (another SME's answers 404)."""
    return get_need(db, need_id, who)


@router.patch("/{need_id}", response_model=NeedOut, responses={**FORBIDDEN, **NOT_FOUND}, summary="Change a need")
def update_need(need_id: PathId, body: NeedPatch, who: Principal = Depends(principal),
                db: Session = Depends(session)) -> Need:
    """Change the fields given; the others keep their value."""
    need = writable_need(db, need_id, who)
    before = snapshot(NeedOut.model_validate(need))
    for name, value in body.model_dump(exclude_unset=True).items():
        if value is None and name in ("title", "text", "cooperation_modes", "status"):
            raise invalid(f"body.{name}", "may not be null")
        setattr(need, name, [m.value for m in value] if name == "cooperation_modes" else value)
    record_audit(db, who, "update", "need", need.id, before, snapshot(NeedOut.model_validate(need)))
    db.commit()
    return need


@router.delete("/{need_id}", status_code=status.HTTP_204_NO_CONTENT,
               responses={**FORBIDDEN, **NOT_FOUND, 409: {"model": Error, "description": "Deals cite this need, or "
                                                    "interests (意向洽谈) were expressed for it."}},
               summary="Delete a need")
def delete_need(need_id: PathId, who: Principal = Depends(principal), db: Session = Depends(session)) -> Response:
    """Delete a need that no deal refers to and no interest (意向洽谈) was expressed for; close it otherwise."""
    need = writable_need(db, need_id, who)
    if db.scalar(select(Transaction.id).where(Transaction.source_need_id == need.id).limit(1)):
        raise HTTPException(status.HTTP_409_CONFLICT, f"need {need_id} is the source of recorded deals; close it "
                                                      "(PATCH status=closed) instead of deleting it")
    talks = db.scalars(select(Interest.id).where(Interest.need_id == need.id).order_by(Interest.id)).all()
    if talks:  # deleting would delete the conversations with it (cascade): the TTOs' record of them too
        raise Refused(status.HTTP_409_CONFLICT, "need.has_interests", need_id=need_id,
                      interests="、".join(f"#{i}" for i in talks))
    record_audit(db, who, "delete", "need", need.id, snapshot(NeedOut.model_validate(need)), None)
    db.delete(need)
    db.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)
