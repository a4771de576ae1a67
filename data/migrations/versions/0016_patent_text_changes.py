"""Patents' text changes are counted by the database itself, so a serving process can tell in two small
queries whether its index may be stale instead of re-reading every patent (api/freshness.py).

Triggers, not application code, count them: every path that writes patents (ORM, Core, raw SQL, another
program) is counted. `patent_text_changes` holds the count as a sum of rows: SQLite's row triggers add to
one row (SQLite has one writer at a time); PostgreSQL's statement triggers insert a row each, because
concurrent writers updating one counter row would wait on each other and could deadlock; index updates fold
those rows into one (indexer/sources.py `compact_text_changes`). `database_identity`
tells this database's counts from another's. A later migration that recreates `patents` on SQLite (batch
mode) drops its triggers and must create them again (`create_triggers`).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-05 21:30:00
"""

from __future__ import annotations

import uuid

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

TEXT_COLUMNS = ("application_number", "title", "abstract", "first_claim")  # what an index document is made of
SQLITE_TRIGGERS = {
    "patents_text_inserted": "AFTER INSERT ON patents",
    "patents_text_deleted": "AFTER DELETE ON patents",
    "patents_text_updated": f"AFTER UPDATE OF {', '.join(TEXT_COLUMNS)} ON patents WHEN "
                            + " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in TEXT_COLUMNS),
}
POSTGRES_EVENTS = ("INSERT", "DELETE", "TRUNCATE", f"UPDATE OF {', '.join(TEXT_COLUMNS)}")


def create_triggers(bind: sa.engine.Connection) -> None:
    if bind.dialect.name == "sqlite":
        for name, when in SQLITE_TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} BEGIN "
                       "UPDATE patent_text_changes SET changes = changes + 1; END")
        return
    op.execute("CREATE FUNCTION count_patent_text_change() RETURNS trigger LANGUAGE plpgsql AS $$ "
               "BEGIN INSERT INTO patent_text_changes (changes) VALUES (1); RETURN NULL; END $$")
    for number, event in enumerate(POSTGRES_EVENTS):
        op.execute(f"CREATE TRIGGER patents_text_changed_{number} AFTER {event} ON patents "
                   "FOR EACH STATEMENT EXECUTE FUNCTION count_patent_text_change()")


def upgrade() -> None:
    op.create_table(
        "database_identity",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("token", sa.String(32), nullable=False),
    )
    op.create_table(
        "patent_text_changes",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("changes", sa.BigInteger(), nullable=False),
    )
    bind = op.get_bind()
    bind.execute(sa.text("INSERT INTO database_identity (id, token) VALUES (1, :token)"),
                 {"token": uuid.uuid4().hex})
    bind.execute(sa.text("INSERT INTO patent_text_changes (changes) VALUES (0)"))  # the row SQLite adds to
    create_triggers(bind)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER {name}")
    else:
        for number in range(len(POSTGRES_EVENTS)):
            op.execute(f"DROP TRIGGER patents_text_changed_{number} ON patents")
        op.execute("DROP FUNCTION count_patent_text_change()")
    op.drop_table("patent_text_changes")
    op.drop_table("database_identity")
