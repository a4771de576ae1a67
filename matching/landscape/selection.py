"""The patents a landscape analysis (专利导航) covers, as one SQL subquery of patent ids.

A selection combines any of: a provincial cluster (the tags of `patent-match tag` for the configured scheme;
for the other scheme, the cluster table applied to the stored IPC codes), IPC prefixes, a free-text technology
query (the matcher's retrieval with a relevance cut-off), holders (names or ids) or all universities and
institutes, a region (苏南/苏中/苏北, a city or a province of a holder) and an application-date range. Every
part narrows the selection (AND); the prefixes among themselves and the holders among themselves widen it (OR).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Select, false, func, or_, select
from sqlalchemy.orm import Session

from data.enums import OrgKind, TagDimension, TagEntity
from data.models import Organization, Patent, PatentHolder, PatentIPC, Tag
from data.regions import JIANGSU_REGIONS, cities_of
from matching.browse import ipc_prefix
from matching.clusters import SCHEMES, cluster_map
from matching.ranker import LinearRanker

RESEARCH = (OrgKind.UNIVERSITY, OrgKind.INSTITUTE)  # 高校院所
QUERY_DEPTH = 500  # candidates read from the retrieval for a technology query
SCHEME_NAMES = {"jiangsu": "江苏", "zhejiang": "浙江"}


class SelectionError(ValueError):
    """A selection that cannot be resolved; `field` names the input, the message the rule (in Chinese)."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


class Retriever(Protocol):
    """What a technology query needs of the matcher (matching/matcher.py NeedMatcher.rank and its ranker)."""

    ranker: LinearRanker

    def rank(self, session: Session, text: str, include_inactive: bool = False): ...  # noqa: ANN201


@dataclass(frozen=True)
class Selection:
    cluster: str | None = None
    scheme: str = "jiangsu"
    ipc: tuple[str, ...] = ()  # prefixes: H01M, H02J 3/
    query: str = ""
    relevance: float = 0.5  # keep retrieval hits scoring at least this share of the best hit's score
    holders: tuple[str, ...] = ()  # exact organisation names
    holder_ids: tuple[int, ...] = ()
    universities: bool = False  # only patents held by universities and institutes
    region: str | None = None  # 苏南 / 苏中 / 苏北, a city (南京) or a province (浙江省) of a holder
    date_from: dt.date | None = None  # application date, inclusive
    date_to: dt.date | None = None

    def describe(self) -> str:
        """The selection in words, for the top of a report."""
        parts = []
        if self.cluster:
            parts.append(f"{SCHEME_NAMES.get(self.scheme, self.scheme)}产业集群：{self.cluster}")
        if self.ipc:
            parts.append("IPC：" + "、".join(self.ipc))
        if self.query:
            parts.append(f"技术检索：“{self.query}”（相关度不低于最高分的{self.relevance:.0%}）")
        if self.holders or self.holder_ids:
            parts.append("权利人：" + "、".join([*self.holders, *(f"#{i}" for i in self.holder_ids)]))
        if self.universities:
            parts.append("权利人：高校院所")
        if self.region:
            parts.append(f"地区：{self.region}")
        if self.date_from or self.date_to:
            parts.append(f"申请日：{self.date_from or '…'} 至 {self.date_to or '…'}")
        return "；".join(parts) or "全部专利"

    def facets(self) -> dict[str, str]:
        """The part of the selection /ui/patents can filter by (cluster, IPC field, one holder), for links."""
        found: dict[str, str] = {}
        if self.cluster:
            found["cluster"] = self.cluster
        if len(self.ipc) == 1:
            found["field"] = self.ipc[0]
        if len(self.holders) == 1 and not self.holder_ids:
            found["holder"] = self.holders[0]
        return found


@dataclass(frozen=True)
class Resolved:
    selection: Selection
    ids: Select = field(repr=False)  # SELECT patents.id of the selection, to use as a subquery
    count: int
    query_hits: int | None  # patents the technology query kept, None without a query


