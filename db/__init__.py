"""Persistence: SQLAlchemy 2.0 models, engine and Alembic migrations."""
