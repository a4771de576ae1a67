"""The views of a landscape report (专利导航), each a frozen dataclass with the table behind its chart.

Everything is aggregated in SQL over the selection's id subquery (GROUP BY; no patent text is read): the
Python side only folds grouped rows (a main IPC code into its main group, a city into its region), so a
100k-patent selection costs a few grouped queries. Sub-fields (subfields.py) are IPC main groups of the main
IPC code (H02J 3/38 → H02J 3) or learned topics: one per patent, so the sub-field counts add up to the selection.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass

from sqlalchemy import distinct, extract, func, select
from sqlalchemy.orm import Session

from data.enums import LegalStatus, OrgKind, TagDimension, TagEntity
from data.models import Organization, Patent, PatentHolder, Tag
from matching.browse import open_offer_condition
from matching.landscape.selection import RESEARCH, Resolved
from matching.landscape.subfields import SubFields
from matching.tags.effects import effect_labels

ENTERPRISES = (OrgKind.SME, OrgKind.SOE, OrgKind.ENTERPRISE)
GROUP_NAMES = {"research": "高校院所", "enterprise": "企业"}


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple, ...]


def _in(resolved: Resolved, column):  # noqa: ANN001, ANN202
    return column.in_(resolved.ids.scalar_subquery())


@dataclass(frozen=True)
class YearRow:
    year: int | None  # None: lapsed without a known date
    applications: int
    grants: int
    lapses: int


@dataclass(frozen=True)
class Years:
    rows: tuple[YearRow, ...]

    def table(self) -> Table:
        return Table("years", "申请、授权与失效年度趋势", ("年份", "申请量", "授权量", "失效量"),
                     tuple((r.year if r.year is not None else "不详", r.applications, r.grants, r.lapses)
                           for r in self.rows))


def years(session: Session, resolved: Resolved) -> Years:
    """Applications by application year, grants by grant year, lapses by the year the annual fees were paid
    until (the records keep no lapse date; a lapsed patent without it is counted under 不详)."""
    counts: dict[int | None, list[int]] = defaultdict(lambda: [0, 0, 0])
    for column, slot, extra in ((Patent.application_date, 0, None), (Patent.grant_date, 1, None),
                                (Patent.annual_fee_paid_until, 2, Patent.legal_status == LegalStatus.LAPSED)):
        year = extract("year", column)
        query = select(year, func.count()).where(_in(resolved, Patent.id)).group_by(year)
        if extra is not None:
            query = query.where(extra)
        else:
            query = query.where(column.is_not(None))
        for value, count in session.execute(query):
            counts[int(value) if value is not None else None][slot] += count
    ordered = sorted(counts, key=lambda y: (y is None, y or 0))
    return Years(tuple(YearRow(y, *counts[y]) for y in ordered))


@dataclass(frozen=True)
class HolderRow:
    group: str  # research / enterprise
    organization_id: int
    name: str
    patents: int


@dataclass(frozen=True)
class Holders:
    rows: tuple[HolderRow, ...]

    def table(self) -> Table:
        return Table("holders", "主要权利人（高校院所 / 企业）", ("类别", "权利人", "专利数"),
                     tuple((GROUP_NAMES[r.group], r.name, r.patents) for r in self.rows))


def holders(session: Session, resolved: Resolved, top: int = 10) -> Holders:
    """The top holders of each group by patents held (a co-held patent counts for each holder)."""
    rows: list[HolderRow] = []
    for group, kinds in (("research", RESEARCH), ("enterprise", ENTERPRISES)):
        count = func.count(distinct(PatentHolder.patent_id))
        query = (select(Organization.id, Organization.name, count).join(PatentHolder)
                 .where(_in(resolved, PatentHolder.patent_id), Organization.kind.in_(kinds))
                 .group_by(Organization.id, Organization.name).order_by(count.desc(), Organization.name).limit(top))
        rows += [HolderRow(group, i, name, n) for i, name, n in session.execute(query)]
    return Holders(tuple(rows))


def _by_subfield(session: Session, resolved: Resolved, sub: SubFields, *extra) -> Counter:  # noqa: ANN002
    query, column = sub.grouped(select(Patent.id).select_from(Patent))
    query = query.with_only_columns(column, func.count(distinct(Patent.id))).where(_in(resolved, Patent.id), *extra)
    found: Counter = Counter()
    for value, count in session.execute(query.group_by(column)):
        found[sub.fold(value)] += count
    return found


@dataclass(frozen=True)
class FieldRow:
    group: str
    title: str
    patents: int


@dataclass(frozen=True)
class Fields:
    rows: tuple[FieldRow, ...]  # every sub-field, most patents first
    sub: SubFields = SubFields()

    @property
    def titles(self) -> dict[str, str]:
        return {r.group: r.title for r in self.rows}

    def table(self) -> Table:
        return Table("fields", f"{self.sub.heading}分布", (self.sub.heading, self.sub.title_heading, "专利数"),
                     tuple((r.group, r.title, r.patents) for r in self.rows))


def fields(session: Session, resolved: Resolved, sub: SubFields = SubFields()) -> Fields:  # noqa: B008 (frozen)
    found = _by_subfield(session, resolved, sub)
    ordered = sorted(found.items(), key=lambda i: (-i[1], i[0]))
    titles = sub.titles(session, [g for g, _ in ordered])
    return Fields(tuple(FieldRow(g, titles.get(g, ""), n) for g, n in ordered), sub)


@dataclass(frozen=True)
class Cell:
    group: str
    effect: str  # code, E04
    patents: int
    filters: tuple[tuple[str, str], ...]  # /ui/patents facets listing the cell's patents (field, effect, …)


@dataclass(frozen=True)
class Matrix:
    groups: tuple[str, ...]  # rows: the top sub-fields
    effects: tuple[tuple[str, str], ...]  # columns: (code, label), all effect classes
    cells: tuple[Cell, ...]  # the non-empty cells
    sub: SubFields = SubFields()

    def count(self, group: str, effect: str) -> int:
        return next((c.patents for c in self.cells if c.group == group and c.effect == effect), 0)

    def table(self) -> Table:
        return Table("matrix", f"技术功效矩阵（{self.sub.heading} × 技术功效，专利数）",
                     (self.sub.heading, *(f"{code} {name}" for code, name in self.effects)),
                     tuple((g, *(self.count(g, code) for code, _ in self.effects)) for g in self.groups))


def matrix(session: Session, resolved: Resolved, top_fields: Fields, top: int = 15) -> Matrix:
    sub = top_fields.sub
    groups = tuple(r.group for r in top_fields.rows[:top])
    query, column = sub.grouped(select(Patent.id).select_from(Patent)
                                .join(Tag, (Tag.entity_id == Patent.id) & (Tag.entity == TagEntity.PATENT)
                                      & (Tag.dimension == TagDimension.EFFECT)))
    query = (query.with_only_columns(column, Tag.code, func.count(distinct(Patent.id)))
             .where(_in(resolved, Patent.id)).group_by(column, Tag.code))
    found: Counter = Counter()
    for value, effect, count in session.execute(query):
        if sub.fold(value) in groups:
            found[(sub.fold(value), effect)] += count  # one sub-field per patent: the sum is exact
    base = tuple(resolved.selection.facets().items())
    cells = tuple(Cell(g, e, n, (*base, *sub.facet(g), ("effect", e))) for (g, e), n in sorted(found.items()))
    return Matrix(groups, tuple(effect_labels().items()), cells, sub)


@dataclass(frozen=True)
class ShareRow:
    group: str
    patents: int
    sleeping: int
    open_licence: int

    @property
    def sleeping_share(self) -> float:
        return self.sleeping / self.patents if self.patents else 0.0

    @property
    def open_share(self) -> float:
        return self.open_licence / self.patents if self.patents else 0.0


@dataclass(frozen=True)
class Shares:
    rows: tuple[ShareRow, ...]
    sub: SubFields = SubFields()

    def table(self) -> Table:
        return Table("shares", "各技术分支的沉睡专利与开放许可占比",
                     (self.sub.heading, "专利数", "沉睡专利", "沉睡占比", "开放许可专利", "开放许可占比"),
                     tuple((r.group, r.patents, r.sleeping, round(r.sleeping_share, 4), r.open_licence,
                            round(r.open_share, 4)) for r in self.rows))


def shares(session: Session, resolved: Resolved, top_fields: Fields, today: dt.date, top: int = 15) -> Shares:
    sub = top_fields.sub
    sleeping = _by_subfield(session, resolved, sub, Patent.is_sleeping.is_(True))
    offered = _by_subfield(session, resolved, sub, Patent.offers.any(open_offer_condition(today)))
    return Shares(tuple(ShareRow(r.group, r.patents, sleeping[r.group], offered[r.group])
                        for r in top_fields.rows[:top]), sub)

