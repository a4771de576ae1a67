"""The target report as CSV (one row per year and a plan-period row) or XLSX (the same sheet, then progress,
年均增幅, SME growth and implementation sheets). Every header names its unit in Chinese."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

from fastapi import Response

from api.schemas import TargetReport
from data.indicators import BY_NAME, YEAR_ON_YEAR

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YES_NO = {True: "是", False: "否", None: ""}


def year_table(report: TargetReport) -> list[list]:
    """年度, then every figure, then its year-on-year growth; the last row is the plan period's totals (SMEs
    there are distinct over the period, in a year's row distinct within the year)."""
    names = list(report.period)
    yoy = [n for n in names if n in YEAR_ON_YEAR]
    header = ["年度", *(f"{BY_NAME[n].label}（{BY_NAME[n].unit}）" for n in names),
              *(f"同比：{BY_NAME[n].label}（比率）" for n in yoy)]
    rows = [[row.year, *(row.figures[n].value for n in names), *(row.figures[n].yoy for n in yoy)]
            for row in report.years]
    span = f"{report.plan_years[0]}–{report.plan_years[-1]}累计（中小企业为计划期去重）"
    rows.append([span, *(report.period[n].value for n in names), *([None] * len(yoy))])
    return [header, *rows]


def _sheets(report: TargetReport) -> dict[str, list[list]]:
    progress = [["指标", "已完成", "目标", "单位", "完成率（比率）"],
                *([p.label, p.achieved, p.target, p.unit, p.share] for p in report.progress.values())]
    growth = [["指标", "基期年度", "基期值", "末年", "末年值", "单位", "年均增幅（比率）", "目标（比率）", "达标",
               "说明"],
              *([g.label, g.base_year, g.base.value, g.last_year, g.last.value, g.base.unit, g.value, g.target,
                 YES_NO[g.met], g.reason or ""] for g in report.annual_growth.values())]
    sme = report.sme_growth
    smes = [["企业", f"{sme.base_year}年营业收入（元）", f"{sme.last_year}年营业收入（元）", "营业收入增长（比率）",
             f"{sme.base_year}年从业人数（人）", f"{sme.last_year}年从业人数（人）", "从业人数增长（比率）"],
            *([r.name, r.revenue_base, r.revenue_last, r.revenue_growth, r.employees_base, r.employees_last,
               r.employees_growth] for r in sme.rows),
            [f"合计（营业收入{sme.with_revenue.value}家、从业人数{sme.with_employees.value}家两年均有数据，"
             f"共{sme.smes.value}家）", sme.revenue_base.value, sme.revenue_last.value, sme.revenue_growth,
             sme.employees_base.value, sme.employees_last.value, sme.employees_growth]]
    use = report.implementation
    labels = {"product": "已有专利产品备案", "implementation": "有实施记录", "none": "未实施"}
    uses = [["申请号", "实施情况"], *([u.application_number, labels[u.status]] for u in use.uses)]
    filings = [["产品", "企业", "备案日期", "产值（元）", "专利（申请号）"],
               *([f.product, f.organization, f.filed_on.isoformat(), f.output_value, "、".join(f.patents)]
                 for f in use.filing_rows)]
    return {"分年度": year_table(report), "目标完成": progress, "年均增幅": growth, "中小企业成长": smes,
            "专利实施": uses, "专利产品备案": filings}


def export(report: TargetReport, kind: str) -> Response:
    if kind == "csv":
        out = io.StringIO()
        csv.writer(out).writerows(year_table(report))
        return Response(out.getvalue(), media_type="text/csv; charset=utf-8",
                        headers={"Content-Disposition": "attachment; filename=targets.csv"})
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for title, rows in _sheets(report).items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append([float(v) if isinstance(v, Decimal) else v for v in row])
    buffer = io.BytesIO()
    book.save(buffer)
    return Response(buffer.getvalue(), media_type=XLSX,
                    headers={"Content-Disposition": "attachment; filename=targets.xlsx"})
