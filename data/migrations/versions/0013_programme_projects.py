"""Programme projects (浙江高价值专利培育项目/基地, 苏州登峰计划项目): stages, award, tranche payments

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05 10:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

STAGES = ("applied", "approved", "midterm", "accepted", "failed")
MONEY = sa.Numeric(16, 2)


def upgrade() -> None:
    op.create_table(
        "programme_projects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(length=64), nullable=False),
        sa.Column("programme", sa.String(length=64), nullable=False),
        sa.Column("group", sa.String(length=64), nullable=False),
        sa.Column("organization_id", sa.Integer(), sa.ForeignKey("organizations.id"), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("stage", sa.Enum(*STAGES, native_enum=False, length=24, name="ck_projectstage",
                                   create_constraint=True), nullable=False),
        sa.Column("applied_on", sa.Date(), nullable=False),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("midterm_on", sa.Date(), nullable=True),
        sa.Column("concluded_on", sa.Date(), nullable=True),
        sa.Column("baseline_year", sa.Integer(), nullable=False),
        sa.Column("eligibility", sa.Text(), nullable=False),
        sa.Column("override_reason", sa.Text(), nullable=False),
        sa.Column("award", MONEY, nullable=True),
        sa.Column("co_investment", MONEY, nullable=True),
        sa.Column("score", sa.Numeric(5, 2), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
    )
    op.create_index("ix_programme_projects_programme", "programme_projects", ["programme"])
    op.create_index("ix_programme_projects_organization_id", "programme_projects", ["organization_id"])
    op.create_table(
        "project_payments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("project_id", sa.Integer(), sa.ForeignKey("programme_projects.id", ondelete="CASCADE"),
                  nullable=False),
        sa.Column("tranche", sa.Integer(), nullable=False),
        sa.Column("tranche_name", sa.String(length=100), nullable=False),
        sa.Column("amount", MONEY, nullable=False),
        sa.Column("paid_on", sa.Date(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("project_id", "tranche"),
    )
    op.create_index("ix_project_payments_project_id", "project_payments", ["project_id"])


def downgrade() -> None:
    op.drop_table("project_payments")
    op.drop_table("programme_projects")
