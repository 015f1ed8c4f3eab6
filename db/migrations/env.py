"""Alembic environment: runs migrations online against the configured URL."""

from __future__ import annotations

from alembic import context

from db.engine import make_engine
from db.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url") or ""
    engine = make_engine(url)
    sqlite = url.startswith("sqlite")
    try:
        with engine.connect() as connection:
            if sqlite:
                # Batch mode rebuilds a table (copy, drop, rename). With foreign keys on,
                # dropping it would first run its ON DELETE actions: every screen would lose
                # its image. The pragma only takes effect outside a transaction.
                connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
                connection.commit()  # end the transaction the statement began
            context.configure(
                connection=connection,
                target_metadata=target_metadata,
                render_as_batch=sqlite,
            )
            with context.begin_transaction():
                context.run_migrations()
            if sqlite:
                connection.exec_driver_sql("PRAGMA foreign_keys=ON")
                connection.commit()
    finally:  # also when a migration refuses (MigrationBlocked): no pooled connection left
        engine.dispose()


run_migrations_online()
