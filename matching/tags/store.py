"""Tags in the database: (re)tag what changed, read tags back (the matcher reads the effects), and find records
by facet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session, selectinload

from data.enums import TagDimension, TagEntity
from data.models import Need, Patent, Tag, TagState
from matching.tags.tagger import Tagger, TagRecord


@dataclass(frozen=True)
class TagRun:
    patents: int  # (re)tagged
    needs: int
    unchanged: int
    removed: int  # tag sets of records that no longer exist


def _replace(session: Session, entity: TagEntity, entity_id: int, digest: str, tags: list[TagRecord],
             state: TagState | None, now: dt.datetime) -> None:
    # Topic tags come from `navigate topics assign`, not from the tagger: retagging keeps them.
    session.execute(delete(Tag).where(Tag.entity == entity, Tag.entity_id == entity_id,
                                      Tag.dimension != TagDimension.TOPIC))
    session.add_all(Tag(entity=entity, entity_id=entity_id, dimension=t.dimension, code=t.code, label=t.label[:200],
                        confidence=round(t.confidence, 4), source=t.source, evidence=t.evidence) for t in tags)
    if state is None:
        session.add(TagState(entity=entity, entity_id=entity_id, digest=digest, tagged_at=now))
    else:
        state.digest, state.tagged_at = digest, now


def tag_records(session: Session, tagger: Tagger, force: bool = False) -> TagRun:
    """Tag every patent and need whose text, codes, industry or tagging rules changed since last time."""
    now = dt.datetime.now(dt.UTC)
    states = {(s.entity, s.entity_id): s for s in session.scalars(select(TagState))}
    counts = {TagEntity.PATENT: 0, TagEntity.NEED: 0}
    unchanged = 0
    patents = session.scalars(select(Patent).options(selectinload(Patent.ipcs))).all()
    needs = session.scalars(select(Need).options(selectinload(Need.organization))).all()
    work = [(TagEntity.PATENT, p.id, tagger.patent_digest(p), p) for p in patents]
    work += [(TagEntity.NEED, n.id, tagger.need_digest(n), n) for n in needs]
    for entity, entity_id, digest, record in work:
        state = states.pop((entity, entity_id), None)
        if state is not None and state.digest == digest and not force:
            unchanged += 1
            continue
        tags = tagger.patent_tags(record) if entity is TagEntity.PATENT else tagger.need_tags(record)
        _replace(session, entity, entity_id, digest, tags, state, now)
        counts[entity] += 1
    for (entity, entity_id), state in states.items():  # records deleted since they were tagged
        session.execute(delete(Tag).where(Tag.entity == entity, Tag.entity_id == entity_id))
        session.delete(state)
    session.flush()
    return TagRun(counts[TagEntity.PATENT], counts[TagEntity.NEED], unchanged, len(states))


def patent_abstracts(session: Session) -> list[str]:
    """The patents' non-empty abstracts: what the effect classifier learns from (matching/tags/effect_auto.py)."""
    return [a for a in session.scalars(select(Patent.abstract).order_by(Patent.id)) if a]


def stored_effects(session: Session, patent_ids: list[int]) -> dict[int, dict[str, str]]:
    """Effect code → evidence as `patent-match tag` stored them (the classifier's included), for each of these
    patents it has tagged; a patent never tagged is absent (one tagged without an effect maps to {})."""
    if not patent_ids:
        return {}
    found: dict[int, dict[str, str]] = {i: {} for i in session.scalars(
        select(TagState.entity_id).where(TagState.entity == TagEntity.PATENT, TagState.entity_id.in_(patent_ids)))}
    rows = session.execute(select(Tag.entity_id, Tag.code, Tag.evidence).where(
        Tag.entity == TagEntity.PATENT, Tag.dimension == TagDimension.EFFECT, Tag.entity_id.in_(patent_ids))
        .order_by(Tag.id))
    for patent_id, code, evidence in rows:
        if patent_id in found:
            found[patent_id][code] = evidence
    return found


def tags_of(session: Session, entity: TagEntity, entity_ids: list[int]) -> dict[int, list[Tag]]:
    found: dict[int, list[Tag]] = {i: [] for i in entity_ids}
    query = select(Tag).where(Tag.entity == entity, Tag.entity_id.in_(entity_ids)).order_by(Tag.id)
    for tag in session.scalars(query):
        found[tag.entity_id].append(tag)
    return found


def matching_ids(session: Session, entity: TagEntity, dimension: TagDimension, value: str) -> set[int]:
    """Records tagged with `value`: a code (E04, P01, 6.3), a label (节能降耗); for IPC also a prefix
    (H01M), for products also part of the name (电池)."""
    wanted = value.strip()
    condition = or_(Tag.code == wanted, Tag.label == wanted)
    if dimension is TagDimension.IPC:
        condition = or_(condition, Tag.code.startswith(wanted, autoescape=True))
    if dimension is TagDimension.PRODUCT:
        condition = or_(condition, Tag.label.contains(wanted, autoescape=True))
    query = select(Tag.entity_id).where(Tag.entity == entity, Tag.dimension == dimension, condition)
    return set(session.scalars(query))
