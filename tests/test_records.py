"""The ranking read model (matching/records.py) says what the ORM objects say, on both backends."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from data.db import make_engine, transaction
from data.enums import FeeType, HolderRole, LegalStatus, OfferStatus, OrgKind, PatentType, TransactionKind
from data.models import LicenseOffer, Organization, Patent, PatentHolder, PatentIPC, Transaction
from matching.clusters import cluster_map
from matching.profiles import Profiler, active_offer, patent_codes
from matching.records import legal_statuses, patent_records
from matching.value import value_score

TODAY = dt.date(2026, 11, 21)


def _same(session, patents: list[Patent]) -> int:
    """Asserts record == ORM object for everything ranking reads; returns how many were compared."""
    records = patent_records(session, [p.id for p in patents])
    profiler = Profiler(cluster_map())
    for patent in patents:
        record = records[patent.application_number]
        assert patent_codes(record) == patent_codes(patent)
        assert getattr(active_offer(record), "id", None) == getattr(active_offer(patent), "id", None)
        assert value_score(record, TODAY) == value_score(patent, TODAY)
        assert [(h.organization_id, h.organization.name, h.organization.kind) for h in record.holders] == [
            (h.organization_id, h.organization.name, h.organization.kind) for h in patent.holders]
        assert profiler.profile_of_patent(record, TODAY) == profiler.profile_of_patent(patent, TODAY)
        assert (record.title, record.abstract, record.first_claim, record.legal_status, record.is_sleeping) == (
            patent.title, patent.abstract, patent.first_claim, patent.legal_status, patent.is_sleeping)
    return len(records)


def test_records_of_the_demo_equal_its_orm_objects(demo_db):
    with transaction(make_engine(demo_db)) as session:
        patents = session.scalars(select(Patent).options(
            selectinload(Patent.ipcs), selectinload(Patent.offers), selectinload(Patent.transactions),
            selectinload(Patent.holders).selectinload(PatentHolder.organization))).all()
        assert any(p.transactions for p in patents) and any(active_offer(p) for p in patents)
        assert any(len(p.ipcs) > 1 for p in patents)  # several holders: the next test
        assert _same(session, patents) == len(patents) == 239


def test_records_keep_order_offers_and_deals_on_each_backend(engine):
    with transaction(engine) as session:
        first, second = (Organization(name=n, kind=k, city="苏州", province="江苏省")
                         for n, k in (("甲大学", OrgKind.UNIVERSITY), ("乙公司", OrgKind.SME)))
        patent = Patent(application_number="202110000001.X", patent_type=PatentType.INVENTION, title="一种电池",
                        abstract="摘要", first_claim="权利要求", application_date=dt.date(2021, 3, 1),
                        legal_status=LegalStatus.VALID, claim_count=8, is_sleeping=True)
        patent.ipcs = [PatentIPC(code="G01R 31/36", subclass="G01R", is_main=False, position=0),
                       PatentIPC(code="H01M 10/42", subclass="H01M", is_main=True, position=1)]
        patent.holders = [PatentHolder(organization=second, role=HolderRole.PATENTEE, position=1),
                          PatentHolder(organization=first, role=HolderRole.PATENTEE, position=0)]
        offer = {"payment_method": "", "term_start": dt.date(2026, 1, 1), "term_end": dt.date(2028, 12, 31),
                 "declared_on": dt.date(2026, 1, 1)}
        patent.offers = [LicenseOffer(fee_type=FeeType.FREE, status=OfferStatus.WITHDRAWN, **offer),
                         LicenseOffer(fee_type=FeeType.LUMP_SUM, lump_sum=Decimal("120000.50"), **offer),
                         LicenseOffer(fee_type=FeeType.ROYALTY, royalty_rate=Decimal("0.0350"), **offer)]
        bare = Patent(application_number="202110000002.3", patent_type=PatentType.UTILITY_MODEL, title="一种夹具",
                      application_date=dt.date(2022, 5, 1), legal_status=LegalStatus.LAPSED)
        session.add_all([patent, bare, Transaction(kind=TransactionKind.LICENSE, from_org=first, to_org=second,
                                                   signed_on=dt.date(2026, 6, 1), patents=[patent])])
    with transaction(engine) as session:
        stored = session.scalars(select(Patent).order_by(Patent.id)).all()
        assert _same(session, stored) == 2
        records = patent_records(session, [p.id for p in stored] + [999_999])  # an id not on record: absent
        kept = records["202110000001.X"]
        assert [i.code for i in kept.ipcs] == ["G01R 31/36", "H01M 10/42"]
        assert [h.organization.name for h in kept.holders] == ["甲大学", "乙公司"]  # by position
        assert [o.fee_type for o in kept.offers] == [FeeType.LUMP_SUM, FeeType.ROYALTY]  # active, oldest first
        assert kept.offers[0].lump_sum == Decimal("120000.50") and len(kept.transactions) == 1
        assert records["202110000002.3"].transactions == () and set(records) == {p.application_number for p in stored}
        statuses = legal_statuses(session, ["202110000002.3", "209900000000.0"])
        assert statuses == {"202110000002.3": (stored[1].id, LegalStatus.LAPSED)}
        assert type(statuses["202110000002.3"][1]) is LegalStatus


def test_statuses_are_read_from_the_covering_index_alone(sqlite_engine):
    """SQLite would take the unique index and read every candidate's row (scattered at scale)."""
    from matching.records import STATUSES_SQLITE

    with sqlite_engine.connect() as connection:
        sql = STATUSES_SQLITE.element.text.replace(":numbers", "(?, ?)")
        plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", ("a", "b")).all()
    assert "COVERING INDEX ix_patents_status_lookup" in " ".join(str(row[-1]) for row in plan)
