"""Apply Alembic migrations from code (the launcher and the tests use this)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str, media_root: Path | None = None) -> Config:
    """`media_root` lets migrations that move files find them (see 0003)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    cfg.attributes["media_root"] = str(media_root) if media_root is not None else ""
    return cfg


def upgrade(url: str, revision: str = "head", *, media_root: Path | None = None) -> None:
    command.upgrade(alembic_config(url, media_root), revision)


def downgrade(url: str, revision: str = "base", *, media_root: Path | None = None) -> None:
    command.downgrade(alembic_config(url, media_root), revision)


class MigrationBlocked(RuntimeError):
    """A migration found data it must not guess about; the message says what to fix."""
