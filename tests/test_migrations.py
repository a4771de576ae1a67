from __future__ import annotations

import datetime as dt

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from data.db import alembic_config, current_revision, upgrade
from data.demo import load_demo
from data.models import Base


def test_migrations_build_exactly_the_schema_the_models_describe(engine):
    # A model change without a migration (or the reverse) shows up here as a difference.
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_upgrade_is_idempotent_and_records_the_revision(engine):
    head = current_revision(engine)
    upgrade(engine)
    assert current_revision(engine) == head == "0016"


TABLES_AT_0009 = ("organizations", "patents", "patent_ipcs", "patent_holders", "needs", "challenges",
                  "license_offers", "transactions", "transaction_patents", "tags", "audit_log")


def _counts(engine) -> dict[str, int]:  # noqa: ANN001
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one() for t in TABLES_AT_0009}


def test_upgrading_a_database_with_the_demo_in_it_loses_nothing_and_builds_the_ledger(engine):
    """The demo as the current code stores it, taken back to 0009 and left as the old code would have
    left it (a transfer that did not move its patent, one open licence accepted twice), then upgraded."""
    load_demo(engine, dt.date(2026, 11, 21))
    command.downgrade(alembic_config(engine), "0009")
    with engine.begin() as conn:
        sold = conn.execute(text(
            "SELECT t.id, tp.patent_id, t.from_org_id, t.to_org_id FROM transactions t JOIN transaction_patents tp "
            "ON tp.transaction_id = t.id WHERE t.kind = 'transfer' ORDER BY t.id LIMIT 1")).one()
        conn.execute(text("UPDATE patent_holders SET organization_id = :seller WHERE patent_id = :p"),
                     {"seller": sold.from_org_id, "p": sold.patent_id})
        offer_id = conn.execute(text("SELECT id FROM license_offers ORDER BY id LIMIT 1")).scalar_one()
        twice = {"o": offer_id, "to": sold.to_org_id, "f": sold.from_org_id}
        for _ in range(2):
            conn.execute(text("INSERT INTO transactions (kind, license_type, from_org_id, to_org_id, signed_on, "
                              "offer_id, note, created_at, updated_at) VALUES ('license', 'open', :f, :to, "
                              "'2025-05-05', :o, '', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"), twice)
    before = _counts(engine)
    upgrade(engine)
    assert current_revision(engine) == "0016"
    assert _counts(engine) == before  # every row of every table is still there
    with engine.connect() as conn:
        patents = conn.execute(text("SELECT COUNT(*) FROM patents")).scalar_one()
        recorded = conn.execute(text("SELECT COUNT(DISTINCT patent_id) FROM ownership_events "
                                     "WHERE kind = 'record'")).scalar_one()
        assert recorded == patents
        holder = conn.execute(text("SELECT organization_id FROM patent_holders WHERE patent_id = :p"),
                              {"p": sold.patent_id}).scalars().all()
        assert holder == [sold.to_org_id]  # the transfer the old code ignored is replayed
        assert conn.execute(text("SELECT kind FROM ownership_events WHERE transaction_id = :t"),
                            {"t": sold.id}).scalar_one() == "transfer"
        statuses = conn.execute(text("SELECT status FROM transactions WHERE offer_id = :o AND to_org_id = :to "
                                     "ORDER BY id"), twice).scalars().all()
        assert statuses[-2:] == ["in_force", "cancelled"]
