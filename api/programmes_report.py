"""A programme's tables for one year (issue 20, item 5): the pool with each enterprise's tier or eligibility
and every criterion, this year's movements, who is one criterion short, KPI progress year on year; as an
XLSX workbook with Chinese headers and as a progress chart (matplotlib, the CJK font), both written by
api/programmes_export.py from the tables built here.

Every standing comes from the API's own route (api/routes_programmes.check), so the rules are evaluated in
one place (data/programmes) and a principal sees what the same key could fetch over HTTP. The pool is every
organisation with yearly profile data (enterprise_years) for the year that is registered inside the programme's
area (data/programme_areas.py); those with data outside it or of unknown place are listed apart with the reason,
never graded. An SME's pool is its own organisation only, whatever data exists, and only when it is inside the
area (otherwise its page says it is outside, or that its place is unknown), so no other enterprise's name or
figure reaches its page or export. Used by the web page (api/web/pages_programmes.py); importable without the
web.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from api.auth import Principal
from api.routes_programmes import GroupOut, OutcomeOut, StandingOut
from api.routes_programmes import check as check_route
from data import programmes
from data.enums import Role
from data.models import EnterpriseYear, Organization
from data.programme_areas import OUTSIDE, Verdict
from data.programme_areas import STATUS_LABELS as AREA_LABELS
from data.programmes import MET, STATUS_LABELS, UNKNOWN, Criterion, Programme

HISTORY_YEARS = 5  # KPI progress shows the year and up to four years before it that have data
CHANGES = {"new": "新入库", "up": "升档", "down": "降档", "out": "出库", "same": "持平", "none": "未入库",
           "eligible": "新符合", "lost": "不再符合", "kept": "不变", "changed": "结果变化（仍未符合）"}
RULES_NOTE = "“未知（缺数据）”从不计为符合；差一项达标：除一条标准外均符合，不符合或缺数据的那一条即所缺。"


class UnknownProgramme(LookupError):
    """No programme file has this code; the message lists those that do, in Chinese."""


@dataclass(frozen=True)
class Table:
    name: str  # the page anchor
    title: str  # the sheet name and the page heading
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]


@dataclass(frozen=True)
class Movement:
    organization: str
    subject: str  # "档次" or a project group's name
    before: str  # last year's tier or eligibility, in Chinese
    now: str
    change: str  # a key of CHANGES
    note: str  # the rolling review's downgrade, when it applied


@dataclass(frozen=True)
class Shortfall:
    """The one criterion an organisation lacks for the next tier or a project group's eligibility."""

    organization: str
    target: str  # "档次：成长型" or "项目：登峰计划项目"
    criterion: Criterion
    outcome: OutcomeOut
    gap: Decimal | None  # how far the figure is from the threshold; None when unknown or yes/no


@dataclass(frozen=True)
class Excluded:
    """An organisation with yearly data that is not in the pool: outside the area, or its place unknown."""

    organization: str
    verdict: Verdict


@dataclass(frozen=True)
class KpiPoint:
    organization: str
    year: int
    criterion: Criterion
    outcome: OutcomeOut


@dataclass(frozen=True)
class ProgrammeReport:
    programme: Programme
    year: int
    choices: tuple[int, ...]  # the years with data the viewer may choose
    scope: str  # who is in the pool, in Chinese
    area_note: str  # for an SME not inside the area: why its standing is not shown, in Chinese; else ""
    pool: tuple[StandingOut, ...]
    excluded: tuple[Excluded, ...]
    movements: tuple[Movement, ...]
    close: tuple[Shortfall, ...]
    kpis: tuple[KpiPoint, ...]
    history: tuple[int, ...]
    tier_history: tuple[tuple[str, tuple[int | None, ...]], ...]  # per organisation, the tier index per year

    def tables(self) -> list[Table]:
        return [pool_table(self), criteria_table(self), movement_table(self), close_table(self), kpi_table(self),
                area_table(self)]


# ---- reading a standing ----

def criteria_of(programme: Programme) -> dict[str, Criterion]:
    return {c.code: c for g in (*programme.tiers, *programme.projects) for c in g.criteria} | {
        k.code: k for k in programme.kpis}


def number(value: Any) -> Decimal | None:
    """A figure as the route returns it (int, a decimal string) as a number; None for unknown or yes/no."""
    if value is None or isinstance(value, bool):
        return None
    return Decimal(str(value))


def figure(value: Any) -> Decimal | bool | None:
    """A figure for a table cell: a number, yes/no, or None for unknown."""
    return value if isinstance(value, bool) else number(value)


