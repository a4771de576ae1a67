"""Tags of a new dimension: learned topics (matching/landscape/topics.py), the landscape's optional sub-fields

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 12:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

OLD = ("ipc", "sei", "cluster", "effect", "product")
NEW = (*OLD, "topic")


def _check(values: tuple[str, ...]) -> str:
    return "dimension IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    with op.batch_alter_table("tags") as batch:
        batch.drop_constraint("ck_tagdimension", type_="check")
        batch.create_check_constraint("ck_tagdimension", _check(NEW))


def downgrade() -> None:
    op.execute("DELETE FROM tags WHERE dimension = 'topic'")
    with op.batch_alter_table("tags") as batch:
        batch.drop_constraint("ck_tagdimension", type_="check")
        batch.create_check_constraint("ck_tagdimension", _check(OLD))
