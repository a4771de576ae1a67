"""意向洽谈 (interests and their messages), in-app notifications, organisations' contact email

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-05 06:15:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

STATUSES = ("open", "question", "talking", "declined", "deal", "withdrawn")


def upgrade() -> None:
    with op.batch_alter_table("organizations") as batch:
        batch.add_column(sa.Column("contact_email", sa.String(length=200), nullable=True))
    op.create_table(
        "interests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), sa.ForeignKey("needs.id", ondelete="CASCADE"), nullable=False),
        sa.Column("patent_id", sa.Integer(), sa.ForeignKey("patents.id"), nullable=False),
        sa.Column("sme_org_id", sa.Integer(), sa.ForeignKey("organizations.id"), nullable=False),
        sa.Column("holder_org_id", sa.Integer(), sa.ForeignKey("organizations.id"), nullable=False),
        sa.Column("status", sa.Enum(*STATUSES, native_enum=False, length=24, name="ck_intereststatus",
                                    create_constraint=True), nullable=False),
        sa.Column("transaction_id", sa.Integer(), sa.ForeignKey("transactions.id"), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("need_id", "patent_id"),
    )
    for column in ("need_id", "patent_id", "sme_org_id", "holder_org_id"):
        op.create_index(f"ix_interests_{column}", "interests", [column])
    op.create_table(
        "interest_messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("interest_id", sa.Integer(), sa.ForeignKey("interests.id", ondelete="CASCADE"), nullable=False),
        sa.Column("author_org_id", sa.Integer(), sa.ForeignKey("organizations.id"), nullable=True),
        sa.Column("author_role", sa.String(length=24), nullable=False),
        sa.Column("action", sa.String(length=24), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_interest_messages_interest_id", "interest_messages", ["interest_id"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), sa.ForeignKey("organizations.id"), nullable=True),
        sa.Column("role", sa.String(length=24), nullable=True),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("emailed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_notifications_recipient", "notifications", ["organization_id", "role", "read_at"])


def downgrade() -> None:
    op.drop_table("notifications")
    op.drop_table("interest_messages")
    op.drop_table("interests")
    with op.batch_alter_table("organizations") as batch:
        batch.drop_column("contact_email")
