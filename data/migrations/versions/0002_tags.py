"""tags (加工标引) and their tagging state

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21 18:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _enum(name: str, *values: str) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=24)


ENTITY = ("patent", "need")


def upgrade() -> None:
    op.create_table(
        "tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", _enum("ck_tagentity", *ENTITY), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("dimension", _enum("ck_tagdimension", "ipc", "sei", "cluster", "effect", "product"), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("source", _enum("ck_tagsource", "given", "mapped", "inferred", "declared", "extracted"),
                  nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_tags_entity", "tags", ["entity", "entity_id"])
    op.create_index("ix_tags_dimension_code", "tags", ["dimension", "code"])
    op.create_table(
        "tag_states",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", _enum("ck_tagentity", *ENTITY), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("tagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entity", "entity_id"),
    )


def downgrade() -> None:
    op.drop_table("tag_states")
    op.drop_index("ix_tags_dimension_code", table_name="tags")
    op.drop_index("ix_tags_entity", table_name="tags")
    op.drop_table("tags")
