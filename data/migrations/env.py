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

with engine.connect() as connection:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # A batch ALTER rebuilds a table (create, copy, drop, rename). With foreign keys enforced, the
        # drop deletes the rows that reference the table through ON DELETE CASCADE, or is refused;
        # SQLite's own procedure for altering tables turns them off and checks them afterwards.
        connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
        connection.commit()
    with connection.begin():
        context.configure(
            connection=connection,
            target_metadata=Base.metadata,
            render_as_batch=sqlite,  # SQLite needs batch ALTERs
        )
        context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            if broken:
                raise RuntimeError(f"the migration left rows with dangling references: {broken[:5]}")
    if sqlite:
        connection.exec_driver_sql("PRAGMA foreign_keys=ON")
        connection.commit()
