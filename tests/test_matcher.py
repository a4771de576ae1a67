from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from api.cli import main
from api.cli_match import load_matcher
from data.db import make_engine, transaction
from data.enums import LegalStatus, OfferStatus
from data.ipc_scheme import subclass_titles
from data.models import Need, Patent
from indexer.sources import need_text
from indexer.text import normalize
from matching.clusters import cluster_map


@pytest.fixture
def demo_db(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    result = CliRunner().invoke(main, ["--db", url, "demo", "--as-of", "2026-11-21"])
    assert result.exit_code == 0, result.output
    return url


def test_every_explanation_is_true_to_the_records(demo_db):
    engine = make_engine(demo_db)
    matcher = load_matcher(engine)
    with transaction(engine) as session:
        needs = session.scalars(select(Need).order_by(Need.id)).all()
        checked = 0
        for need in needs[:12]:
            text = need_text(need)
            for m in matcher.match_text(session, text, k=5):
                patent = session.scalar(select(Patent).where(Patent.application_number == m.application_number))
                codes = [i.code for i in patent.ipcs]
                e = m.explanation
                assert patent.legal_status not in (LegalStatus.LAPSED, LegalStatus.INVALID)
                assert all(code in codes and title == subclass_titles()[code[:4]] for code, title in e.matched_ipc)
                clusters = {t.cluster for t in cluster_map().tags_for_patent(codes)}
                assert set(e.shared_clusters) <= clusters
                patent_text = normalize(f"{patent.title} {patent.abstract} {patent.first_claim}").lower()
                assert all(term in normalize(text).lower() and term in patent_text for term in e.shared_terms)
                active = [o for o in patent.offers if o.status is OfferStatus.ACTIVE]
                assert (e.licence is None) == (not active)
                if e.licence:
                    assert e.licence.offer_id == active[0].id and e.licence.fee_type == active[0].fee_type.value
                checked += 1
    assert checked == 60


def test_inactive_patents_only_on_request(demo_db):
    engine = make_engine(demo_db)
    matcher = load_matcher(engine)
    with transaction(engine) as session:
        lapsed = session.scalar(select(Patent).where(Patent.legal_status == LegalStatus.LAPSED))
        text = f"{lapsed.title} {lapsed.abstract}"
        default = [m.application_number for m in matcher.match_text(session, text, k=10)]
        everything = [m.application_number for m in matcher.match_text(session, text, k=10, include_inactive=True)]
    assert lapsed.application_number not in default and everything[0] == lapsed.application_number


def test_cli_match_need(demo_db):
    runner = CliRunner()
    result = runner.invoke(main, ["--db", demo_db, "match", "need", "XQ-2026-01", "--json", "--top", "3"])
    assert result.exit_code == 0, result.output
    matches = json.loads(result.stdout)
    assert len(matches) == 3 and {"application_number", "score", "features", "explanation"} <= set(matches[0])
    text = runner.invoke(main, ["--db", demo_db, "match", "need", "--text", "储能电池主动均衡"])
    assert text.exit_code == 0 and " 1. " in text.output
    assert runner.invoke(main, ["--db", demo_db, "match", "need", "XQ-404"]).exit_code == 2
    assert runner.invoke(main, ["--db", demo_db, "match", "need"]).exit_code == 2
