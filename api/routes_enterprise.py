"""Enterprise figures, 专利产品备案 and implementations: the records behind national indicators 3 and 4.

An SME enters its own yearly figures (营业收入, 从业人数) and product filings; a TTO or SME records that it
put one of its patents to use (自行实施), or that a licensee did; operators and admins enter any of them,
evaluators read. Every write goes through data/enterprise.py, the rules the imports and web forms use.
POST stores a record under its natural key (organisation + year; 备案编号; patent + organisation + start
date): 201 when it is new, 200 when it updates the stored record.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from fastapi import APIRouter, Depends, HTTPException, Query, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session, object_session, selectinload

from api.audit import actor, snapshot
from api.audit import record as record_audit
from api.auth import Principal
from api.deps import invalid, own_organization, require, session
from api.errors import FieldConflict
from api.messages import Refused
from api.schemas import Error, Id, Page, PlainText
from data import enterprise
from data.enums import Role
from data.models import EnterpriseYear, Implementation, Organization, Patent, PatentHolder, ProductFiling
from data.normalize import normalize_application_number

router = APIRouter(tags=["enterprise figures, product filings and implementations"])
figure_writers = require("enterprise.write")
readers = require("enterprise.read")
implementers = require("implementations.write")
implementation_readers = require("implementations.read")
OWN_ONLY = (Role.SME, Role.TTO)  # act for the key's organisation; everyone else names one


def today() -> dt.date:
    return dt.date.today()


FORBIDDEN = {403: {"model": Error, "description": "This key's role or organisation may not do this."}}


def _errors(out: type[BaseModel], what: str) -> dict:
    return {200: {"model": out, "description": f"The stored {what} was updated."}, **FORBIDDEN,
            404: {"model": Error, "description": "No such organisation or patent."},
            409: {"model": Error, "description": "Conflicts with stored records (the ownership ledger, another "
                                                 "organisation's 备案编号), naming the field and the rule."}}


class FiguresIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    organization_id: Id | None = Field(None, description="Operators and admins; an SME enters its own figures.")
    year: int = Field(ge=1985, le=2100, description="年度: from 1985 to this year")
    revenue: Decimal | None = Field(None, max_digits=16, decimal_places=2, description="营业收入 in yuan (元)")
    employees: int | None = Field(None, le=2_147_483_647, description="从业人数 (persons)")
    rd_spending: Decimal | None = Field(None, max_digits=16, decimal_places=2, description="研发投入 in yuan (元)")
    profit_tax: Decimal | None = Field(None, max_digits=16, decimal_places=2, description="利税总额 in yuan (元)")
    high_tech: bool | None = Field(None, description="高新技术企业; null: not reported")
    specialized: bool | None = Field(None, description="专精特新; null: not reported")
    ip_certified: bool | None = Field(None, description="知识产权管理规范贯标; null: not reported")
    dishonest: bool | None = Field(None, description="严重失信 record; null: not reported")
    abnormal_applications: int | None = Field(None, le=2_147_483_647, description="非正常申请 (count)")
    source: PlainText = Field("", max_length=500, description="数据来源, e.g. 企业自报, 统计年报")


class FiguresOut(BaseModel):
    id: int
    organization_id: int
    organization: str
    year: int
    revenue: Decimal | None = Field(description="营业收入, yuan (元)")
    employees: int | None = Field(description="从业人数, persons")
    rd_spending: Decimal | None = Field(description="研发投入, yuan (元)")
    profit_tax: Decimal | None = Field(description="利税总额, yuan (元)")
    high_tech: bool | None = Field(description="高新技术企业; null: not reported")
    specialized: bool | None = Field(description="专精特新; null: not reported")
    ip_certified: bool | None = Field(description="知识产权管理规范贯标; null: not reported")
    dishonest: bool | None = Field(description="严重失信; null: not reported")
    abnormal_applications: int | None = Field(description="非正常申请 (count); null: not reported")
    source: str


class FilingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    external_id: PlainText = Field(min_length=1, max_length=64, description="备案编号 (the filing's number)")
    organization_id: Id | None = Field(None, description="Operators and admins; an SME files for itself.")
    product: PlainText = Field(min_length=1, max_length=300, description="产品名称")
    application_numbers: list[PlainText] = Field(max_length=500,
                                                 description="申请号 of the patents the product carries")
    filed_on: dt.date = Field(description="备案日期")
    output_value: Decimal | None = Field(None, max_digits=16, decimal_places=2, description="产值 in yuan (元)")
    output_year: int | None = Field(None, ge=1985, le=2100, description="产值年度: the year the output value is for")


class FilingOut(BaseModel):
    id: int
    external_id: str | None
    organization_id: int
    organization: str
    product: str
    application_numbers: list[str]
    filed_on: dt.date
    output_value: Decimal | None = Field(description="产值, yuan (元)")
    output_year: int | None


class ImplementationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    application_number: PlainText = Field(min_length=1, max_length=40, description="申请号 of the patent put to use")
    organization_id: Id | None = Field(None, description="实施单位; default (TTO, SME) the key's organisation")
    self_implemented: bool = Field(True, description="自行实施: by a holder of the patent on started_on")
    started_on: dt.date = Field(description="开始日期")
    ended_on: dt.date | None = Field(None, description="结束日期; after started_on")
    evidence: PlainText = Field("", max_length=2000, description="证明材料")


class ImplementationOut(BaseModel):
    id: int
    application_number: str
    organization_id: int
    organization: str
    self_implemented: bool
    started_on: dt.date
    ended_on: dt.date | None
    evidence: str
    actor: str


def refused(exc: enterprise.Refused) -> Exception:
    """409 when the record conflicts with stored ones (the ledger), else 422; both name field and rule."""
    if exc.conflict:
        conflicts = [r for r in exc.refusals if r.conflict]
        return FieldConflict({r.field: r.message for r in conflicts}, "；".join(f"{r.field}：{r.message}"
                                                                              for r in conflicts))
    return RequestValidationError([{"loc": ("body", r.field), "msg": r.message, "type": "value_error"}
                                   for r in exc.refusals])


def _organization(db: Session, who: Principal, wanted: int | None) -> Organization:
    """The organisation a record is for: an SME's or TTO's own; the one an operator or admin names."""
    if who.role in OWN_ONLY:
        if wanted not in (None, who.organization_id):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"a {who.role.value} key enters records for its own "
                                                           "organisation only")
        return own_organization(db, who)
    if wanted is None:
        raise invalid("body.organization_id", "organization_id：运营人员须指明单位")
    found = db.get(Organization, wanted)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no organisation {wanted}")
    return found


def _listed_org(who: Principal, wanted: int | None) -> int | None:
    if who.role in OWN_ONLY:
        if wanted not in (None, who.organization_id):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"a {who.role.value} key reads its own organisation's "
                                                           "records only")
        return who.organization_id
    return wanted


def _page(db: Session, query, limit: int, offset: int, order, out) -> Page:  # noqa: ANN001
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.scalars(query.order_by(*order).offset(offset).limit(limit)).all()
    return Page(total=total, offset=offset, limit=limit, items=[out(r) for r in rows])


def _store(db: Session, who: Principal, response: Response, entity: str, out, save, existing):  # noqa: ANN001, ANN202
    before = snapshot(out(existing)) if existing is not None else None
    try:
        record, created = save()
    except enterprise.Refused as exc:
        db.rollback()
        raise refused(exc) from None
    db.refresh(record)  # amounts as stored (two decimals), as a later GET shows them
    after = out(record)
    record_audit(db, who, "create" if created else "update", entity, record.id, before, snapshot(after))
    db.commit()
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    return after


# ---- enterprise figures (national indicator 3) ----

def figures_out(row: EnterpriseYear) -> FiguresOut:
    return FiguresOut(id=row.id, organization_id=row.organization_id, organization=row.organization.name,
                      **{name: getattr(row, name) for name in ("year", *enterprise.FIGURE_FIELDS)})


@router.post("/enterprise-figures", status_code=status.HTTP_201_CREATED, response_model=FiguresOut,
             responses=_errors(FiguresOut, "year's figures"), summary="Enter an enterprise's figures for a year",
             description="营业收入 (yuan), 从业人数 and the programme profile (研发投入, 利税总额, 高新/专精特新/贯标/"
                         "严重失信, 非正常申请) for one organisation and year; a second entry for the same year "
                         "updates the fields given. SMEs enter their own; operators and admins name the organisation.")
def save_figures(body: FiguresIn, response: Response, who: Principal = Depends(figure_writers),
                 db: Session = Depends(session)) -> FiguresOut:
    org = _organization(db, who, body.organization_id)
    existing = db.scalar(select(EnterpriseYear).where(EnterpriseYear.organization_id == org.id,
                                                      EnterpriseYear.year == body.year))
    changes = body.model_dump(include=set(enterprise.FIGURE_FIELDS), exclude_unset=True)
    return _store(db, who, response, "enterprise_year", figures_out,
                  lambda: enterprise.save_figures(db, org, body.year, changes, today()), existing)


@router.get("/enterprise-figures", response_model=Page[FiguresOut], responses=FORBIDDEN,
            summary="List enterprise figures", description="SMEs see their own; operators, admins and "
                                                           "evaluators all, or one organisation's.")
def list_figures(who: Principal = Depends(readers), db: Session = Depends(session),
                 organization_id: int | None = Query(None, ge=1, le=2_147_483_647),
                 year: int | None = Query(None, ge=1985, le=2100),
                 limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=1_000_000)) -> Page:
    query = select(EnterpriseYear).options(selectinload(EnterpriseYear.organization))
    org_id = _listed_org(who, organization_id)
    if org_id is not None:
        query = query.where(EnterpriseYear.organization_id == org_id)
    if year is not None:
        query = query.where(EnterpriseYear.year == year)
    return _page(db, query, limit, offset, (EnterpriseYear.organization_id, EnterpriseYear.year), figures_out)


# ---- 专利产品备案 (national indicator 4) ----

def filing_out(row: ProductFiling) -> FilingOut:
    return FilingOut(id=row.id, external_id=row.external_id, organization_id=row.organization_id,
                     organization=row.organization.name, product=row.product,
                     application_numbers=[p.application_number for p in row.patents], filed_on=row.filed_on,
                     output_value=row.output_value, output_year=row.output_year)


def _numbers(path: str, raw: list[str]) -> list[str]:
    numbers = []
    for text in raw:
        try:
            numbers.append(normalize_application_number(text))
        except ValueError:
            raise invalid(path, f"申请号 {text} 格式不正确：应为 8 或 12 位数字、小数点和相符的校验位") from None
    return numbers


@router.post("/product-filings", status_code=status.HTTP_201_CREATED, response_model=FilingOut,
             responses=_errors(FilingOut, "filing"), summary="Record a 专利产品备案",
             description="A patented product, its patents, filing date and output value (yuan), stored under its "
                         "备案编号 (a second entry updates it). SMEs file for themselves; operators and admins "
                         "name the organisation.")
def save_filing(body: FilingIn, response: Response, who: Principal = Depends(figure_writers),
                db: Session = Depends(session)) -> FilingOut:
    org = _organization(db, who, body.organization_id)
    numbers = _numbers("body.application_numbers", body.application_numbers)
    existing = enterprise.find_filing(db, body.external_id)
    if existing is not None and who.role in OWN_ONLY and existing.organization_id != org.id:
        message = f"备案编号 {body.external_id} 已被其他单位登记"
        raise FieldConflict({"external_id": message}, f"external_id：{message}")
    changes = body.model_dump(include={"product", "filed_on", "output_value", "output_year"}, exclude_unset=True)
    return _store(db, who, response, "product_filing", filing_out,
                  lambda: enterprise.save_filing(db, body.external_id, org, numbers, changes, today()), existing)


@router.get("/product-filings", response_model=Page[FilingOut], responses=FORBIDDEN, summary="List product filings",
            description="SMEs see their own; operators, admins and evaluators all, or one organisation's.")
def list_filings(who: Principal = Depends(readers), db: Session = Depends(session),
                 organization_id: int | None = Query(None, ge=1, le=2_147_483_647),
                 limit: int = Query(100, ge=1, le=1000), offset: int = Query(0, ge=0, le=1_000_000)) -> Page:
    query = select(ProductFiling).options(selectinload(ProductFiling.organization),
                                          selectinload(ProductFiling.patents))
    org_id = _listed_org(who, organization_id)
    if org_id is not None:
        query = query.where(ProductFiling.organization_id == org_id)
    return _page(db, query, limit, offset, (ProductFiling.filed_on, ProductFiling.id), filing_out)


# ---- implementations (实施), self-implementation (自行实施) ----

def implementation_out(row: Implementation, number: str | None = None) -> ImplementationOut:
    if number is None:  # Implementation names its patent by id only
        number = object_session(row).get(Patent, row.patent_id).application_number
    return ImplementationOut(id=row.id, application_number=number, organization_id=row.organization_id,
                             organization=row.organization.name, self_implemented=row.self_implemented,
                             started_on=row.started_on, ended_on=row.ended_on, evidence=row.evidence,
                             actor=row.actor)


def _holds_now(db: Session, org_id: int | None, patent: Patent) -> bool:
    return org_id is not None and db.scalar(select(PatentHolder.patent_id).where(
        PatentHolder.patent_id == patent.id, PatentHolder.organization_id == org_id)) is not None


def _implementer(db: Session, who: Principal, body: ImplementationIn, patent: Patent) -> Organization:
    """TTOs and SMEs record their own self-implementation (the ledger then checks they held the patent on
    the start date), or another organisation's use of a patent they hold now; operators any."""
    if who.role not in OWN_ONLY:
        return _organization(db, who, body.organization_id)
    if body.organization_id in (None, who.organization_id) and body.self_implemented:
        return own_organization(db, who)
    if not _holds_now(db, who.organization_id, patent):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"a {who.role.value} key records implementations of its "
                                                       "own organisation's patents only")
    if body.organization_id is None:
        return own_organization(db, who)
    found = db.get(Organization, body.organization_id)
    if found is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no organisation {body.organization_id}")
    return found


