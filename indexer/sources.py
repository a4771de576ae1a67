"""Where indexed documents come from: the platform database or a BEIR corpus file."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Protocol

from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from data.db import session_factory
from data.jsonl import read_jsonl
from data.models import DatabaseIdentity, Need, Patent, PatentTextChanges
from indexer.text import Document, join_fields

logger = logging.getLogger(__name__)
# Rows of counted changes at which reading the revision folds them. PostgreSQL adds one per writing statement, and
# index updates fold them, but a database that is written to and whose index is never updated would keep growing.
FOLD_AT = 1000


def patent_document(doc_id: str, title: str, abstract: str | None, first_claim: str | None) -> Document:
    return Document(doc_id, join_fields(title, abstract, first_claim), join_fields(abstract, first_claim) or None)


def need_text(need: Need) -> str:
    return join_fields(need.title, need.text)


def documents_from_db(session: Session) -> list[Document]:
    """Every patent, keyed by application number; legal-status filtering is the ranker's job."""
    rows = session.execute(
        select(Patent.application_number, Patent.title, Patent.abstract, Patent.first_claim).order_by(Patent.id)
    )
    return [patent_document(number, title, abstract, claim) for number, title, abstract, claim in rows]


def database_revision(session: Session) -> str:
    """`token:changes`, which differs after any committed change to any patent's indexed text, by any writer
    (database triggers count them, migration 0016). Read it before the documents it stands for: a change
    committed in between is then in the documents but not in the revision, which only costs a re-read."""
    return _revision_and_rows(session)[0]


def _revision_and_rows(session: Session) -> tuple[str, int]:
    token = session.scalar(select(DatabaseIdentity.token))
    changes, rows = session.execute(select(func.coalesce(func.sum(PatentTextChanges.changes), 0),
                                           func.count())).one()
    return f"{token}:{changes}", rows


def compact_text_changes(session: Session) -> None:
    """Folds PostgreSQL's rows of counted changes (one per writing statement, migration 0016) into one with the same
    sum, in one statement: a writer's uncommitted row is not deleted, and counts when it commits. SQLite keeps one
    row already."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("WITH gone AS (DELETE FROM patent_text_changes RETURNING changes) "
                             "INSERT INTO patent_text_changes (changes) SELECT COALESCE(SUM(changes), 0) FROM gone"))


class DocumentSource(Protocol):
    """What an index is kept in step with. `revision()` is cheap and differs whenever `documents()` would;
    None: this source cannot tell, so staleness is always measured by reading every document."""

    def revision(self) -> str | None: ...

    def documents(self) -> list[Document]: ...


class DatabaseSource:
    """The platform database as an index's source: its documents, and a revision that is cheap to read."""

    def __init__(self, engine: Engine, fold_at: int = FOLD_AT) -> None:
        self._sessions = session_factory(engine)
        self._fold_at = fold_at

    def revision(self) -> str:
        with self._sessions() as session:
            revision, rows = _revision_and_rows(session)
        if rows >= self._fold_at:  # folding keeps the sum, so the revision just read still holds
            self.compact_or_log()
        return revision

    def documents(self) -> list[Document]:
        with self._sessions() as session:
            return documents_from_db(session)

    def compact(self) -> None:
        """Keeps the revision two small reads however many writes it counts (after an index update)."""
        with self._sessions.begin() as session:
            compact_text_changes(session)

    def compact_or_log(self) -> None:
        """`compact`, where a failure must not fail the caller (a staleness check, a finished update): the rows
        only wait for the next fold."""
        try:
            self.compact()
        except Exception:  # noqa: BLE001
            logger.warning("could not fold the counted patent text changes", exc_info=True)


def documents_from_beir(corpus: Path) -> list[Document]:
    """BEIR corpus.jsonl (`_id`, `title`, `text`): lexical view title + text, dense view the text."""
    documents = []
    for number, record in read_jsonl(corpus):
        if "_id" not in record:
            raise ValueError(f"{corpus}, line {number}: a BEIR corpus record needs an _id")
        title, text = record.get("title") or "", record.get("text")
        documents.append(patent_document(str(record["_id"]), title, text, None))
    return documents
