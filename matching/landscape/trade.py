"""Landscape views that read deals and needs: deals per sub-field and year, flows between regions, and the gaps
between what open needs ask for and what the selection's patents offer (no landscape tool holds the needs)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import distinct, extract, func, select
from sqlalchemy.orm import Session, aliased

from data.enums import DealStatus, NeedStatus, TagDimension, TagEntity, TransactionKind, label
from data.models import Need, Organization, Patent, Tag, Transaction, TransactionPatent
from data.regions import region_of, scope_of
from matching.landscape.selection import Resolved
from matching.landscape.subfields import SubFields
from matching.landscape.views import Table, _in
from matching.tags.effects import effect_labels

KINDS = tuple(TransactionKind)
GAP = 0.05  # a share difference this large (5 points) marks an effect as short of, or beyond, demand


@dataclass(frozen=True)
class DealRow:
    group: str
    year: int
    counts: tuple[int, ...]  # deals per kind, in KINDS order


@dataclass(frozen=True)
class Deals:
    rows: tuple[DealRow, ...]
    sub: SubFields = SubFields()

    def table(self) -> Table:
        return Table("deals", "各技术分支年度交易（仅已生效交易）",
                     (self.sub.heading, "年份", *(f"{label(k)}（项）" for k in KINDS)),
                     tuple((r.group, r.year, *r.counts) for r in self.rows))


def _in_force(resolved: Resolved):  # noqa: ANN202
    """Deals in force touching the selection (data/deals.py: a deal awaiting its licence fee or cancelled does
    not count)."""
    # Uncorrelated IN: an EXISTS per deal re-ran the selection's subquery for each deal on SQLite.
    touching = Transaction.id.in_(select(TransactionPatent.transaction_id)
                                  .where(_in(resolved, TransactionPatent.patent_id)))
    return (Transaction.status == DealStatus.IN_FORCE) & touching


def deals(session: Session, resolved: Resolved, sub: SubFields = SubFields()) -> Deals:  # noqa: B008 (frozen)
    """A deal counts once in each sub-field its selected patents fall in, in the year it was signed."""
    year = extract("year", Transaction.signed_on)
    query, column = sub.grouped(select(Transaction.id).select_from(Transaction)
                                .join(TransactionPatent, TransactionPatent.transaction_id == Transaction.id)
                                .join(Patent, Patent.id == TransactionPatent.patent_id))
    query = (query.with_only_columns(Transaction.id, column, year, Transaction.kind).distinct()
             .where(Transaction.status == DealStatus.IN_FORCE, _in(resolved, Patent.id)))
    seen: dict[tuple[str, int], dict[TransactionKind, set[int]]] = defaultdict(lambda: defaultdict(set))
    for deal_id, value, signed, kind in session.execute(query):  # deals are few beside patents
        seen[(sub.fold(value), int(signed))][kind].add(deal_id)
    rows = tuple(DealRow(g, y, tuple(len(seen[(g, y)][k]) for k in KINDS))
                 for g, y in sorted(seen, key=lambda key: (key[0], key[1])))
    return Deals(rows, sub)


@dataclass(frozen=True)
class FlowRow:
    source: str  # 苏南 / 苏中 / 苏北, or the province outside Jiangsu
    target: str
    scope: str  # where the receiving side sits: 省内 / 长三角（省外） / 长三角以外 / 不详
    kind: TransactionKind
    deals: int


@dataclass(frozen=True)
class Flows:
    rows: tuple[FlowRow, ...]

    def table(self) -> Table:
        return Table("flows", "技术流向（出让方 → 受让方，已生效交易）", ("出让方地区", "受让方地区", "受让方范围",
                                                                    "交易类型", "交易数"),
                     tuple((r.source, r.target, r.scope, label(r.kind), r.deals) for r in self.rows))


def flows(session: Session, resolved: Resolved) -> Flows:
    seller, buyer = aliased(Organization), aliased(Organization)
    count = func.count(distinct(Transaction.id))
    query = (select(seller.city, seller.province, buyer.city, buyer.province, Transaction.kind, count)
             .join(seller, seller.id == Transaction.from_org_id).join(buyer, buyer.id == Transaction.to_org_id)
             .where(_in_force(resolved))
             .group_by(seller.city, seller.province, buyer.city, buyer.province, Transaction.kind))
    folded: dict[tuple[str, str, str, TransactionKind], int] = defaultdict(int)
    for from_city, from_province, to_city, to_province, kind, n in session.execute(query):
        folded[(region_of(from_city, from_province), region_of(to_city, to_province),
                scope_of(to_city, to_province), kind)] += n  # one row per deal: the sum is exact
    return Flows(tuple(FlowRow(*key, n) for key, n in sorted(folded.items(), key=lambda i: (-i[1], i[0]))))


@dataclass(frozen=True)
class GapRow:
    code: str
    name: str
    needs: int  # open needs asking for the effect
    patents: int  # selected patents offering it
    need_share: float
    patent_share: float

    @property
    def verdict(self) -> str:
        gap = self.need_share - self.patent_share
        if gap >= GAP:
            return "需求多、供给少"
        if gap <= -GAP:
            return "供给多、需求少"
        return "大体相当"


@dataclass(frozen=True)
class Gaps:
    needs_total: int  # open needs considered
    patents_total: int
    rows: tuple[GapRow, ...]  # every effect class, biggest shortage first

    def table(self) -> Table:
        return Table("gaps", "供需缺口（开放需求所求功效与专利所供功效对比）",
                     ("功效代码", "技术功效", "开放需求数", "需求占比", "专利数", "专利占比", "判断"),
                     tuple((r.code, r.name, r.needs, round(r.need_share, 4), r.patents, round(r.patent_share, 4),
                            r.verdict) for r in self.rows))


def gaps(session: Session, resolved: Resolved) -> Gaps:
    """Shares, not counts, are compared: needs and patents come in very different numbers. With a cluster in
    the selection only the open needs tagged with that cluster count; otherwise every open need."""
    open_needs = select(Need.id).where(Need.status == NeedStatus.OPEN)
    cluster = resolved.selection.cluster
    if cluster:
        open_needs = open_needs.where(Need.id.in_(select(Tag.entity_id).where(
            Tag.entity == TagEntity.NEED, Tag.dimension == TagDimension.CLUSTER, Tag.code == cluster)))
    needs_total = session.scalar(select(func.count()).select_from(open_needs.subquery())) or 0
    effect = (Tag.dimension == TagDimension.EFFECT)
    asked = dict(session.execute(
        select(Tag.code, func.count(distinct(Tag.entity_id)))
        .where(Tag.entity == TagEntity.NEED, effect, Tag.entity_id.in_(open_needs.scalar_subquery()))
        .group_by(Tag.code)).all())
    offered = dict(session.execute(
        select(Tag.code, func.count(distinct(Tag.entity_id)))
        .where(Tag.entity == TagEntity.PATENT, effect, _in(resolved, Tag.entity_id)).group_by(Tag.code)).all())
    total = resolved.count
    rows = [GapRow(code, name, asked.get(code, 0), offered.get(code, 0),
                   asked.get(code, 0) / needs_total if needs_total else 0.0,
                   offered.get(code, 0) / total if total else 0.0) for code, name in effect_labels().items()]
    rows.sort(key=lambda r: (-(r.need_share - r.patent_share), r.code))
    return Gaps(needs_total, total, tuple(rows))

