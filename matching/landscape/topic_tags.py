"""Learned topics in the database: fit on the stored patents, and store each patent's topic as its `topic` tag
(code T01…, label the generated name), so the landscape's sub-field views stay GROUP BY queries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from data.enums import TagDimension, TagEntity, TagSource
from data.models import Patent, Tag
from indexer.lexical.bm25 import JiebaTokenizer
from indexer.text import join_fields
from matching.landscape.topics import TopicModel, fit, terms

CHUNK = 2000  # patents read, assigned and written at a time: memory stays flat at 100k


@dataclass(frozen=True)
class TopicRun:
    patents: int  # patents read
    assigned: int  # given a topic
    unassigned: int  # no vocabulary term in title + abstract


def default_dir() -> Path:
    from data.settings import get_settings

    settings = get_settings()
    return settings.topic_model or settings.home / "models" / "topics"


def _texts(session: Session) -> Iterator[list[tuple[int, str, str]]]:
    """(id, title, title + abstract) of the stored patents, in batches."""
    query = select(Patent.id, Patent.title, Patent.abstract).order_by(Patent.id).execution_options(yield_per=CHUNK)
    batch: list[tuple[int, str, str]] = []
    for patent_id, title, abstract in session.execute(query):
        batch.append((patent_id, title, join_fields(title, abstract)))
        if len(batch) == CHUNK:
            yield batch
            batch = []
    if batch:
        yield batch


def has_topics(session: Session) -> bool:
    return session.scalar(select(Tag.id).where(Tag.entity == TagEntity.PATENT, Tag.dimension == TagDimension.TOPIC)
                          .limit(1)) is not None


def fit_stored_with_titles(session: Session, topics: int,
                           seed: int = 0) -> tuple[TopicModel, list[tuple[int, float] | None], list[str]]:
    """Fit on every stored patent's title + abstract (a fit needs them all at once; texts are short); returns
    the model, each patent's topic and the titles (for reading examples)."""
    rows = [row for batch in _texts(session) for row in batch]
    model, assigned = fit([text for _, _, text in rows], topics=topics, seed=seed)
    return model, assigned, [title for _, title, _ in rows]


def assign_stored(session: Session, model: TopicModel) -> TopicRun:
    """Replace every patent's topic tag with the model's topic for its title + abstract."""
    session.execute(delete(Tag).where(Tag.entity == TagEntity.PATENT, Tag.dimension == TagDimension.TOPIC))
    tokenizer = JiebaTokenizer.shared()
    read = assigned = 0
    for batch in _texts(session):
        found = model.assign([terms(text, tokenizer) for _, _, text in batch])
        rows = []
        for (patent_id, _, _), hit in zip(batch, found, strict=True):
            if hit is None:
                continue
            topic = model.topics[hit[0]]
            rows.append(Tag(entity=TagEntity.PATENT, entity_id=patent_id, dimension=TagDimension.TOPIC,
                            code=topic.code, label=topic.name[:200], confidence=round(hit[1], 4),
                            source=TagSource.INFERRED, evidence=model.version))
        session.add_all(rows)
        session.flush()
        read += len(batch)
        assigned += len(rows)
    return TopicRun(read, assigned, read - assigned)
