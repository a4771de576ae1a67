"""Where indexed documents come from: the platform database or a BEIR corpus file."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from data.jsonl import read_jsonl
from data.models import Need, Patent
from indexer.text import Document, join_fields


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


def documents_from_beir(corpus: Path) -> list[Document]:
    """BEIR corpus.jsonl (`_id`, `title`, `text`): lexical view title + text, dense view the text."""
    documents = []
    for number, record in read_jsonl(corpus):
        if "_id" not in record:
            raise ValueError(f"{corpus}, line {number}: a BEIR corpus record needs an _id")
        title, text = record.get("title") or "", record.get("text")
        documents.append(patent_document(str(record["_id"]), title, text, None))
    return documents
