from __future__ import annotations

import datetime as dt

import pytest

from data.enums import LegalStatus, PatentType
from data.models import Patent, PatentIPC
from matching.value import value_score

TODAY = dt.date(2026, 11, 21)


def patent(**fields) -> Patent:
    base = dict(application_number="202110000000.1", patent_type=PatentType.INVENTION, title="t",
                application_date=dt.date(2021, 1, 1), legal_status=LegalStatus.VALID, right_suspended=False,
                has_evaluation_report=False, claim_count=None, cited_by_count=None, family_size=None)
    record = Patent(**(base | fields))
    record.ipcs, record.transactions = [], []
    return record


def test_known_indicators_only():
    score = value_score(patent(), TODAY)
    assert score.indicators["claims"] is None and score.indicators["citations"] is None
    assert score.indicators["family"] is None and score.indicators["market_use"] is None
    assert score.dimensions["technical"] is None and score.dimensions["economic"] is None
    # legal = mean(status 1, remaining term ≈ 14.1/20, stability 1); overall = legal alone
    remaining = ((dt.date(2040, 12, 31) - TODAY).days / 365.25) / 20
    assert score.dimensions["legal"] == pytest.approx((1 + remaining + 1) / 3)
    assert score.overall == pytest.approx(score.dimensions["legal"])
    assert score.coverage == pytest.approx(3 / 8)


def test_full_record():
    record = patent(claim_count=12, cited_by_count=20, family_size=10)
    record.ipcs = [PatentIPC(code="H01M 10/44", subclass="H01M"), PatentIPC(code="H02J 7/00", subclass="H02J")]
    score = value_score(record, TODAY)
    assert score.indicators["claims"] == 1.0 and score.indicators["citations"] == 1.0
    assert score.indicators["family"] == 1.0 and score.indicators["ipc_breadth"] == pytest.approx(2 / 3)
    assert score.dimensions["technical"] == pytest.approx((2 / 3 + 1) / 2)
    assert 0 < score.overall <= 1 and "价值指数" in score.zh()


def test_lapsed_suspended_and_unexamined():
    assert value_score(patent(legal_status=LegalStatus.LAPSED), TODAY).indicators["status"] == 0.0
    assert value_score(patent(right_suspended=True), TODAY).indicators["status"] == 0.0
    utility = patent(patent_type=PatentType.UTILITY_MODEL)
    assert value_score(utility, TODAY).indicators["stability"] is None  # no evaluation report: unknown
    reported = patent(patent_type=PatentType.UTILITY_MODEL, has_evaluation_report=True)
    assert value_score(reported, TODAY).indicators["stability"] == 0.8
    expired = patent(application_date=dt.date(2000, 1, 1))
    assert value_score(expired, TODAY).indicators["remaining_term"] == 0.0
