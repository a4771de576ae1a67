"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-21 14:48:05.392867
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:

    op.create_table(
        "organizations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "university",
                "institute",
                "sme",
                "soe",
                "enterprise",
                "operations_center",
                "individual",
                "other",
                name="ck_orgkind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("kind_inferred", sa.Boolean(), nullable=False),
        sa.Column("credit_code", sa.String(length=18), nullable=True),
        sa.Column("city", sa.String(length=50), nullable=True),
        sa.Column("province", sa.String(length=50), nullable=True),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("credit_code"),
        sa.UniqueConstraint("name"),
    )
    op.create_table(
        "patents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_number", sa.String(length=20), nullable=False),
        sa.Column("publication_number", sa.String(length=20), nullable=True),
        sa.Column(
            "patent_type",
            sa.Enum(
                "invention",
                "utility_model",
                "design",
                name="ck_patenttype",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("abstract", sa.Text(), nullable=False),
        sa.Column("first_claim", sa.Text(), nullable=False),
        sa.Column("main_ipc", sa.String(length=20), nullable=True),
        sa.Column("application_date", sa.Date(), nullable=False),
        sa.Column("grant_date", sa.Date(), nullable=True),
        sa.Column(
            "legal_status",
            sa.Enum(
                "pending",
                "valid",
                "lapsed",
                "invalid",
                name="ck_legalstatus",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("claim_count", sa.Integer(), nullable=True),
        sa.Column("cited_by_count", sa.Integer(), nullable=True),
        sa.Column("family_size", sa.Integer(), nullable=True),
        sa.Column("right_suspended", sa.Boolean(), nullable=False),
        sa.Column("annual_fee_paid_until", sa.Date(), nullable=True),
        sa.Column("has_evaluation_report", sa.Boolean(), nullable=False),
        sa.Column("is_sleeping", sa.Boolean(), nullable=False),
        sa.Column("sleeping_reason", sa.Text(), nullable=True),
        sa.Column("sleeping_checked_on", sa.Date(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("application_number"),
    )
    op.create_table(
        "license_offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patent_id", sa.Integer(), nullable=False),
        sa.Column(
            "fee_type",
            sa.Enum(
                "lump_sum",
                "royalty",
                "per_unit",
                "free",
                name="ck_feetype",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("lump_sum", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("royalty_rate", sa.Numeric(precision=6, scale=4), nullable=True),
        sa.Column("per_unit_fee", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("payment_method", sa.Text(), nullable=False),
        sa.Column("term_start", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=False),
        sa.Column("pay_later_months", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "withdrawn",
                name="ck_offerstatus",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("declared_on", sa.Date(), nullable=False),
        sa.Column("withdrawn_on", sa.Date(), nullable=True),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["patent_id"],
            ["patents.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("license_offers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_license_offers_patent_id"), ["patent_id"], unique=False
        )

    op.create_table(
        "needs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column("industry", sa.String(length=100), nullable=True),
        sa.Column("city", sa.String(length=50), nullable=True),
        sa.Column("province", sa.String(length=50), nullable=True),
        sa.Column("budget", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("cooperation_modes", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "open",
                "matched",
                "closed",
                name="ck_needstatus",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_needs_organization_id"), ["organization_id"], unique=False
        )

    op.create_table(
        "patent_holders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patent_id", sa.Integer(), nullable=False),
        sa.Column("organization_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "applicant",
                "patentee",
                name="ck_holderrole",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organization_id"],
            ["organizations.id"],
        ),
        sa.ForeignKeyConstraint(["patent_id"], ["patents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("patent_id", "organization_id", "role"),
    )
    with op.batch_alter_table("patent_holders", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_patent_holders_organization_id"), ["organization_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_patent_holders_patent_id"), ["patent_id"], unique=False
        )

    op.create_table(
        "patent_ipcs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("patent_id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("subclass", sa.String(length=4), nullable=False),
        sa.Column("is_main", sa.Boolean(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["patent_id"], ["patents.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("patent_id", "code"),
    )
    with op.batch_alter_table("patent_ipcs", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_patent_ipcs_patent_id"), ["patent_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_patent_ipcs_subclass"), ["subclass"], unique=False)

    op.create_table(
        "challenges",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("reward", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("conditions", sa.Text(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "draft",
                "published",
                "shortlisted",
                "awarded",
                "completed",
                "cancelled",
                name="ck_challengestate",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(["need_id"], ["needs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("need_id"),
    )
    op.create_table(
        "match_feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("need_id", sa.Integer(), nullable=False),
        sa.Column("patent_id", sa.Integer(), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("given_by", sa.String(length=24), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(["need_id"], ["needs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["patent_id"],
            ["patents.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("match_feedback", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_match_feedback_need_id"), ["need_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_match_feedback_patent_id"), ["patent_id"], unique=False
        )

    op.create_table(
        "transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("external_id", sa.String(length=64), nullable=True),
        sa.Column(
            "kind",
            sa.Enum(
                "transfer",
                "license",
                "equity",
                "pledge",
                name="ck_transactionkind",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=False,
        ),
        sa.Column(
            "license_type",
            sa.Enum(
                "exclusive",
                "sole",
                "ordinary",
                "open",
                name="ck_licensetype",
                native_enum=False,
                create_constraint=True,
                length=24,
            ),
            nullable=True,
        ),
        sa.Column("from_org_id", sa.Integer(), nullable=False),
        sa.Column("to_org_id", sa.Integer(), nullable=False),
        sa.Column("contract_amount", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("received_amount", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("signed_on", sa.Date(), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=True),
        sa.Column("licensee_is_sme", sa.Boolean(), nullable=True),
        sa.Column("source_need_id", sa.Integer(), nullable=True),
        sa.Column("offer_id", sa.Integer(), nullable=True),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column(
            "updated_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.ForeignKeyConstraint(
            ["from_org_id"],
            ["organizations.id"],
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"],
            ["license_offers.id"],
        ),
        sa.ForeignKeyConstraint(
            ["source_need_id"],
            ["needs.id"],
        ),
        sa.ForeignKeyConstraint(
            ["to_org_id"],
            ["organizations.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("external_id"),
    )
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transactions_from_org_id"), ["from_org_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_transactions_to_org_id"), ["to_org_id"], unique=False)

    op.create_table(
        "transaction_patents",
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("patent_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["patent_id"],
            ["patents.id"],
        ),
        sa.ForeignKeyConstraint(["transaction_id"], ["transactions.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("transaction_id", "patent_id"),
    )
    with op.batch_alter_table("transaction_patents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transaction_patents_patent_id"), ["patent_id"], unique=False
        )


def downgrade() -> None:

    with op.batch_alter_table("transaction_patents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transaction_patents_patent_id"))

    op.drop_table("transaction_patents")
    with op.batch_alter_table("transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transactions_to_org_id"))
        batch_op.drop_index(batch_op.f("ix_transactions_from_org_id"))

    op.drop_table("transactions")
    with op.batch_alter_table("match_feedback", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_match_feedback_patent_id"))
        batch_op.drop_index(batch_op.f("ix_match_feedback_need_id"))

    op.drop_table("match_feedback")
    op.drop_table("challenges")
    with op.batch_alter_table("patent_ipcs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patent_ipcs_subclass"))
        batch_op.drop_index(batch_op.f("ix_patent_ipcs_patent_id"))

    op.drop_table("patent_ipcs")
    with op.batch_alter_table("patent_holders", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_patent_holders_patent_id"))
        batch_op.drop_index(batch_op.f("ix_patent_holders_organization_id"))

    op.drop_table("patent_holders")
    with op.batch_alter_table("needs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_needs_organization_id"))

    op.drop_table("needs")
    with op.batch_alter_table("license_offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_license_offers_patent_id"))

    op.drop_table("license_offers")
    op.drop_table("patents")
    op.drop_table("organizations")
