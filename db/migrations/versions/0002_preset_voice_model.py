"""style presets remember the voice model (ElevenLabs model id) next to the voice

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-24 05:25:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The server default fills existing rows; the app always sets the value itself.
    with op.batch_alter_table("style_presets") as batch:
        batch.add_column(sa.Column("voice_model", sa.String(80), nullable=False, server_default=""))
    with op.batch_alter_table("style_presets") as batch:
        batch.alter_column("voice_model", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("style_presets") as batch:
        batch.drop_column("voice_model")
