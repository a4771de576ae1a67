from __future__ import annotations

import datetime as dt

from click.testing import CliRunner
from sqlalchemy import select

from api.cli import main
from data.db import transaction
from data.demo import load_demo
from data.enums import TransactionKind
from data.models import MatchFeedback, Need, Organization, Patent, Transaction
from eval.dataset import load_dataset
from eval.judgments import export_judgments
from tests.conftest import TODAY


def test_feedback_and_deals_become_qrels(sqlite_engine, tmp_path):
    load_demo(sqlite_engine, today=TODAY)
    with transaction(sqlite_engine) as session:
        need = session.scalar(select(Need).where(Need.external_id == "XQ-2026-01"))
        other = session.scalar(select(Need).where(Need.external_id == "XQ-2026-02"))
        p1, p2, p3 = session.scalars(select(Patent).order_by(Patent.id).limit(3)).all()
        session.add_all([
            MatchFeedback(need_id=need.id, patent_id=p1.id, grade=0, given_by="sme"),
            MatchFeedback(need_id=need.id, patent_id=p1.id, grade=1, given_by="operator"),  # operator wins
            MatchFeedback(need_id=need.id, patent_id=p2.id, grade=1, given_by="sme"),
            MatchFeedback(need_id=need.id, patent_id=p2.id, grade=2, given_by="sme"),  # latest wins
            MatchFeedback(need_id=other.id, patent_id=p2.id, grade=0, given_by="sme"),
        ])
        orgs = session.scalars(select(Organization).limit(2)).all()
        session.add(Transaction(kind=TransactionKind.LICENSE, from_org=orgs[0], to_org=orgs[1], patents=[p3, p1],
                                signed_on=dt.date(2026, 5, 1), source_need_id=other.id))
        report = export_judgments(session, tmp_path / "judged")
        expected = {"XQ-2026-01": {p1.application_number: 1, p2.application_number: 2},
                    "XQ-2026-02": {p2.application_number: 0, p3.application_number: 2, p1.application_number: 2}}
    assert (report.queries, report.documents, report.from_feedback, report.from_deals) == (2, 239, 3, 2)
    dataset = load_dataset(tmp_path / "judged")
    assert dataset.qrels == expected
    assert dataset.queries["XQ-2026-01"].text.startswith("储能电站电池一致性差")
    assert len(dataset.corpus) == 239


def test_cli_export_on_an_empty_platform_says_what_to_do(tmp_path):
    result = CliRunner().invoke(main, ["--db", f"sqlite:///{tmp_path / 'e.db'}", "eval", "export-judgments",
                                       "--out", str(tmp_path / "out")])
    assert result.exit_code == 0 and "no judgments yet" in result.output
