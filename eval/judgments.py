"""The platform's own judgments as a BEIR set: needs are queries, patents the corpus.

Grades (0 = not relevant, 1 = partly, 2 = solves the need):
  - match feedback: each grader's most recent grade for a (need, patent) pair; when an operator and
    an SME disagree, the operator's grade stands (operators curate);
  - a transaction that names its source need: every patent in it gets 2 for that need — a deal is
    the strongest evidence there is, and overrides feedback.
Only needs with at least one judgment become queries. The corpus holds every patent, in the same
view the platform indexes (title + abstract + first claim).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from data.models import MatchFeedback, Need, Patent, Transaction

GRADER_PRIORITY = {"operator": 2, "admin": 2, "sme": 1}


@dataclass(frozen=True)
class ExportReport:
    queries: int
    documents: int
    judgments: int
    from_feedback: int
    from_deals: int
    directory: Path


def need_query_id(need: Need) -> str:
    return need.external_id or f"need-{need.id}"


def collect_judgments(session: Session) -> tuple[dict[int, dict[int, int]], int, int]:
    """need id → patent id → grade."""
    latest: dict[tuple[int, int, str], MatchFeedback] = {}
    for fb in session.scalars(select(MatchFeedback).order_by(MatchFeedback.created_at, MatchFeedback.id)):
        latest[(fb.need_id, fb.patent_id, fb.given_by)] = fb
    chosen: dict[tuple[int, int], tuple[int, int]] = {}  # (need, patent) → (priority, grade)
    for (need_id, patent_id, grader), fb in latest.items():
        priority = GRADER_PRIORITY.get(grader, 0)
        if (need_id, patent_id) not in chosen or priority >= chosen[(need_id, patent_id)][0]:
            chosen[(need_id, patent_id)] = (priority, fb.grade)
    grades: dict[int, dict[int, int]] = {}
    for (need_id, patent_id), (_, grade) in chosen.items():
        grades.setdefault(need_id, {})[patent_id] = grade
    from_feedback = len(chosen)
    from_deals = 0
    deals = session.scalars(select(Transaction).where(Transaction.source_need_id.is_not(None))
                            .options(selectinload(Transaction.patents)))
    for deal in deals:
        for patent in deal.patents:
            grades.setdefault(deal.source_need_id, {})[patent.id] = 2  # type: ignore[index]
            from_deals += 1
    return grades, from_feedback, from_deals


def export_judgments(session: Session, out: Path) -> ExportReport:
    grades, from_feedback, from_deals = collect_judgments(session)
    patents = {p.id: p for p in session.scalars(select(Patent).order_by(Patent.id))}
    needs = {n.id: n for n in session.scalars(select(Need).where(Need.id.in_(list(grades))).order_by(Need.id))}
    (out / "qrels").mkdir(parents=True, exist_ok=True)
    with (out / "corpus.jsonl").open("w", encoding="utf-8") as handle:
        for p in patents.values():
            text = "\n".join(t for t in (p.abstract, p.first_claim) if t)
            handle.write(json.dumps({"_id": p.application_number, "title": p.title, "text": text},
                                    ensure_ascii=False) + "\n")
    with (out / "queries.jsonl").open("w", encoding="utf-8") as handle:
        for need in needs.values():
            record = {"_id": need_query_id(need), "title": need.title, "text": need.text,
                      "industry": need.industry or "", "region": need.city or need.province or ""}
            handle.write(json.dumps(record, ensure_ascii=False) + "\n")
    judgments = 0
    with (out / "qrels" / "test.tsv").open("w", encoding="utf-8") as handle:
        handle.write("query-id\tcorpus-id\tscore\n")
        for need_id, by_patent in sorted(grades.items()):
            for patent_id, grade in sorted(by_patent.items()):
                handle.write(f"{need_query_id(needs[need_id])}\t{patents[patent_id].application_number}\t{grade}\n")
                judgments += 1
    return ExportReport(len(needs), len(patents), judgments, from_feedback, from_deals, out)
