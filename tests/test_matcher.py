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
from matching.features import phrase_overlap, wording


def test_every_explanation_is_true_to_the_records(demo_db):
    engine = make_engine(demo_db)
    matcher = load_matcher(engine)
    with transaction(engine) as session:
        needs = session.scalars(select(Need).order_by(Need.id)).all()
        checked = 0
        for need in needs[:12]:
            text = need_text(need)
            need_profile, _ = matcher.profiler.profile_of_need(need, text)
            for m in matcher.match_need(session, need, k=5):
                patent = session.scalar(select(Patent).where(Patent.application_number == m.application_number))
                codes = [i.code for i in patent.ipcs]
                e = m.explanation
                assert patent.legal_status not in (LegalStatus.LAPSED, LegalStatus.INVALID)
                assert all(code in codes and title == subclass_titles()[code[:4]] for code, title in e.matched_ipc)
                clusters = {t.cluster for t in cluster_map().tags_for_patent(codes)}
                assert set(e.shared_clusters) <= clusters & set(need_profile.clusters)
                assert {c.cluster for c in m.clusters} == clusters  # the patent's cluster evidence
                assert all(subclass in {s for s, _ in need_profile.ipc} for subclass in {c[:4] for c, _ in e.matched_ipc})
                contributions = [*e.strongest, *e.adjustments]
                assert all(c.value == m.features[c.feature] and
                           c.contribution == pytest.approx(matcher.ranker.weights[c.feature] * c.value)
                           for c in contributions)
                assert [abs(c.contribution) for c in e.strongest] == sorted(
                    (abs(c.contribution) for c in e.strongest), reverse=True)
                assert m.score == pytest.approx(matcher.ranker.score(m.features))
                # Read only for candidates near some retriever's top (matching/features.py PHRASE_DEPTH)
                assert m.features["phrase"] in (0.0, phrase_overlap(text, wording(f"{patent.title}{patent.abstract}")))
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


def test_cli_match_need(demo_db, tmp_path, monkeypatch):
    runner = CliRunner()
    result = runner.invoke(main, ["--db", demo_db, "match", "need", "XQ-2026-01", "--json", "--top", "3"])
    assert result.exit_code == 0, result.output
    matches = json.loads(result.stdout)
    assert len(matches) == 3 and {"application_number", "score", "features", "explanation"} <= set(matches[0])
    # The tests' keyword encoder has no shipped adapter, so the shipped cut-offs do not apply: no strength claimed
    assert matches[0]["strength"] is None
    from matching import confidence
    from matching.ranker import DEFAULT_FUSION, DEFAULT_WEIGHTS

    confidence.Calibration(1.8, 1.0, DEFAULT_WEIGHTS, DEFAULT_FUSION, "test").save(tmp_path / "c.json")
    monkeypatch.setattr(confidence, "SHIPPED", tmp_path / "c.json")  # cut-offs fitted for this configuration
    text = runner.invoke(main, ["--db", demo_db, "match", "need", "--text", "储能电池主动均衡"])
    assert text.exit_code == 0 and " 1. " in text.output and "匹配]" in text.output
    assert runner.invoke(main, ["--db", demo_db, "match", "need", "XQ-404"]).exit_code == 2
    assert runner.invoke(main, ["--db", demo_db, "match", "need"]).exit_code == 2


def test_patent_direction_finds_needs_and_licensees(demo_db):
    from data.enums import NeedStatus
    from data.models import Organization
    from matching.directions import PatentMatcher
    from matching.features import RESEARCH_KINDS

    engine = make_engine(demo_db)
    matcher = load_matcher(engine)
    with transaction(engine) as session:
        patent = session.scalar(select(Patent).where(Patent.application_number == "201710483362.4"))
        result = PatentMatcher(matcher).match_patent(session, patent, k=5)
        assert result.needs and result.needs[0].external_id == "XQ-2026-01"  # the need the demo built it for
        assert [n.score for n in result.needs] == sorted((n.score for n in result.needs), reverse=True)
        for n in result.needs:
            assert session.get(Need, n.need_id).status is NeedStatus.OPEN
        holders = {h.organization_id for h in patent.holders}
        assert result.licensees
        for licensee in result.licensees:
            org = session.get(Organization, licensee.organization_id)
            assert org.id not in holders and org.kind not in RESEARCH_KINDS and licensee.evidence
            for line in licensee.evidence:
                if line.startswith("需求"):
                    assert any(n.title in line for n in session.scalars(select(Need).where(Need.organization_id == org.id)))


