"""related parties and anomaly flags (异常转让/许可)

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 19:10:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "related_parties",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("first_org_id", sa.Integer(), nullable=False),
        sa.Column("second_org_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["first_org_id"], ["organizations.id"]),
        sa.ForeignKeyConstraint(["second_org_id"], ["organizations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("first_org_id", "second_org_id"),
    )
    op.create_table(
        "anomaly_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(length=32), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("reviewed_by", sa.String(length=64), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["transaction_id"], ["transactions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("transaction_id", "rule"),
    )
    op.create_index("ix_anomaly_flags_transaction_id", "anomaly_flags", ["transaction_id"])


def downgrade() -> None:
    op.drop_table("anomaly_flags")
    op.drop_table("related_parties")
