"""Enterprises' yearly figures, 专利产品备案 and implementations (national indicators 3 and 4, programmes)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from data.models import Base, Money, Organization, Patent, Timestamped


class EnterpriseYear(Base):
    """An enterprise's yearly figures (national indicator 3: the growth of SMEs that took part)."""

    __tablename__ = "enterprise_years"
    __table_args__ = (UniqueConstraint("organization_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    year: Mapped[int] = mapped_column(Integer)
    revenue: Mapped[Decimal | None] = mapped_column(Money)  # 营业收入, yuan
    employees: Mapped[int | None] = mapped_column(Integer)  # 从业人数
    # Programme criteria (data/programmes): None means not reported, which a criterion reads as unknown.
    rd_spending: Mapped[Decimal | None] = mapped_column(Money)  # 研发投入, yuan
    profit_tax: Mapped[Decimal | None] = mapped_column(Money)  # 利税总额, yuan
    high_tech: Mapped[bool | None] = mapped_column(Boolean)  # 高新技术企业
    specialized: Mapped[bool | None] = mapped_column(Boolean)  # 专精特新
    ip_certified: Mapped[bool | None] = mapped_column(Boolean)  # 知识产权管理规范贯标
    dishonest: Mapped[bool | None] = mapped_column(Boolean)  # 严重失信
    abnormal_applications: Mapped[int | None] = mapped_column(Integer)  # 非正常申请, count
    source: Mapped[str] = mapped_column(Text, default="")

    organization: Mapped[Organization] = relationship()


class ProductFilingPatent(Base):
    __tablename__ = "product_filing_patents"

    filing_id: Mapped[int] = mapped_column(ForeignKey("product_filings.id", ondelete="CASCADE"), primary_key=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id"), primary_key=True, index=True)


class ProductFiling(Timestamped, Base):
    """A 专利产品备案 record: a product, the patents it carries, when it was filed and its output value
    (national indicator 4)."""

    __tablename__ = "product_filings"

    id: Mapped[int] = mapped_column(primary_key=True)
    external_id: Mapped[str | None] = mapped_column(String(64), unique=True)  # 备案编号
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    product: Mapped[str] = mapped_column(String(300))
    filed_on: Mapped[dt.date] = mapped_column(Date)
    output_value: Mapped[Decimal | None] = mapped_column(Money)  # 产值, yuan
    output_year: Mapped[int | None] = mapped_column(Integer)

    organization: Mapped[Organization] = relationship()
    patents: Mapped[list[Patent]] = relationship(secondary="product_filing_patents")


class Implementation(Base):
    """A patent put to use (实施) by an organisation; self-implementation (自行实施) by its holder is one."""

    __tablename__ = "implementations"

    id: Mapped[int] = mapped_column(primary_key=True)
    patent_id: Mapped[int] = mapped_column(ForeignKey("patents.id", ondelete="CASCADE"), index=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    self_implemented: Mapped[bool] = mapped_column(Boolean, default=True)
    started_on: Mapped[dt.date] = mapped_column(Date)
    ended_on: Mapped[dt.date | None] = mapped_column(Date)
    evidence: Mapped[str] = mapped_column(Text, default="")
    actor: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), server_default=func.now())

    organization: Mapped[Organization] = relationship()
