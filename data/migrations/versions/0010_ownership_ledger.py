"""the ownership ledger, deal status, raw legal status, enterprise figures, product filings, implementations

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 06:10:00

Holders now change only through ledger events (data/ledger.py). An existing database keeps every
record: each patent gets a `record` event with the holders it has today, effective on its filing
date, and its recorded transfers and equity contributions are then replayed in date order (a deal
whose seller did not hold the patent by then changes nothing and is logged). A second
acceptance of one open-licence offer by one licensee, which the old code allowed, is kept but marked
cancelled, so the new one-licence-per-offer index can be built and the duplicate no longer counts.
"""

from __future__ import annotations

import datetime as dt
import logging

import sqlalchemy as sa
from alembic import op

logger = logging.getLogger(__name__)

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

EVENT_KINDS = ("record", "transfer", "equity", "correction", "legal_event")
DEAL_STATUSES = ("in_force", "awaiting_payment", "cancelled")
ACTIVE_OFFER_LICENCE = "offer_id IS NOT NULL AND status != 'cancelled'"


def _enum(values: tuple[str, ...], name: str) -> sa.Enum:
    return sa.Enum(*values, native_enum=False, length=24, name=name, create_constraint=True)


def upgrade() -> None:
    with op.batch_alter_table("patents") as batch:
        batch.add_column(sa.Column("legal_status_raw", sa.String(length=500), nullable=True))
        batch.add_column(sa.Column("legal_status_review", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("publicly_funded", sa.Boolean(), nullable=True))
        batch.add_column(sa.Column("annual_fee_reduction_since", sa.Date(), nullable=True))
    with op.batch_alter_table("transactions") as batch:
        batch.add_column(sa.Column("status", _enum(DEAL_STATUSES, "ck_dealstatus"), nullable=False,
                                   server_default="in_force"))
        batch.add_column(sa.Column("effective_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("excess_note", sa.Text(), nullable=False, server_default=""))
    op.create_table(
        "ownership_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patent_id", sa.Integer(), sa.ForeignKey("patents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("kind", _enum(EVENT_KINDS, "ck_ownershipeventkind"), nullable=False),
        sa.Column("effective_on", sa.Date(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), sa.ForeignKey("transactions.id"), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_ownership_events_patent_date", "ownership_events", ["patent_id", "effective_on", "id"])
    op.create_index("ix_ownership_events_transaction_id", "ownership_events", ["transaction_id"])
    op.create_table(
        "ownership_event_holders",
        sa.Column("event_id", sa.Integer(), sa.ForeignKey("ownership_events.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("organization_id", sa.Integer(), sa.ForeignKey("organizations.id"), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("event_id", "organization_id"),
    )
    op.create_table(
        "enterprise_years",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), sa.ForeignKey("organizations.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("revenue", sa.Numeric(16, 2), nullable=True),
        sa.Column("employees", sa.Integer(), nullable=True),
        sa.Column("source", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("organization_id", "year"),
    )
    op.create_index("ix_enterprise_years_organization_id", "enterprise_years", ["organization_id"])
    op.create_table(
        "product_filings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True, unique=True),
        sa.Column("organization_id", sa.Integer(), sa.ForeignKey("organizations.id"), nullable=False),
        sa.Column("product", sa.String(length=300), nullable=False),
        sa.Column("filed_on", sa.Date(), nullable=False),
        sa.Column("output_value", sa.Numeric(16, 2), nullable=True),
        sa.Column("output_year", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_product_filings_organization_id", "product_filings", ["organization_id"])
    op.create_table(
        "product_filing_patents",
        sa.Column("filing_id", sa.Integer(), sa.ForeignKey("product_filings.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("patent_id", sa.Integer(), sa.ForeignKey("patents.id"), nullable=False),
        sa.PrimaryKeyConstraint("filing_id", "patent_id"),
    )
    op.create_index("ix_product_filing_patents_patent_id", "product_filing_patents", ["patent_id"])
    op.create_table(
        "implementations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patent_id", sa.Integer(), sa.ForeignKey("patents.id", ondelete="CASCADE"), nullable=False),
        sa.Column("organization_id", sa.Integer(), sa.ForeignKey("organizations.id"), nullable=False),
        sa.Column("self_implemented", sa.Boolean(), nullable=False),
        sa.Column("started_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_implementations_patent_id", "implementations", ["patent_id"])
    bind = op.get_bind()
    _cancel_repeat_acceptances(bind)
    op.create_index("uq_transactions_offer_licensee", "transactions", ["offer_id", "to_org_id"], unique=True,
                    sqlite_where=sa.text(ACTIVE_OFFER_LICENCE), postgresql_where=sa.text(ACTIVE_OFFER_LICENCE))
    _backfill_ledger(bind)


def _cancel_repeat_acceptances(bind) -> None:  # noqa: ANN001
    rows = bind.execute(sa.text("SELECT id, offer_id, to_org_id FROM transactions WHERE offer_id IS NOT NULL "
                                "ORDER BY id")).all()
    seen: set[tuple[int, int]] = set()
    for deal_id, offer_id, org_id in rows:
        if (offer_id, org_id) in seen:
            bind.execute(sa.text("UPDATE transactions SET status = 'cancelled', note = note || :why WHERE id = :id"),
                         {"id": deal_id, "why": "；升级0010：同一被许可人重复接受同一开放许可，保留最早一条"})
        seen.add((offer_id, org_id))


def _backfill_ledger(bind) -> None:  # noqa: ANN001
    """A record event per patent with today's holders, then the transfers and equity deals replayed."""
    holders: dict[int, list[int]] = {}
    for patent_id, org_id in bind.execute(sa.text(
            "SELECT patent_id, organization_id FROM patent_holders ORDER BY patent_id, position, id")):
        holders.setdefault(patent_id, []).append(org_id)
    filed = dict(bind.execute(sa.text("SELECT id, application_date FROM patents")).all())
    for patent_id in sorted(filed):
        _event(bind, patent_id, "record", filed[patent_id], None, holders.get(patent_id, []),
               "升级0010：升级前登记的权利人")
    deals = bind.execute(sa.text(
        "SELECT t.id, t.kind, COALESCE(t.recorded_on, t.signed_on) AS effective, t.from_org_id, t.to_org_id, "
        "tp.patent_id FROM transactions t JOIN transaction_patents tp ON tp.transaction_id = t.id "
        "WHERE t.kind IN ('transfer', 'equity') AND t.status != 'cancelled' ORDER BY effective, t.id")).all()
    for deal_id, kind, effective, seller, buyer, patent_id in deals:
        current = holders.get(patent_id, [])
        if seller not in current:  # the old code let it through; it stays on record and changes no holder
            logger.warning("migration 0010: deal %s did not move patent %s (the seller did not hold it)",
                           deal_id, patent_id)
            continue
        after = list(dict.fromkeys(buyer if org == seller else org for org in current))
        holders[patent_id] = after
        # a deal the old code let through before the filing date still sorts after the record event
        on = max(_as_date(effective), _as_date(filed[patent_id]))
        _event(bind, patent_id, kind, on, deal_id, after, f"升级0010：重放交易 #{deal_id}")
        bind.execute(sa.text("DELETE FROM patent_holders WHERE patent_id = :p"), {"p": patent_id})
        for position, org in enumerate(after):
            bind.execute(sa.text("INSERT INTO patent_holders (patent_id, organization_id, role, position) "
                                 "VALUES (:p, :o, 'patentee', :i)"), {"p": patent_id, "o": org, "i": position})


def _as_date(value) -> dt.date:  # noqa: ANN001 (SQLite hands dates back as text)
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])


def _event(bind, patent_id, kind, effective, deal_id, orgs, evidence) -> None:  # noqa: ANN001
    event_id = bind.execute(sa.text(
        "INSERT INTO ownership_events (patent_id, kind, effective_on, transaction_id, evidence, reason, actor) "
        "VALUES (:p, :k, :d, :t, :e, '', 'migration 0010') RETURNING id"),
        {"p": patent_id, "k": kind, "d": effective, "t": deal_id, "e": evidence}).scalar_one()
    for position, org in enumerate(orgs):
        bind.execute(sa.text("INSERT INTO ownership_event_holders (event_id, organization_id, position) "
                             "VALUES (:e, :o, :i)"), {"e": event_id, "o": org, "i": position})


def downgrade() -> None:
    op.drop_index("uq_transactions_offer_licensee", table_name="transactions")
    op.drop_table("implementations")
    op.drop_table("product_filing_patents")
    op.drop_table("product_filings")
    op.drop_table("enterprise_years")
    op.drop_table("ownership_event_holders")
    op.drop_table("ownership_events")
    with op.batch_alter_table("transactions") as batch:
        batch.drop_constraint("ck_dealstatus", type_="check")
        batch.drop_column("excess_note")
        batch.drop_column("effective_on")
        batch.drop_column("status")
    with op.batch_alter_table("patents") as batch:
        batch.drop_column("annual_fee_reduction_since")
        batch.drop_column("publicly_funded")
        batch.drop_column("legal_status_review")
        batch.drop_column("legal_status_raw")
