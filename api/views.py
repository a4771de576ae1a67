"""Text views for the command line: the platform summary, patent and need lists."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence

from api.render import clip, table, wan
from data.enums import OrgKind, TagDimension, label
from data.models import Need, Patent
from data.summary import Summary
from matching.clusters import ClusterMap

UNMAPPED = "（未归入集群）"


def summary_text(summary: Summary, clusters: ClusterMap, top_holders: int = 15) -> str:
    parts = []
    orgs = " · ".join(f"{label(k)} {n}" for k, n in sorted(summary.orgs_by_kind.items(), key=lambda kv: -kv[1]))
    parts.append(f"机构 Organisations ({sum(summary.orgs_by_kind.values())}): {orgs}")

    total = sum(summary.patents_by_status.values())
    statuses = " · ".join(f"{label(k)} {n}" for k, n in sorted(summary.patents_by_status.items(),
                                                                  key=lambda kv: -kv[1]))
    parts.append(f"专利 Patents ({total}): {statuses}; 沉睡 sleeping {summary.sleeping}; "
                 f"开放许可 open-licence offers {summary.active_offers}")

    research = [h for h in summary.holders if h.kind in (OrgKind.UNIVERSITY, OrgKind.INSTITUTE)]
    parts.append("按权利人 Patents by holder (universities and institutes)\n" + table(
        ["权利人 holder", "类型", "专利", "有效", "沉睡", "开放许可"],
        [(h.name, label(h.kind), h.patents, h.valid, h.sleeping, h.offered) for h in research[:top_holders]],
    ))

    by_cluster: Counter[str] = Counter()
    sleeping_by_cluster: Counter[str] = Counter()
    for patent in summary.patent_codes:
        tags = clusters.tags_for_patent(patent.codes)
        name = tags[0].cluster if tags else UNMAPPED  # counted once, under its main code's cluster
        by_cluster[name] += 1
        sleeping_by_cluster[name] += patent.sleeping
    rows = [(c, by_cluster[c], sleeping_by_cluster[c]) for c in clusters.clusters]
    rows.sort(key=lambda r: -r[1])
    if by_cluster[UNMAPPED]:
        rows.append((UNMAPPED, by_cluster[UNMAPPED], sleeping_by_cluster[UNMAPPED]))
    parts.append("按集群 Patents by cluster (江苏13个先进制造业集群, via IPC → 战略性新兴产业 2021)\n"
                 + table(["集群 cluster", "专利", "沉睡"], rows))

    parts.append(f"需求 Open needs: {summary.open_needs}; 揭榜挂帅 challenges: {len(summary.challenges)}\n" + table(
        ["榜单 challenge", "发布方", "榜单金额(万元)", "揭榜截止", "状态"],
        [(clip(c.title, 34), clip(c.publisher, 24), wan(c.reward), c.deadline, label(c.state))
         for c in summary.challenges],
    ))

    parts.append("交易 Transactions by year (金额: 万元)\n" + table(
        ["年份", "类型", "笔数", "合同金额", "到账金额"],
        [(d.year, label(d.kind), d.count, wan(d.contract), wan(d.received)) for d in summary.deals],
    ))
    return "\n\n".join(parts)


def tag_labels(tags, dimension: TagDimension) -> str:  # noqa: ANN001
    return "、".join(t.label for t in tags if t.dimension is dimension)


def patents_text(patents: Sequence[Patent], show_reason: bool, tags: Mapping[int, list] | None = None) -> str:
    headers = ["申请号", "名称", "权利人", "法律状态", "授权日", "主分类号"]
    if show_reason:
        headers.append("沉睡判定 reason")
    if tags is not None:
        headers += ["集群", "技术功效", "产品类别"]
    rows = []
    for p in patents:
        row = [p.application_number, clip(p.title, 40), clip(", ".join(h.organization.name for h in p.holders), 24),
               label(p.legal_status), p.grant_date or "", p.main_ipc or ""]
        if show_reason:
            row.append(p.sleeping_reason or "")
        if tags is not None:
            row += [clip(tag_labels(tags[p.id], d), 24) for d in
                    (TagDimension.CLUSTER, TagDimension.EFFECT, TagDimension.PRODUCT)]
        rows.append(row)
    return table(headers, rows)


def needs_text(needs: Sequence[Need], tags: Mapping[int, list]) -> str:
    headers = ["需求编号", "名称", "需求方", "行业", "状态", "集群", "所需功效", "产品类别"]
    rows = [[n.external_id or n.id, clip(n.title, 30), clip(n.organization.name, 20), clip(n.industry or "", 12),
             label(n.status), *(clip(tag_labels(tags[n.id], d), 20) for d in
                                (TagDimension.CLUSTER, TagDimension.EFFECT, TagDimension.PRODUCT))] for n in needs]
    return table(headers, rows) if rows else "no needs"