def test_challenge_direction_ranks_research_teams(demo_db):
    from data.models import Challenge
    from matching.directions import TEAM_DECAY, solver_teams
    from matching.features import RESEARCH_KINDS

    engine = make_engine(demo_db)
    matcher = load_matcher(engine)
    with transaction(engine) as session:
        challenge = session.scalars(select(Challenge).order_by(Challenge.id)).first()
        teams = solver_teams(session, matcher, challenge.need, k=5)
        assert teams and [t.score for t in teams] == sorted((t.score for t in teams), reverse=True)
        for team in teams:
            from data.models import Organization

            assert session.get(Organization, team.organization_id).kind in RESEARCH_KINDS
            for m in team.patents:
                patent = session.scalar(select(Patent).where(Patent.application_number == m.application_number))
                assert team.organization_id in {h.organization_id for h in patent.holders}
            top = [m.score for m in team.patents]
            assert team.score == pytest.approx(sum(w * s for w, s in zip(TEAM_DECAY, top, strict=False)))


def test_cli_match_patent_and_challenge(demo_db):
    runner = CliRunner()
    result = runner.invoke(main, ["--db", demo_db, "match", "patent", "201710483362.4", "--json", "--top", "3"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert len(data["needs"]) <= 3 and {"needs", "licensees"} <= set(data)
    text = runner.invoke(main, ["--db", demo_db, "match", "patent", "ZL 2017 1048 3362.4"])
    assert text.exit_code == 0 and "潜在许可实施企业" in text.output
    challenge = runner.invoke(main, ["--db", demo_db, "match", "challenge", "XQ-2026-41", "--explain"])
    assert challenge.exit_code == 0 and "揭榜挂帅" in challenge.output and " 1. " in challenge.output
    data = json.loads(runner.invoke(main, ["--db", demo_db, "match", "challenge", "XQ-2026-41", "--json"]).stdout)
    assert data and {"name", "score", "patents"} <= set(data[0])
    assert runner.invoke(main, ["--db", demo_db, "match", "patent", "201799999999.9"]).exit_code == 2
    assert runner.invoke(main, ["--db", demo_db, "match", "challenge", "XQ-2026-01"]).exit_code == 2  # not a challenge
    learn = runner.invoke(main, ["--db", demo_db, "match", "learn"])
    assert learn.exit_code == 0 and "keeping the default" in learn.output


def test_feedback_and_deals_become_graded_pairs(demo_db):
    import datetime as dt

    from data.enums import TransactionKind
    from data.models import MatchFeedback, Transaction
    from matching.feedback import collect_grades, graded_pairs

    engine = make_engine(demo_db)
    matcher = load_matcher(engine)
    with transaction(engine) as session:
        need = session.scalar(select(Need).where(Need.external_id == "XQ-2026-01"))
        first, second = [m.application_number for m in matcher.match_need(session, need, k=2)]
        p1, p2 = (session.scalar(select(Patent).where(Patent.application_number == n)) for n in (first, second))
        session.add_all([MatchFeedback(need_id=need.id, patent_id=p1.id, grade=0, given_by="sme"),
                         MatchFeedback(need_id=need.id, patent_id=p2.id, grade=1, given_by="operator")])
        session.add(Transaction(kind=TransactionKind.LICENSE, from_org_id=p1.holders[0].organization_id,
                                to_org_id=need.organization_id, signed_on=dt.date(2026, 11, 1), source_need_id=need.id,
                                patents=[p1]))
    with transaction(engine) as session:
        grades = collect_grades(session)
        assert grades[need.id] == {p1.id: 2, p2.id: 1}  # the deal overrides the SME's 0
        pairs = {p.features["char_tfidf"]: p for p in graded_pairs(session, matcher) if p.group == str(need.id)}
        assert len(pairs) == 2 and all(p.features["char_tfidf"] > 0 for p in pairs.values())


@pytest.mark.parametrize("weights", [None, {"dense": 1.0, "char_tfidf": 1.0, "bm25": 0.5, "sleeping": 0.6,
                                            "value": 0.8, "region": 0.3}])
def test_a_ranking_to_depth_k_is_the_full_rankings_top_k(demo_db, weights):
    """Pruning is exact: with policy weights strong enough to lift patents past better text matches too."""
    from matching.ranker import DEFAULT_WEIGHTS, LinearRanker

    engine = make_engine(demo_db)
    matcher = load_matcher(engine)
    matcher.ranker = LinearRanker({**{n: 0.0 for n in DEFAULT_WEIGHTS}, **weights}) if weights else matcher.ranker
    with transaction(engine) as session:
        needs = session.scalars(select(Need).order_by(Need.id)).all()[:8]
        looked_up = lifted = 0
        for need in needs:
            full = matcher.rank_need(session, need)
            for k in (1, 5, 20):
                pruned = matcher.rank_need(session, need, depth=k)
                assert [(e.patent.application_number, e.score) for e in pruned.entries[:k]] == [
                    (e.patent.application_number, e.score) for e in full.entries[:k]]
                assert pruned.eligible == full.eligible == len(full.entries)
            looked_up += len(matcher.rank_need(session, need, depth=5).entries)
            text_order = sorted(full.entries, key=lambda e: -matcher.ranker.score(
                e.candidate.retrieval_features(matcher.ranker.fusion)))
            lifted += len({e.patent.application_number for e in full.entries[:5]} -
                          {e.patent.application_number for e in text_order[:5]})
        if weights is None:  # the default's small policy weights leave most candidates unread
            assert looked_up < sum(len(matcher.rank_need(session, n).entries) for n in needs) / 2
        else:  # the policy weights do reorder, so the check above compares something
            assert lifted > 0


def test_a_patent_s_title_typed_as_a_need_is_matched_by_its_wording_and_says_so(demo_db):
    engine = make_engine(demo_db)
    matcher = load_matcher(engine)
    with transaction(engine) as session:
        patents = session.scalars(select(Patent).where(Patent.legal_status == LegalStatus.VALID)
                                  .order_by(Patent.id)).all()[:10]
        for patent in patents:
            first = matcher.rank(session, patent.title).entries[0]
            assert first.patent.application_number == patent.application_number and first.features["phrase"] == 1.0
        shown = matcher.match_text(session, patents[0].title, k=1)[0]
        partial = matcher.match_text(session, f"{patents[0].title[:6]}及其他", k=1)[0]  # half its sequences copied
    assert any(c.feature == "phrase" and c.zh == "原文词句相符（需求中100%的四字片段见于专利标题或摘要）"
               for c in shown.explanation.strongest)
    wanted = phrase_overlap(f"{patents[0].title[:6]}及其他", wording(patents[0].title + patents[0].abstract))
    assert [c.zh for c in partial.explanation.strongest if c.feature == "phrase"] in (
        [], [f"原文词句相符（需求中{int(wanted * 100)}%的四字片段见于专利标题或摘要）"])


def test_pruning_counts_the_phrase_before_it_reads_records(demo_db):
    """A candidate that retrieval ranks low but whose wording the need copies belongs first; a pruned ranking must
    not leave it unread."""
    from matching.candidates import Candidate
    from matching.features import PHRASE_DEPTH
    from matching.matcher import PRUNE_BATCH

    assert PRUNE_BATCH + 3 <= PHRASE_DEPTH  # the copied patent below is read for its wording
    engine = make_engine(demo_db)
    matcher = load_matcher(engine)
    with transaction(engine) as session:
        patents = session.scalars(select(Patent).order_by(Patent.id)).all()
        ids = {p.application_number: p.id for p in patents}
        copied = patents[PRUNE_BATCH + 2]  # beyond the first batch of records read
        scores = [1.0 - rank / len(patents) for rank in range(1, len(patents) + 1)]
        candidates = [Candidate(p.application_number, {"char_tfidf": rank}, {"char_tfidf": s}, {"char_tfidf": s})
                      for rank, (p, s) in enumerate(zip(patents, scores, strict=True), start=1)]
        need, _ = matcher.profiler.need_profile(copied.title)
        full = matcher._score(session, candidates, ids, need, None)
        pruned = matcher._score(session, candidates, ids, need, 1)
    assert len(patents) > 2 * PRUNE_BATCH and full[0].patent.application_number == copied.application_number
    assert pruned[0].patent.application_number == copied.application_number
    assert len(pruned) < len(full)  # and the pruning did leave records unread
