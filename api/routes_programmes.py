"""Programme checks (data/programmes): an organisation's standing in a programme for a year.

Every criterion is met, not met or unknown (data missing), with the figure, the record it was read from and
the policy sentence it comes from; unknown never counts as met. An SME sees its own organisation only
(another's is 404, as for any private record); operators, evaluators and admins any.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from api.auth import Principal
from api.deps import require, session
from api.schemas import Error
from data import programmes
from data.enums import Role
from data.models import Organization

router = APIRouter(tags=["programmes"])
checkers = require("programmes.check")


class OutcomeOut(BaseModel):
    code: str
    name: str
    status: str = Field(description="met, not_met or unknown (data missing; never counted as met)")
    value: Any = Field(description="The figure compared (a count, yuan, a ratio, yes/no, a growth rate); null "
                                   "when unknown")
    requirement: str = Field(description="The comparison and threshold, e.g. '>= 50' or 'growth >= 0.25'")
    evidence: str = Field(description="The records the figure was read from, or why it is unknown")
    source: str = Field(description="The policy sentence; 'unverified: …' when not checked against the text")


class GroupOut(BaseModel):
    code: str
    name: str
    status: str
    criteria: list[OutcomeOut]


class StandingOut(BaseModel):
    programme: str
    programme_name: str
    organization_id: int
    organization: str
    year: int
    tier: str | None = Field(description="The tier after the rolling review; null: not in the pool")
    reached: str | None = Field(description="The highest tier whose criteria (and those below) are all met")
    declining_years: list[int]
    tiers: list[GroupOut]
    projects: list[GroupOut]
    kpis: list[OutcomeOut]


def _outcome(o: programmes.Outcome) -> OutcomeOut:
    c = o.criterion
    requirement = f"growth {c.op} {c.growth}" if c.growth is not None else f"{c.op} {c.threshold}"
    value = o.value if isinstance(o.value, bool | int) or o.value is None else str(o.value)
    return OutcomeOut(code=c.code, name=c.name, status=o.status, value=value, requirement=requirement,
                      evidence=o.evidence, source=c.source)


def _group(g: programmes.GroupResult) -> GroupOut:
    return GroupOut(code=g.group.code, name=g.group.name, status=g.status, criteria=[_outcome(o) for o in g.outcomes])


@router.get("/programmes/{code}/check/{org_id}", response_model=StandingOut,
            responses={403: {"model": Error, "description": "This key's role may not check programmes."},
                       404: {"model": Error, "description": "No such programme, or no such organisation (or "
                                                            "another organisation's, for an SME key)."}},
            summary="An organisation's standing in a programme",
            description="Each criterion of the programme file (data/programmes/{code}.json) as met, not_met or "
                        "unknown with its figure, evidence and source; the tier after the rolling review; "
                        "project eligibility and KPIs. `year` defaults to last year (the latest complete one).")
def check(code: str, org_id: int, who: Principal = Depends(checkers), db: Session = Depends(session),
          year: int | None = Query(None, ge=1985, le=2100)) -> StandingOut:
    found = programmes.available()
    if code not in found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no programme {code}")
    if who.role is Role.SME and org_id != who.organization_id:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no organisation {org_id}")
    org = db.get(Organization, org_id)
    if org is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no organisation {org_id}")
    result = programmes.check(db, found[code], org, year or dt.date.today().year - 1)
    return StandingOut(programme=code, programme_name=found[code].name, organization_id=org.id,
                       organization=org.name, year=result.year, tier=result.tier.code if result.tier else None,
                       reached=result.reached.code if result.reached else None,
                       declining_years=list(result.declining_years), tiers=[_group(t) for t in result.tiers],
                       projects=[_group(p) for p in result.projects], kpis=[_outcome(k) for k in result.kpis])
