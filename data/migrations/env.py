"""Alembic environment: the engine comes from `config.attributes` (see data.db.upgrade)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from data.models import Base

config = context.config
engine = config.attributes.get("engine")
if engine is None:  # plain `alembic` CLI use: fall back to the configured settings
    from data.settings import get_settings

    engine = create_engine(get_settings().resolved_database_url)

with engine.begin() as connection:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite needs batch ALTERs
    )
    context.run_migrations()
