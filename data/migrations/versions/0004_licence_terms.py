"""licence and pledge end dates, filing status, pledgee consent to an open licence

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 18:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("transactions") as batch:
        batch.add_column(sa.Column("ends_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("filing_status", sa.String(length=16), nullable=True))
    with op.batch_alter_table("license_offers") as batch:
        batch.add_column(sa.Column("pledgee_consent", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("license_offers") as batch:
        batch.drop_column("pledgee_consent")
    with op.batch_alter_table("transactions") as batch:
        batch.drop_column("filing_status")
        batch.drop_column("ends_on")
