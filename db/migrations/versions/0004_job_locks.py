"""job records count their attempts, and an exclusive kind's active job holds a lock

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01 15:10:00

The lock is a unique, nullable column: "script.render:script:12" while that render is
queued or running, NULL once it ended. Jobs active while upgrading take no lock.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("job_records") as batch:
        batch.add_column(sa.Column("lock", sa.String(120), nullable=True))
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.create_unique_constraint("uq_job_records_lock", ["lock"])
    with op.batch_alter_table("job_records") as batch:
        batch.alter_column("attempts", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("job_records") as batch:
        batch.drop_constraint("uq_job_records_lock", type_="unique")
        batch.drop_column("attempts")
        batch.drop_column("lock")
