"""Programme projects (浙江高价值专利培育项目/基地, 苏州登峰计划项目): one record per project, its stage dates, the
award and the tranche payments. The rules that write them are in data/programmes/projects.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import Date, DateTime, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from data.models import Base, Money, Organization, Timestamped, _enum


class ProjectStage(StrEnum):
    APPLIED = "applied"  # 申报
    APPROVED = "approved"  # 立项
    MIDTERM = "midterm"  # 中期检查
    ACCEPTED = "accepted"  # 验收通过
    FAILED = "failed"  # 验收不合格


class ProgrammeProject(Timestamped, Base):
    """A project of a programme's project group (the JSON file's `projects` entry, e.g. zhejiang_gaojiazhi/
    project). The programme and group are named by code: the rules live in the JSON files, not in tables."""

    __tablename__ = "programme_projects"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)  # 项目编号
    programme: Mapped[str] = mapped_column(String(64), index=True)
    group: Mapped[str] = mapped_column(String(64))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    title: Mapped[str] = mapped_column(String(300))
    stage: Mapped[ProjectStage] = mapped_column(_enum(ProjectStage))
    applied_on: Mapped[dt.date] = mapped_column(Date)
    approved_on: Mapped[dt.date | None] = mapped_column(Date)
    midterm_on: Mapped[dt.date | None] = mapped_column(Date)
    concluded_on: Mapped[dt.date | None] = mapped_column(Date)  # 验收 (passed or failed)
    # The year whose profile the eligibility was judged on at approval (the last complete year before 申报),
    # also the KPIs' starting year.
    baseline_year: Mapped[int] = mapped_column(Integer)
    eligibility: Mapped[str] = mapped_column(Text, default="")  # the verdict at approval, as shown then
    override_reason: Mapped[str] = mapped_column(Text, default="")  # why an operator approved it anyway
    award: Mapped[Decimal | None] = mapped_column(Money)  # 资助额, yuan
    co_investment: Mapped[Decimal | None] = mapped_column(Money)  # 企业自筹投入, yuan
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))  # 验收得分
    note: Mapped[str] = mapped_column(Text, default="")  # 中期检查意见、验收意见
    actor: Mapped[str] = mapped_column(String(64), default="")

    organization: Mapped[Organization] = relationship()
    payments: Mapped[list[ProjectPayment]] = relationship(
        cascade="all, delete-orphan", order_by="ProjectPayment.tranche", back_populates="project")


class ProjectPayment(Base):
    """One tranche of a project's award paid out; a tranche is paid once."""

    __tablename__ = "project_payments"
    __table_args__ = (UniqueConstraint("project_id", "tranche"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("programme_projects.id", ondelete="CASCADE"), index=True)
    tranche: Mapped[int] = mapped_column(Integer)  # its position in the group's funding tranches, from 1
    tranche_name: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_on: Mapped[dt.date] = mapped_column(Date)
    actor: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    project: Mapped[ProgrammeProject] = relationship(back_populates="payments")