@router.post("/implementations", status_code=status.HTTP_201_CREATED, response_model=ImplementationOut,
             responses=_errors(ImplementationOut, "implementation"), summary="Record that a patent is put to use",
             description="Self-implementation (自行实施) must be by a holder of the patent on started_on in the "
                         "ownership ledger, else 409 naming the holder. A record is identified by patent, "
                         "organisation and start date; a second entry updates it.")
def save_implementation(body: ImplementationIn, response: Response, who: Principal = Depends(implementers),
                        db: Session = Depends(session)) -> ImplementationOut:
    number = _numbers("body.application_number", [body.application_number])[0]
    patent = db.scalar(select(Patent).where(Patent.application_number == number))
    if patent is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no patent {number}")
    org = _implementer(db, who, body, patent)
    existing = enterprise.find_implementation(db, patent, org, body.started_on)
    if existing is not None and who.role in OWN_ONLY and existing.organization_id != who.organization_id:
        # A holder records a licensee's use once; changing what the licensee stands behind is its or an operator's.
        raise Refused(status.HTTP_403_FORBIDDEN, "ent.own_impl_update", role=who.role)
    changes = body.model_dump(include={"self_implemented", "ended_on", "evidence"}, exclude_unset=True)
    return _store(db, who, response, "implementation", implementation_out,
                  lambda: enterprise.save_implementation(db, patent, org, body.started_on, changes, today(),
                                                         actor(who)), existing)


