"""Programme checks (data/programmes): an organisation's standing in a programme for a year; programme
projects (data/programmes/projects.py): their stages, tranche payments and KPIs.

Every criterion is met, not met or unknown (data missing), with the figure, the record it was read from and
the policy sentence it comes from; unknown never counts as met. Only an organisation registered inside the
programme's area is evaluated: any other is refused (409) with the Chinese answer 「不在本项目地区范围（浙江省）内」
or 「地区未知」 and the reason (data/programme_areas.py). An SME sees its own organisation only
(another's is 404, as for any private record); operators, evaluators and admins any. Projects are read
the same way and written by operators and admins only, through the rules every path shares.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Query, status
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from api.audit import actor, snapshot
from api.audit import record as record_audit
from api.auth import Principal
from api.deps import PathId, require, session
from api.routes_enterprise import refused
from api.schemas import Error, Page
from api.schemas_programmes import (
    KpiOut,
    PaymentIn,
    PaymentOut,
    ProjectDetailOut,
    ProjectIn,
    ProjectOut,
    Stage,
    StageIn,
)
from data import programmes
from data.enterprise import Refused
from data.enums import Role
from data.models import Organization, ProgrammeProject
from data.programmes import projects as rules
from data.project_models import ProjectStage

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
    source: str = Field(description="The policy sentence; '未核对原文：…' when not checked against the text")


class GroupOut(BaseModel):
    code: str
    name: str
    status: str
    criteria: list[OutcomeOut]


class StandingOut(BaseModel):
    programme: str
    programme_name: str
    area: str = Field(description="The programme's area, e.g. 江苏省苏州市 or 浙江省")
    area_reason: str = Field(description="Why the organisation is inside it, e.g. “昆山市”属于江苏省苏州市")
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
                                                            "another organisation's, for an SME key)."},
                       409: {"model": Error, "description": "The organisation is not registered inside the "
                                                            "programme's area, or its place is unknown: the "
                                                            "Chinese answer names the area and the reason."}},
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
    try:
        result = programmes.check(db, found[code], org, year or dt.date.today().year - 1)
    except programmes.NotInArea as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, str(exc)) from None
    return StandingOut(programme=code, programme_name=found[code].name, area=found[code].area.label,
                       area_reason=programmes.admitted(found[code], org).reason, organization_id=org.id,
                       organization=org.name, year=result.year, tier=result.tier.code if result.tier else None,
                       reached=result.reached.code if result.reached else None,
                       declining_years=list(result.declining_years), tiers=[_group(t) for t in result.tiers],
                       projects=[_group(p) for p in result.projects], kpis=[_outcome(k) for k in result.kpis])


# ---- programme projects (data/programmes/projects.py): 申报 → 立项 → 中期检查 → 验收, tranches, KPIs ----

project_readers = require("programmes.projects.read")
project_writers = require("programmes.projects.write")
PROJECT_ERRORS = {403: {"model": Error, "description": "This key's role may not do this."},
                  404: {"model": Error, "description": "No such programme or project (or another organisation's, "
                                                       "for an SME key)."},
                  409: {"model": Error, "description": "Against the project's stage or records (out of order, "
                                                       "not eligible without a reason, a tranche paid or not due, "
                                                       "the organisation not registered inside the programme's "
                                                       "area, at 申报 and at every later step), naming the field "
                                                       "and the rule in Chinese."}}


def today() -> dt.date:
    return dt.date.today()


def project_out(p: ProgrammeProject, group: programmes.Group) -> ProjectOut:
    return ProjectOut(id=p.id, number=p.number, programme=p.programme, group=p.group, group_name=group.name,
                      organization_id=p.organization_id, organization=p.organization.name, title=p.title,
                      stage=p.stage.value, applied_on=p.applied_on, approved_on=p.approved_on,
                      midterm_on=p.midterm_on, concluded_on=p.concluded_on, baseline_year=p.baseline_year,
                      eligibility=p.eligibility, override_reason=p.override_reason, award=p.award,
                      co_investment=p.co_investment, score=p.score,
                      paid=sum((x.amount for x in p.payments), Decimal(0)), note=p.note)


def _detail(db: Session, found: dict, p: ProgrammeProject) -> ProjectDetailOut:
    _, group = rules.group_of(found, p.programme, p.group)
    kpis = rules.project_kpis(db, found, p, today())
    tranches = [PaymentOut(tranche=d.tranche, name=d.name, due=d.amount, on_acceptance=d.on_acceptance,
                           paid=d.paid.amount if d.paid else None, paid_on=d.paid.paid_on if d.paid else None)
                for d in rules.schedule(p, group)]
    shown = [_outcome(o) for o in kpis.outcomes]
    return ProjectDetailOut(**project_out(p, group).model_dump(), tranches=tranches, kpi_latest_year=kpis.latest_year,
                            kpis=[KpiOut(code=o.code, name=o.name, status=o.status, figure=o.value,
                                         target=o.requirement, evidence=o.evidence, source=o.source) for o in shown])


def _programmes(code: str) -> dict:
    found = programmes.available()
    if code not in found:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有项目计划 {code}")
    return found


def _visible(db: Session, who: Principal, project_id: int) -> ProgrammeProject:
    project = db.get(ProgrammeProject, project_id)
    if project is None or (who.role is Role.SME and project.organization_id != who.organization_id):
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有编号为 {project_id} 的项目")
    return project


def _write(db: Session, who: Principal, action: str, found: dict, project: ProgrammeProject | None, change):  # noqa: ANN001, ANN202
    group = rules.group_of(found, project.programme, project.group)[1] if project is not None else None
    before = snapshot(project_out(project, group)) if project is not None else None
    try:
        project = change()
    except Refused as exc:
        db.rollback()
        raise refused(exc) from None
    db.refresh(project)
    detail = _detail(db, found, project)
    record_audit(db, who, action, "programme_project", project.id, before,
                 snapshot(ProjectOut(**detail.model_dump(include=set(ProjectOut.model_fields)))))
    db.commit()
    return detail


@router.get("/programmes/{code}/projects", response_model=Page[ProjectOut], responses=PROJECT_ERRORS,
            summary="List a programme's projects", description="SMEs see their own organisation's; operators, "
                                                               "evaluators and admins all.")
def list_projects(code: str, who: Principal = Depends(project_readers), db: Session = Depends(session),
                  stage: Stage | None = Query(None), organization_id: int | None = Query(None, ge=1, le=2_147_483_647),
                  limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=1_000_000)) -> Page:
    found = _programmes(code)
    query = select(ProgrammeProject).where(ProgrammeProject.programme == code).options(
        selectinload(ProgrammeProject.organization), selectinload(ProgrammeProject.payments))
    if who.role is Role.SME:
        organization_id = who.organization_id or -1
    if organization_id is not None:
        query = query.where(ProgrammeProject.organization_id == organization_id)
    if stage is not None:
        query = query.where(ProgrammeProject.stage == stage)
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(query.order_by(ProgrammeProject.number).offset(offset).limit(limit)).all()
    return Page(total=total, offset=offset, limit=limit,
                items=[project_out(p, rules.group_of(found, p.programme, p.group)[1]) for p in rows])


@router.post("/programmes/{code}/projects", status_code=status.HTTP_201_CREATED, response_model=ProjectDetailOut,
             responses=PROJECT_ERRORS, summary="Record a project's application (申报)",
             description="A project of one of the programme's project groups, at stage applied.")
def create_project(code: str, body: ProjectIn, who: Principal = Depends(project_writers),
                   db: Session = Depends(session)) -> ProjectDetailOut:
    found = _programmes(code)
    org = db.get(Organization, body.organization_id)
    if org is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"没有编号为 {body.organization_id} 的单位")
    return _write(db, who, "create", found, None, lambda: rules.create(
        db, found, code, body.group, org, body.number, body.title, body.applied_on, today(), actor=actor(who)))


@router.get("/projects/{project_id}", response_model=ProjectDetailOut, responses=PROJECT_ERRORS,
            summary="A project with its tranches and KPIs",
            description="Stages and dates, the eligibility verdict at approval (and any override reason), the "
                        "tranches due and paid, and each KPI's figure, target and met / not_met / unknown.")
def get_project(project_id: PathId, who: Principal = Depends(project_readers),
                db: Session = Depends(session)) -> ProjectDetailOut:
    project = _visible(db, who, project_id)
    return _detail(db, programmes.available(), project)


@router.post("/projects/{project_id}/stage", response_model=ProjectDetailOut, responses=PROJECT_ERRORS,
             summary="Move a project to its next stage",
             description="Forward one stage at a time, dated on or after the previous stage. Approval needs the "
                         "group's eligibility met (unknown is not met) or an override_reason; the award (and 登峰's "
                         "co-investment) is given then. Acceptance records the score.")
def advance_project(project_id: PathId, body: StageIn, who: Principal = Depends(project_writers),
                    db: Session = Depends(session)) -> ProjectDetailOut:
    project = _visible(db, who, project_id)
    found = programmes.available()
    return _write(db, who, "update", found, project, lambda: rules.advance(
        db, found, project, ProjectStage(body.stage), body.on, today(), award=body.award,
        co_investment=body.co_investment, score=body.score, override_reason=body.override_reason, note=body.note,
        actor=actor(who)))


@router.post("/projects/{project_id}/payments", status_code=status.HTTP_201_CREATED,
             response_model=ProjectDetailOut, responses=PROJECT_ERRORS, summary="Record a tranche paid",
             description="Tranches are paid once each and in order; the last of two or more only after acceptance "
                         "passed; never more than the tranche's share, so never above the award.")
def pay_project(project_id: PathId, body: PaymentIn, who: Principal = Depends(project_writers),
                db: Session = Depends(session)) -> ProjectDetailOut:
    project = _visible(db, who, project_id)
    found = programmes.available()

    def change() -> ProgrammeProject:
        rules.pay(db, found, project, body.tranche, body.paid_on, today(), body.amount, actor=actor(who))
        return project

    return _write(db, who, "update", found, project, change)