def shown(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "是" if value else "否"
    found = number(value)
    return f"{found:,}" if found == found.to_integral_value() else f"{found.normalize():,f}"


def requirement(criterion: Criterion) -> str:
    if criterion.growth is not None:
        return f"较上年增长 {criterion.op} {shown(criterion.growth)}"
    return f"{criterion.op} {shown(criterion.threshold)}"


def _tier_index(programme: Programme, code: str | None) -> int | None:
    return next((i for i, t in enumerate(programme.tiers) if t.code == code), None)


def _tier_name(programme: Programme, code: str | None) -> str:
    index = _tier_index(programme, code)
    return programme.tiers[index].name if index is not None else "未入库"


def gap(criterion: Criterion, outcome: OutcomeOut) -> Decimal | None:
    """The distance from the figure to the threshold, in the criterion's unit: how much more a floor (>=, >)
    needs, how much less a ceiling (<=, <) allows. None when the figure is unknown or the rule is yes/no."""
    value = number(outcome.value)
    target = criterion.growth if criterion.growth is not None else criterion.threshold
    if outcome.status == UNKNOWN or value is None or isinstance(target, bool):
        return None
    return target - value if criterion.op in (">=", ">") else value - target


def shortfalls(programme: Programme, standing: StandingOut) -> list[Shortfall]:
    """Groups the organisation is one criterion short of: the tier above the one its criteria reach, and every
    project group it is not eligible for. A criterion not met and one unknown both count as short (unknown is
    never met), so a group with one of each is two short and not listed."""
    criteria = criteria_of(programme)
    reached = _tier_index(programme, standing.reached)
    following = 0 if reached is None else reached + 1
    groups: list[tuple[str, GroupOut]] = []
    if following < len(standing.tiers):
        groups.append((f"档次：{standing.tiers[following].name}", standing.tiers[following]))
    groups += [(f"项目：{g.name}", g) for g in standing.projects if g.status != MET]
    found = []
    for target, group in groups:
        short = [o for o in group.criteria if o.status != MET]
        if len(short) == 1:
            criterion = criteria[short[0].code]
            found.append(Shortfall(standing.organization, target, criterion, short[0], gap(criterion, short[0])))
    return found


def movements(programme: Programme, now: StandingOut, before: StandingOut) -> list[Movement]:
    """This year against last: the tier (new, up, down, out, same; a downgrade by the rolling review says so)
    and each project group's eligibility (newly eligible, no longer eligible, unchanged)."""
    found = []
    if programme.tiers:
        this, last = _tier_index(programme, now.tier), _tier_index(programme, before.tier)
        change = ("none" if this is None and last is None else "new" if last is None else "out" if this is None
                  else "up" if this > last else "down" if this < last else "same")
        note = ""
        if now.tier != now.reached:
            years = "、".join(map(str, now.declining_years))
            note = (f"动态管理：指标连续 {len(now.declining_years)} 年下降（{years}），"
                    f"由{_tier_name(programme, now.reached)}下调至{_tier_name(programme, now.tier)}")
        found.append(Movement(now.organization, "档次", _tier_name(programme, before.tier),
                              _tier_name(programme, now.tier), change, note))
    for group, previous in zip(now.projects, before.projects, strict=True):
        change = ("eligible" if group.status == MET and previous.status != MET
                  else "lost" if previous.status == MET and group.status != MET
                  else "kept" if group.status == previous.status else "changed")
        found.append(Movement(now.organization, group.name, STATUS_LABELS[previous.status],
                              STATUS_LABELS[group.status], change, ""))
    return found


# ---- building the report ----

def data_years(db: Session, principal: Principal) -> list[int]:
    """The years with yearly profile data, the viewer's own organisation's only for an SME."""
    query = select(EnterpriseYear.year).distinct()
    if principal.role is Role.SME:
        query = query.where(EnterpriseYear.organization_id == principal.organization_id)
    return sorted(db.scalars(query))


def candidates(db: Session, principal: Principal, year: int) -> list[Organization]:
    """Whom the pool is drawn from: an SME's own organisation; for others every one with data for the year."""
    if principal.role is Role.SME:
        own = db.get(Organization, principal.organization_id) if principal.organization_id else None
        return [own] if own is not None else []
    query = (select(Organization).join(EnterpriseYear, EnterpriseYear.organization_id == Organization.id)
             .where(EnterpriseYear.year == year).order_by(Organization.name))
    return list(db.scalars(query))


def pool_ids(db: Session, principal: Principal, year: int, programme: Programme) -> list[int]:
    """The organisations graded: the candidates registered inside the programme's area (unknown is not)."""
    return [o.id for o in candidates(db, principal, year) if programmes.admitted(programme, o).inside]


def excluded(db: Session, principal: Principal, year: int, programme: Programme) -> list[Excluded]:
    """The candidates not graded, with the verdict: outside the area, or of unknown place."""
    found = [(o, programmes.admitted(programme, o)) for o in candidates(db, principal, year)]
    return [Excluded(o.name, v) for o, v in found if not v.inside]


def build(db: Session, principal: Principal, code: str, year: int | None) -> ProgrammeReport:
    """The report for `code` (a programme file's code) and `year` (default: the latest year with data)."""
    found = programmes.available()
    if code not in found:
        raise UnknownProgramme(f"没有编号为 {code} 的项目；可选：{'、'.join(found) or '无'}")
    programme = found[code]
    choices = data_years(db, principal)
    year = year or (choices[-1] if choices else dt.date.today().year - 1)
    ids = pool_ids(db, principal, year, programme)
    left_out = tuple(excluded(db, principal, year, programme))
    history = tuple(sorted({y for y in choices if year - HISTORY_YEARS < y <= year} | {year}))
    standings: dict[tuple[int, int], StandingOut] = {}

    def standing(org_id: int, y: int) -> StandingOut:
        if (org_id, y) not in standings:
            standings[(org_id, y)] = check_route(code, org_id, principal, db, y)
        return standings[(org_id, y)]

    pool = tuple(standing(i, year) for i in ids)
    kpis = tuple(KpiPoint(standing(i, y).organization, y, criteria_of(programme)[o.code], o)
                 for i in ids for y in history for o in standing(i, y).kpis)
    tier_history = tuple((standing(i, year).organization,
                          tuple(_tier_index(programme, standing(i, y).tier) for y in history)) for i in ids) \
        if programme.tiers else ()
    area = programme.area.label
    if principal.role is Role.SME:
        scope = f"本单位（适用地区：{area}）"
        area_note = left_out[0].verdict.message(programme.area, "本单位") if left_out else ""
    else:
        outside = sum(e.verdict.status == OUTSIDE for e in left_out)
        scope = (f"{year} 年度有企业年度数据、登记在{area}的 {len(ids)} 家单位"
                 f"（另有地区外 {outside} 家、地区未知 {len(left_out) - outside} 家未纳入）")
        area_note = ""
    return ProgrammeReport(
        programme, year, tuple(sorted(set(choices) | {year})), scope, area_note, pool, left_out,
        tuple(m for i in ids for m in movements(programme, standing(i, year), standing(i, year - 1))),
        tuple(s for p in pool for s in shortfalls(programme, p)), kpis, history, tier_history)


# ---- the tables (page and workbook alike) ----

def _group_columns(report: ProgrammeReport) -> list[str]:
    return [f"{g.name}申报条件" for g in report.programme.projects]


def pool_table(report: ProgrammeReport) -> Table:
    tiers = bool(report.programme.tiers)
    columns = ["单位", *(["档次（动态管理后）", "按标准可达档次", "指标连续下降年度"] if tiers else []),
               *_group_columns(report)]
    rows = []
    for s in report.pool:
        tier_cells = [_tier_name(report.programme, s.tier), _tier_name(report.programme, s.reached),
                      "、".join(map(str, s.declining_years)) or "—"] if tiers else []
        rows.append((s.organization, *tier_cells, *(STATUS_LABELS[g.status] for g in s.projects)))
    return Table("pool", "档次与申报资格", tuple(columns), tuple(rows))


def criteria_table(report: ProgrammeReport) -> Table:
    criteria = criteria_of(report.programme)
    rows = []
    for s in report.pool:
        for kind, groups in (("档次", s.tiers), ("项目", s.projects)):
            for g in groups:
                rows += [(s.organization, f"{kind}：{g.name}", o.code, o.name, requirement(criteria[o.code]),
                          STATUS_LABELS[o.status], figure(o.value), o.evidence, o.source) for o in g.criteria]
    return Table("criteria", "逐项标准", ("单位", "档次或项目", "标准编号", "标准", "要求", "结果", "数值", "数据来源",
                                      "政策依据"), tuple(rows))


def movement_table(report: ProgrammeReport) -> Table:
    rows = tuple((m.organization, m.subject, m.before, m.now, CHANGES[m.change], m.note) for m in report.movements)
    return Table("movements", "本年变动", ("单位", "档次或项目", f"{report.year - 1} 年度", f"{report.year} 年度",
                                       "变动", "说明"), rows)


def close_table(report: ProgrammeReport) -> Table:
    rows = tuple((s.organization, s.target, s.criterion.name, STATUS_LABELS[s.outcome.status], figure(s.outcome.value),
                  requirement(s.criterion), s.gap, s.outcome.evidence) for s in report.close)
    return Table("close", "差一项达标", ("单位", "目标", "所缺标准", "结果", "现值", "要求", "差距", "数据来源"), rows)


def kpi_table(report: ProgrammeReport) -> Table:
    rows = tuple((k.organization, k.criterion.name, k.year, figure(k.outcome.value), requirement(k.criterion),
                  STATUS_LABELS[k.outcome.status], k.outcome.evidence) for k in report.kpis)
    return Table("kpis", "绩效指标逐年进展", ("单位", "绩效指标", "年度", "数值", "要求", "结果", "数据来源"), rows)


def area_table(report: ProgrammeReport) -> Table:
    rows = tuple((e.organization, AREA_LABELS[e.verdict.status], e.verdict.place, e.verdict.reason)
                 for e in report.excluded)
    return Table("area", "地区范围外或地区未知", ("单位", "地区判断", "登记地", "说明"), rows)
