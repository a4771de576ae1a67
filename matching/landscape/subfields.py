"""The technical sub-fields of a landscape: the rows of the matrix, the shares and the deals.

Either the IPC main group of a patent's main code (H02J 3/38 → H02J 3), titled from the configured full scheme
(`ipc_scheme`) or else its subclass, or the learned topic `patent-match navigate topics fit` stored as the
patent's `topic` tag (matching/landscape/topics.py). Either way one sub-field per patent, so the counts add up to
the selection, and either way a column of a GROUP BY: no patent text is read.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, aliased

from data.enums import TagDimension, TagEntity
from data.ipc_scheme import group_titles, subclass_titles
from data.models import Patent, Tag
from matching.explain import short_title

UNCLASSIFIED = "未分类"
KINDS = ("ipc", "topics")


def main_group(code: str | None) -> str:
    """H02J 3/38 → H02J 3; a bare subclass stays as it is; no code → 未分类."""
    if not code or not code.strip():
        return UNCLASSIFIED
    return code.split("/", 1)[0].strip()


def group_title(group: str) -> str:
    """The main group's own title when a full scheme is configured, else its subclass's, to its first clause."""
    if group == UNCLASSIFIED:
        return ""
    return short_title(group_titles().get(group) or subclass_titles().get(group[:4], ""), 30)


@dataclass(frozen=True)
class SubFields:
    kind: str = "ipc"  # ipc / topics

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"技术分支须为 {'、'.join(KINDS)} 之一，收到“{self.kind}”")

    @property
    def topics(self) -> bool:
        return self.kind == "topics"

    @property
    def heading(self) -> str:
        return "主题" if self.topics else "IPC 主组"

    @property
    def title_heading(self) -> str:
        return "主题名称（由主题词生成）" if self.topics else "名称"

    def grouped(self, query: Select) -> tuple[Select, object]:
        """`query` (over Patent) joined so that the returned column holds each patent's sub-field value: its
        main IPC code (folded by `fold`), or its topic code (NULL without one)."""
        if not self.topics:
            return query, Patent.main_ipc
        topic = aliased(Tag)
        joined = query.outerjoin(topic, (topic.entity_id == Patent.id) & (topic.entity == TagEntity.PATENT)
                                 & (topic.dimension == TagDimension.TOPIC))
        return joined, topic.code

    def fold(self, value: str | None) -> str:
        if self.topics:
            return value or UNCLASSIFIED
        return main_group(value)

    def titles(self, session: Session, groups: list[str]) -> dict[str, str]:
        if not self.topics:
            return {g: group_title(g) for g in groups}
        query = (select(Tag.code, func.min(Tag.label)).where(Tag.entity == TagEntity.PATENT,
                                                              Tag.dimension == TagDimension.TOPIC)
                 .group_by(Tag.code))
        return dict(session.execute(query).all())

    def facet(self, group: str) -> tuple[tuple[str, str], ...]:
        """The /ui/patents facet listing a sub-field's patents (none for 未分类)."""
        if group == UNCLASSIFIED:
            return ()
        return (("topic", group),) if self.topics else (("field", f"{group}/"),)

    def label(self, group: str, titles: dict[str, str]) -> str:
        """A row's caption in charts: the code with its (topic) name."""
        return f"{group} {titles.get(group, '')}".strip()