@router.get("/implementations", response_model=Page[ImplementationOut],
            responses=FORBIDDEN,
            summary="List implementations", description="TTOs and SMEs see their own organisation's and those of "
                                                        "the patents they hold; operators, admins, evaluators all.")
def list_implementations(who: Principal = Depends(implementation_readers), db: Session = Depends(session),
                         application_number: str | None = Query(None, max_length=40),
                         limit: int = Query(100, ge=1, le=1000),
                         offset: int = Query(0, ge=0, le=1_000_000)) -> Page:
    query = select(Implementation, Patent.application_number).join(Patent, Patent.id == Implementation.patent_id)
    if who.role in OWN_ONLY:
        held = select(PatentHolder.patent_id).where(PatentHolder.organization_id == who.organization_id)
        query = query.where(or_(Implementation.organization_id == who.organization_id,
                                Implementation.patent_id.in_(held)))
    if application_number:
        query = query.where(Patent.application_number == application_number.strip())
    total = db.scalar(select(func.count()).select_from(query.subquery())) or 0
    rows = db.execute(query.options(selectinload(Implementation.organization))
                      .order_by(Implementation.started_on, Implementation.id).offset(offset).limit(limit)).all()
    return Page(total=total, offset=offset, limit=limit, items=[implementation_out(r, n) for r, n in rows])
