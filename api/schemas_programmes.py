"""Request and response bodies of the programme project routes (api/routes_programmes.py)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas import Id, PlainText

Stage = Literal["applied", "approved", "midterm", "accepted", "failed"]


class ProjectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    group: PlainText = Field(min_length=1, max_length=64, description="The project group's code in the programme "
                                                                      "file, e.g. project, base, dengfeng")
    organization_id: Id = Field(description="The organisation that applies (申报单位)")
    number: PlainText = Field(min_length=1, max_length=64, description="项目编号, unique")
    title: PlainText = Field(min_length=1, max_length=300, description="项目名称")
    applied_on: dt.date = Field(description="申报日期; its year minus one is the baseline year (eligibility, KPIs)")


class StageIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    stage: Literal["approved", "midterm", "accepted", "failed"] = Field(
        description="The next stage: approved after applied, midterm after approved, accepted or failed after "
                    "midterm (with a pass score in the file, accepted iff score >= it)")
    on: dt.date = Field(description="The stage's date: on or after the previous stage's, not in the future")
    award: Decimal | None = Field(None, max_digits=16, decimal_places=2,
                                  description="资助额 in yuan, at approval; within the group's cap")
    co_investment: Decimal | None = Field(None, max_digits=16, decimal_places=2,
                                          description="企业自筹投入 in yuan, at approval where the group requires a "
                                                      "ratio of the award (登峰: 200%)")
    score: Decimal | None = Field(None, max_digits=5, decimal_places=2, description="验收得分 (0–100), at acceptance")
    override_reason: PlainText = Field("", max_length=2000,
                                       description="Why a project whose eligibility is not met or unknown is "
                                                   "approved anyway; stored with the verdict")
    note: PlainText = Field("", max_length=2000, description="中期检查或验收意见")


class PaymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tranche: int = Field(ge=1, le=100, description="The tranche's position in the group's funding, from 1")
    paid_on: dt.date = Field(description="拨付日期")
    amount: Decimal | None = Field(None, max_digits=16, decimal_places=2,
                                   description="Yuan; default (and at most) the tranche's share of the award")


class PaymentOut(BaseModel):
    tranche: int
    name: str
    due: Decimal = Field(description="The tranche's share of the award, yuan")
    on_acceptance: bool = Field(description="Paid only after acceptance passed")
    paid: Decimal | None = Field(description="Amount paid, yuan; null: not yet")
    paid_on: dt.date | None


class KpiOut(BaseModel):
    code: str
    name: str
    status: str = Field(description="met, not_met or unknown (data missing; never counted as met)")
    figure: Any = Field(description="The latest year's figure, or the growth since the baseline year; null when "
                                    "unknown")
    target: str = Field(description="e.g. '>= 0.8' or 'growth >= 0.25' (against the baseline year)")
    evidence: str
    source: str


class ProjectOut(BaseModel):
    id: int
    number: str
    programme: str
    group: str
    group_name: str
    organization_id: int
    organization: str
    title: str
    stage: Stage
    applied_on: dt.date
    approved_on: dt.date | None
    midterm_on: dt.date | None
    concluded_on: dt.date | None
    baseline_year: int = Field(description="The year whose profile eligibility was judged on; the KPIs' start")
    eligibility: str = Field(description="The verdict at approval, naming each criterion not met or unknown")
    override_reason: str = Field(description="The operator's reason for approving a project not found eligible")
    award: Decimal | None
    co_investment: Decimal | None
    score: Decimal | None
    paid: Decimal = Field(description="Sum of the payments, yuan; never above the award")
    note: str


class ProjectDetailOut(ProjectOut):
    tranches: list[PaymentOut]
    kpi_latest_year: int
    kpis: list[KpiOut]
