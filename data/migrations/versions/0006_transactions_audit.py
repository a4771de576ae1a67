"""transaction idempotency and source challenge; the audit log

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 18:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("transactions") as batch:
        batch.add_column(sa.Column("source_challenge_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("idempotency_key", sa.String(length=128), nullable=True))
        batch.add_column(sa.Column("request_digest", sa.String(length=64), nullable=True))
        batch.create_foreign_key("fk_transactions_source_challenge_id_challenges", "challenges",
                                 ["source_challenge_id"], ["id"])
        batch.create_unique_constraint("uq_transactions_idempotency_key", ["idempotency_key"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=16), nullable=False),
        sa.Column("entity", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_entity_id", "audit_log", ["entity_id"])


def downgrade() -> None:
    op.drop_table("audit_log")
    with op.batch_alter_table("transactions") as batch:
        batch.drop_constraint("uq_transactions_idempotency_key", type_="unique")
        batch.drop_constraint("fk_transactions_source_challenge_id_challenges", type_="foreignkey")
        batch.drop_column("request_digest")
        batch.drop_column("idempotency_key")
        batch.drop_column("source_challenge_id")
