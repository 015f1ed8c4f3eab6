"""usernames are unique whatever their case; invitations (sign-up links)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-08 10:00:00

Until now `Alice` could register beside `alice`. The unique index on lower(username)
cannot be built while such pairs exist, and which of them should keep the name is a
person's decision, not ours: the upgrade stops and lists them instead of renaming anyone.
"""

from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa
from alembic import op

from db.migrate import MigrationBlocked

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    _refuse_case_collisions()
    op.create_index(
        "ix_users_username_lower", "users", [sa.text("lower(username)")], unique=True
    )
    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column(
            "role",
            sa.Enum("user", "admin", name="role", native_enum=False, length=20),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uses", sa.Integer(), nullable=False),
        sa.Column("max_uses", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"],
            ["users.id"],
            name=op.f("fk_invitations_created_by_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
        sqlite_autoincrement=True,
    )


def downgrade() -> None:
    op.drop_table("invitations")
    op.drop_index("ix_users_username_lower", table_name="users")


def _refuse_case_collisions() -> None:
    rows = op.get_bind().execute(
        sa.text(
            "SELECT id, username FROM users WHERE lower(username) IN "
            "(SELECT lower(username) FROM users GROUP BY lower(username) HAVING count(*) > 1) "
            "ORDER BY lower(username), id"
        )
    )
    groups: dict[str, list[str]] = defaultdict(list)
    for user_id, username in rows:
        groups[username.lower()].append(f"{username!r} (id {user_id})")
    if not groups:
        return
    listed = "\n".join(f"  - {', '.join(names)}" for names in groups.values())
    raise MigrationBlocked(
        "Usernames are becoming case-insensitive, but these accounts differ only in case:\n"
        f"{listed}\n"
        "Decide who keeps each name and rename the others, e.g.\n"
        "  UPDATE users SET username = 'alice2' WHERE id = 4;\n"
        "(tell those people their new username), then start the studio again. "
        "Nothing was changed."
    )
