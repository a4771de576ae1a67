"""Patents' jurisdiction (国别), PCT application number and whether the export carried family data

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 11:40:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every stored row has a CNIPA application number, so it is a Chinese patent: 'CN' is a fact, not a guess.
    # Whether its export listed PCT and foreign filings is not known for them: family_reported starts false.
    with op.batch_alter_table("patents") as batch:
        batch.add_column(sa.Column("jurisdiction", sa.String(length=2), nullable=False, server_default="CN"))
        batch.add_column(sa.Column("pct_number", sa.String(length=24), nullable=True))
        batch.add_column(sa.Column("family_reported", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("patents") as batch:
        batch.drop_column("family_reported")
        batch.drop_column("pct_number")
        batch.drop_column("jurisdiction")
