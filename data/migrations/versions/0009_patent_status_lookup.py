"""patents: a covering index for the legal-status lookup of a match's candidates

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22 10:00:00

Every match reads (application number → id, legal status) for its ~500 candidates. Through the unique
index on application_number alone each lookup read the patent's row, and at a million patents those
rows are scattered over a gigabyte (10% of a serving worker's time under py-spy); with the status and
id in the index the lookup never leaves it.
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_patents_status_lookup", "patents", ["application_number", "legal_status", "id"])


def downgrade() -> None:
    op.drop_index("ix_patents_status_lookup", table_name="patents")