def _cluster_condition(session: Session, cluster: str, scheme: str, tagged_scheme: str):  # noqa: ANN202
    if scheme not in SCHEMES:
        raise SelectionError("scheme", f"集群方案须为 {'、'.join(SCHEMES)} 之一，收到“{scheme}”")
    names = cluster_map(scheme).clusters
    if cluster not in names:
        raise SelectionError("cluster", f"“{cluster}”不是{SCHEME_NAMES[scheme]}产业集群；可选：{'、'.join(names)}")
    if scheme == tagged_scheme:  # the tags hold this scheme's clusters, inferred IPC included
        # Uncorrelated IN (not EXISTS): SQLite otherwise walks the (dimension, code) index once per patent.
        return Patent.id.in_(select(Tag.entity_id).where(Tag.entity == TagEntity.PATENT,
                                                         Tag.dimension == TagDimension.CLUSTER, Tag.code == cluster))
    # The other province's table over the stored codes: distinct codes are few (not one per patent).
    table = cluster_map(scheme)
    codes = [c for c in session.scalars(select(PatentIPC.code).distinct())
             if any(t.cluster == cluster for t in table.tags_for_ipc(c))]
    return Patent.id.in_(select(PatentIPC.patent_id).where(PatentIPC.code.in_(codes))) if codes else false()


def _holder_condition(condition):  # noqa: ANN001, ANN202
    return Patent.id.in_(select(PatentHolder.patent_id).join(Organization, Organization.id ==
                                                             PatentHolder.organization_id).where(condition))


def _region_condition(region: str):  # noqa: ANN202
    text = region.strip()
    if text in JIANGSU_REGIONS:
        return _holder_condition(Organization.city.in_(cities_of(text)))
    return _holder_condition(or_(Organization.city == text, Organization.city == f"{text}市",
                                 Organization.province == text))


def query_hits(session: Session, retriever: Retriever, text: str, relevance: float) -> list[str]:
    """Application numbers the retrieval finds for `text`, scoring at least `relevance` × the best score
    (scores are not on a fixed scale, so the cut-off is relative); lapsed patents are kept: a landscape
    counts them. The cut-off reads the score without `phrase`: a query naming a technology copies some patents'
    titles, and up to 1.5 more for those would raise the best score and shrink the landscape around them."""
    entries = retriever.rank(session, text, include_inactive=True).entries[:QUERY_DEPTH]
    if not entries:
        return []
    copied = retriever.ranker.weights.get("phrase", 0.0)
    scores = [e.score - copied * e.features.get("phrase", 0.0) for e in entries]
    best = max(scores)
    floor = best * relevance if best > 0 else best
    return [e.patent.application_number for e, score in zip(entries, scores, strict=True) if score >= floor]


def resolve(session: Session, selection: Selection, retriever: Retriever | None = None,
            tagged_scheme: str = "jiangsu") -> Resolved:
    """The selection's patent ids as a subquery, and how many there are."""
    query = select(Patent.id)
    hits: list[str] | None = None
    if selection.cluster:
        query = query.where(_cluster_condition(session, selection.cluster.strip(), selection.scheme,
                                               tagged_scheme))
    prefixes = [ipc_prefix(p) for p in selection.ipc if p.strip()]
    if prefixes:
        query = query.where(Patent.id.in_(select(PatentIPC.patent_id).where(
            or_(*(PatentIPC.code.startswith(p, autoescape=True) for p in prefixes)))))
    if selection.query.strip():
        if retriever is None:
            raise SelectionError("query", "按技术描述筛选需要检索索引（patent-match index build）")
        if not 0 <= selection.relevance <= 1:
            raise SelectionError("relevance", "相关度阈值须在 0 到 1 之间")
        hits = query_hits(session, retriever, selection.query.strip(), selection.relevance)
        query = query.where(Patent.application_number.in_(hits) if hits else false())
    if selection.holders or selection.holder_ids:
        named = [Organization.name.in_(selection.holders)] if selection.holders else []
        ids = [Organization.id.in_(selection.holder_ids)] if selection.holder_ids else []
        query = query.where(_holder_condition(or_(*named, *ids)))
    if selection.universities:
        query = query.where(_holder_condition(Organization.kind.in_(RESEARCH)))
    if selection.region and selection.region.strip():
        query = query.where(_region_condition(selection.region))
    if selection.date_from and selection.date_to and selection.date_from > selection.date_to:
        raise SelectionError("date_from", "申请日起始不能晚于截止日")
    if selection.date_from:
        query = query.where(Patent.application_date >= selection.date_from)
    if selection.date_to:
        query = query.where(Patent.application_date <= selection.date_to)
    count = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    return Resolved(selection, query, count, None if hits is None else len(hits))
