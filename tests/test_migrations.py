from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from data.db import current_revision, upgrade
from data.models import Base


def test_migrations_build_exactly_the_schema_the_models_describe(engine):
    # A model change without a migration (or the reverse) shows up here as a difference.
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == []
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())


def test_upgrade_is_idempotent_and_records_the_revision(engine):
    head = current_revision(engine)
    upgrade(engine)
    assert current_revision(engine) == head == "0010"
