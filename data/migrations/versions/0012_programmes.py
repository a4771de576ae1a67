"""Enterprises' yearly profiles for programmes (苏州强企培育, 浙江高价值专利培育): 研发投入, 利税总额, status flags

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05 09:30:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

# Every column is nullable: None means "not reported", which a programme criterion reads as unknown.
COLUMNS = (
    ("rd_spending", sa.Numeric(16, 2)),  # 研发投入, yuan
    ("profit_tax", sa.Numeric(16, 2)),  # 利税总额, yuan
    ("high_tech", sa.Boolean()),  # 高新技术企业
    ("specialized", sa.Boolean()),  # 专精特新
    ("ip_certified", sa.Boolean()),  # 知识产权管理规范贯标
    ("dishonest", sa.Boolean()),  # 严重失信
    ("abnormal_applications", sa.Integer()),  # 非正常申请
)


def upgrade() -> None:
    with op.batch_alter_table("enterprise_years") as batch:
        for name, kind in COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("enterprise_years") as batch:
        for name, _ in reversed(COLUMNS):
            batch.drop_column(name)
