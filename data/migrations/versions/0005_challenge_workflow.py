"""揭榜挂帅 applications and the challenge event log

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 18:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

STATES = ("draft", "published", "shortlisted", "awarded", "completed", "cancelled")


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=24)


def upgrade() -> None:
    op.create_table(
        "challenge_applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("proposal", sa.Text(), nullable=False),
        sa.Column("patent_numbers", sa.JSON(), nullable=False),
        sa.Column("status", _enum("ck_applicationstatus", "submitted", "shortlisted", "awarded", "rejected"),
                  nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenges.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["organization_id"], ["organizations.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("challenge_id", "organization_id"),
    )
    op.create_index("ix_challenge_applications_challenge_id", "challenge_applications", ["challenge_id"])
    op.create_table(
        "challenge_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("from_state", _enum("ck_challenge_from_state", *STATES), nullable=True),
        sa.Column("to_state", _enum("ck_challenge_to_state", *STATES), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(["challenge_id"], ["challenges.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_challenge_events_challenge_id", "challenge_events", ["challenge_id"])


def downgrade() -> None:
    op.drop_table("challenge_events")
    op.drop_table("challenge_applications")
