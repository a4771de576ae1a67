"""Target reports: the 专利转化专项计划 indicators (data/targets.py, docs/targets.md) as JSON, CSV or XLSX.

Every figure carries its unit: JSON puts a `unit` next to each value, CSV and XLSX headers name it in
Chinese. Amounts are in yuan (元)."""

from __future__ import annotations

from decimal import Decimal

from fastapi import APIRouter, Depends, Query
from sqlalchemy.orm import Session

from api.auth import Principal
from api.deps import require, session
from api.schemas import (
    AnnualGrowthOut,
    Figure,
    FilingOut,
    ImplementationOut,
    PatentUseOut,
    SmeGrowthOut,
    SmeGrowthRow,
    TargetProgress,
    TargetReport,
    TargetYear,
    YearFigure,
)
from api.targets_export import XLSX, export
from data.indicators import BY_NAME, INDICATORS, RATIO
from data.settings import get_settings
from data.targets import Report, load_targets, target_report

router = APIRouter(tags=["transactions and targets"])
readers = require("targets.read")


def _figure(name: str, value: int | Decimal | None, label: str | None = None) -> Figure:
    return Figure(value=value, unit=BY_NAME[name].unit, label=label or BY_NAME[name].label)


def _plain(value: int | Decimal | None, unit: str, label: str) -> Figure:
    return Figure(value=value, unit=unit, label=label)


def public(found: Report, year: int | None = None) -> TargetReport:
    """The report as the API shows it; `year` keeps that year's row and the one before (for its growth)."""
    years = [TargetYear(year=row.year, in_plan=row.in_plan, figures={
        i.name: YearFigure(value=row.values[i.name], unit=i.unit, label=i.label,
                           yoy=row.yoy[i.name].value if i.name in row.yoy else None,
                           yoy_note=row.yoy[i.name].reason if i.name in row.yoy else None)
        for i in INDICATORS}) for row in found.years if year is None or row.year in (year, year - 1)]
    period = {i.name: _figure(i.name, found.period[i.name]) for i in INDICATORS}
    period["smes"] = _figure("smes", found.period["smes"], "受益中小企业（计划期累计去重）")
    growth = {name: AnnualGrowthOut(label=BY_NAME[name].label, unit=RATIO, base_year=g.base_year,
                                    last_year=g.last_year, base=_figure(name, g.base), last=_figure(name, g.last),
                                    value=g.value, reason=g.reason, target=g.target, met=g.met)
              for name, g in found.annual_growth.items()}
    sme = found.sme_growth
    sme_out = SmeGrowthOut(
        base_year=sme.base_year, last_year=sme.last_year, smes=_plain(sme.smes, "家", "参与的中小企业"),
        with_revenue=_plain(sme.with_revenue, "家", "两年均有营业收入的中小企业"),
        revenue_base=_plain(sme.revenue_base, "元", f"{sme.base_year}年营业收入合计"),
        revenue_last=_plain(sme.revenue_last, "元", f"{sme.last_year}年营业收入合计"),
        revenue_growth=sme.revenue_growth,
        with_employees=_plain(sme.with_employees, "家", "两年均有从业人数的中小企业"),
        employees_base=_plain(sme.employees_base, "人", f"{sme.base_year}年从业人数合计"),
        employees_last=_plain(sme.employees_last, "人", f"{sme.last_year}年从业人数合计"),
        employees_growth=sme.employees_growth,
        rows=[SmeGrowthRow(**row.__dict__) for row in sme.rows])
    use = found.implementation
    use_out = ImplementationOut(
        patents=_plain(use.patents, "件", "中小企业受让、被许可专利（去重）"),
        with_product=_plain(use.with_product, "件", "已有专利产品备案"),
        with_implementation=_plain(use.with_implementation, "件", "有实施记录（无产品备案）"),
        unimplemented=_plain(use.unimplemented, "件", "未实施"), filings=_plain(use.filings, "项", "专利产品备案"),
        output_value=_plain(use.output_value, "元", "备案产品产值"),
        filings_without_value=_plain(use.filings_without_value, "项", "未填产值的备案"),
        uses=[PatentUseOut(application_number=u.application_number, status=u.status) for u in use.uses],
        filing_rows=[FilingOut(product=f.product, organization=f.organization, filed_on=f.filed_on,
                               output_value=f.output_value, patents=list(f.patents)) for f in use.filing_rows])
    plan = found.plan
    return TargetReport(
        targets=plan.name, region=found.region, plan_years=list(plan.years), base_year=found.base_year,
        annual_growth_target=plan.annual_growth, subsidy_rate=found.subsidy_rate,
        subsidy_basis=f"中小企业受让、被许可、作价入股专利的合同金额（元）× {found.subsidy_rate:g}"
                      "（PATENT_MATCH_SUBSIDY_RATE）",
        years=years, period=period,
        progress={name: TargetProgress(label=p.label, unit=p.unit, achieved=p.achieved, target=p.target,
                                       share=p.share) for name, p in found.progress.items()},
        annual_growth=growth, sme_growth=sme_out, implementation=use_out)


@router.get("/stats/targets", response_model=TargetReport,
            responses={200: {"content": {"text/csv": {}, XLSX: {}}, "description": "JSON, CSV or XLSX (format=)"}},
            summary="Target indicators")
def targets(who: Principal = Depends(readers), db: Session = Depends(session),
            year: int | None = Query(None, ge=1985, le=2100), region: str | None = Query(None, max_length=50),
            format: str = Query("json", pattern="^(json|csv|xlsx)$")):  # noqa: A002 (the query parameter's name)
    """Per signing year and over the plan period: patents and amounts from universities and institutes to SMEs,
    growth, national indicators 3 and 4, progress against targets; JSON, CSV or XLSX."""
    settings = get_settings()
    found = target_report(db, load_targets(settings.targets_file), settings.subsidy_rate, region)
    report = public(found, year)
    if format in ("csv", "xlsx"):
        return export(report, format)
    return report
