"""notifications; per-user preferences; favourite scripts as well as workspaces

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 18:00:00

Existing users start with no preferences (NULL), which means the defaults. Existing
favourites all point at workspaces, so making workspace_id nullable keeps them as
they are.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Nullable and not a batch: SQLite would rebuild `users` and lose the lower(username)
    # index, which it cannot reflect. NULL means "all defaults".
    op.add_column("users", sa.Column("preferences", sa.JSON(), nullable=True))
    with _quiet_reflection(), op.batch_alter_table("favorites") as batch:
        batch.alter_column("workspace_id", existing_type=sa.Integer(), nullable=True)
        batch.add_column(sa.Column("script_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(
            "fk_favorites_script_id_scripts", "scripts", ["script_id"], ["id"], ondelete="CASCADE"
        )
        batch.create_unique_constraint("uq_favorites_user_id_script_id", ["user_id", "script_id"])
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("link", sa.String(length=200), nullable=False),
        sa.Column("dedupe_key", sa.String(length=120), nullable=True),
        sa.Column("read_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_notifications_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_notifications_dedupe_key")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_notifications_user_id"), "notifications", ["user_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_notifications_user_id"), table_name="notifications")
    op.drop_table("notifications")
    op.execute("DELETE FROM favorites WHERE workspace_id IS NULL")
    with _quiet_reflection(), op.batch_alter_table("favorites") as batch:
        batch.drop_constraint("uq_favorites_user_id_script_id", type_="unique")
        batch.drop_constraint("fk_favorites_script_id_scripts", type_="foreignkey")
        batch.drop_column("script_id")
        batch.alter_column("workspace_id", existing_type=sa.Integer(), nullable=False)
    op.drop_column("users", "preferences")


@contextmanager
def _quiet_reflection() -> Iterator[None]:
    """SQLite's batch rebuild of `favorites` reflects `users` through its foreign key and
    warns that it cannot reflect lower(username); `users` itself is not rebuilt."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Skipped unsupported reflection", sa.exc.SAWarning)
        yield
