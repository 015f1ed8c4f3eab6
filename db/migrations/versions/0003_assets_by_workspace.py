"""assets belong to a workspace and live under its folder, not under their user's

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01 15:00:00

An asset used in several workspaces (the same bytes, or a cached request, shared by two
of a user's workspaces) becomes one row per workspace, each with its own file. Files are
hard-linked (or copied) to workspaces/<id>/assets/…; the old users/<id>/ files are left
for the media sweep, so a migration cut short loses nothing. The media root comes from
`db.migrate.upgrade(..., media_root=...)` (the launcher passes it); without one, only
the rows change.

An asset no screen, render, preset, thumbnail or preview uses, of a user with several
workspaces, cannot be placed: its row is dropped (its file, unreferenced, is swept).
"""

from __future__ import annotations

import json
import os
import shutil
from collections import defaultdict
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Copied, not imported from core/media/assets.py: a migration must keep doing what it did
# when it was written, whatever the app's code becomes.
EXTENSIONS = {
    "image/png": ".png",
    "image/jpeg": ".jpg",
    "image/webp": ".webp",
    "audio/mpeg": ".mp3",
    "audio/wav": ".wav",
    "audio/mp4": ".m4a",
    "video/mp4": ".mp4",
}
REFERENCES = [  # (table, column) pairs that name an asset
    ("screens", "image_asset_id"),
    ("screens", "audio_asset_id"),
    ("renders", "output_asset_id"),
    ("style_presets", "music_asset_id"),
]


def upgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("workspace_id", sa.Integer(), nullable=True))
        batch.drop_constraint("uq_assets_user_id", type_="unique")  # copies share both
    conn = op.get_bind()
    uses = _workspaces_using(conn)
    owners = dict(conn.execute(sa.text("SELECT id, user_id FROM workspaces")).all())
    only_one = _single_workspace_users(owners)
    media = _media_root()
    for asset in conn.execute(sa.text("SELECT * FROM assets ORDER BY id")).mappings().all():
        wanted = sorted(uses.get(asset["id"], set()))
        if not wanted and asset["user_id"] in only_one:
            wanted = [only_one[asset["user_id"]]]
        if not wanted:
            conn.execute(sa.text("DELETE FROM assets WHERE id = :id"), {"id": asset["id"]})
            continue
        _place(media, asset, asset["user_id"], wanted[0])
        conn.execute(
            sa.text("UPDATE assets SET workspace_id = :ws WHERE id = :id"),
            {"ws": wanted[0], "id": asset["id"]},
        )
        for workspace in wanted[1:]:
            copy_id = _copy_row(conn, asset, workspace)
            _place(media, asset, asset["user_id"], workspace)
            _repoint(conn, asset["id"], copy_id, workspace)
    with op.batch_alter_table("assets") as batch:
        batch.drop_constraint("fk_assets_user_id_users", type_="foreignkey")
        batch.drop_index("ix_assets_user_id")
        batch.drop_column("user_id")
        batch.alter_column("workspace_id", existing_type=sa.Integer(), nullable=False)
        batch.create_index("ix_assets_workspace_id", ["workspace_id"], unique=False)
        batch.create_unique_constraint("uq_assets_workspace_id", ["workspace_id", "sha256"])


def downgrade() -> None:
    with op.batch_alter_table("assets") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
    conn = op.get_bind()
    owners = dict(conn.execute(sa.text("SELECT id, user_id FROM workspaces")).all())
    media = _media_root()
    kept: dict[tuple[int, str], int] = {}
    for asset in conn.execute(sa.text("SELECT * FROM assets ORDER BY id")).mappings().all():
        user = owners.get(asset["workspace_id"])
        if user is None:
            conn.execute(sa.text("DELETE FROM assets WHERE id = :id"), {"id": asset["id"]})
            continue
        first = kept.setdefault((user, asset["sha256"]), asset["id"])
        if first != asset["id"]:  # one row per user and content, as before
            for table, column in REFERENCES:
                conn.execute(
                    sa.text(f"UPDATE {table} SET {column} = :new WHERE {column} = :old"),
                    {"new": first, "old": asset["id"]},
                )
            conn.execute(sa.text("DELETE FROM assets WHERE id = :id"), {"id": asset["id"]})
            continue
        conn.execute(
            sa.text("UPDATE assets SET user_id = :user WHERE id = :id"),
            {"user": user, "id": asset["id"]},
        )
        if media is not None:
            _link(_file(media, f"workspaces/{asset['workspace_id']}", asset),
                  _file(media, f"users/{user}", asset))  # fmt: skip
    with op.batch_alter_table("assets") as batch:
        batch.drop_constraint("uq_assets_workspace_id", type_="unique")
        batch.drop_index("ix_assets_workspace_id")
        batch.drop_column("workspace_id")
        batch.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
        batch.create_index("ix_assets_user_id", ["user_id"], unique=False)
        batch.create_unique_constraint("uq_assets_user_id", ["user_id", "sha256"])
        batch.create_foreign_key(
            "fk_assets_user_id_users", "users", ["user_id"], ["id"], ondelete="CASCADE"
        )


def _workspaces_using(conn: sa.Connection) -> dict[int, set[int]]:
    """Asset id → the workspaces whose screens, renders, presets or previews use it."""
    uses: dict[int, set[int]] = defaultdict(set)
    for column in ("image_asset_id", "audio_asset_id"):
        rows = conn.execute(sa.text(
            f"SELECT s.{column}, sc.workspace_id FROM screens s "
            f"JOIN scripts sc ON sc.id = s.script_id WHERE s.{column} IS NOT NULL"
        ))  # fmt: skip
        for asset, workspace in rows:
            uses[asset].add(workspace)
    rows = conn.execute(sa.text(
        "SELECT r.output_asset_id, sc.workspace_id FROM renders r "
        "JOIN scripts sc ON sc.id = r.script_id WHERE r.output_asset_id IS NOT NULL"
    ))  # fmt: skip
    for asset, workspace in rows:
        uses[asset].add(workspace)
    rows = conn.execute(sa.text(
        "SELECT p.music_asset_id, w.id FROM workspaces w "
        "JOIN style_presets p ON p.id = w.style_preset_id WHERE p.music_asset_id IS NOT NULL"
    ))  # fmt: skip
    for asset, workspace in rows:
        uses[asset].add(workspace)
    previews = conn.execute(sa.text(
        "SELECT j.params, sc.workspace_id FROM job_records j JOIN screens s ON s.id = j.target_id "
        "JOIN scripts sc ON sc.id = s.script_id WHERE j.kind = 'screen.preview'"
    ))  # fmt: skip
    for params, workspace in previews:
        video = _json(params).get("video_asset_id")
        if video:
            uses[int(video)].add(workspace)
    videos = conn.execute(sa.text("SELECT id, request FROM assets WHERE kind = 'video'"))
    for video, request in videos.all():
        thumbnail = _json(request).get("thumbnail_asset_id")
        if thumbnail:
            uses[int(thumbnail)] |= uses.get(video, set())
    return uses


def _single_workspace_users(owners: dict[int, int]) -> dict[int, int]:
    """User id → their workspace, for users with exactly one."""
    counts: dict[int, list[int]] = defaultdict(list)
    for workspace, user in owners.items():
        counts[user].append(workspace)
    return {user: found[0] for user, found in counts.items() if len(found) == 1}


def _copy_row(conn: sa.Connection, asset: Any, workspace: int) -> int:
    """A copy of the asset's row for another workspace (copied in SQL: JSON stays JSON)."""
    columns = ", ".join(c for c in asset.keys() if c not in ("id", "workspace_id"))
    conn.execute(
        sa.text(f"INSERT INTO assets ({columns}, workspace_id) "
                f"SELECT {columns}, :ws FROM assets WHERE id = :id"),
        {"ws": workspace, "id": asset["id"]},
    )  # fmt: skip
    found = conn.execute(
        sa.text("SELECT max(id) FROM assets WHERE workspace_id = :ws AND sha256 = :sha"),
        {"ws": workspace, "sha": asset["sha256"]},
    )
    return int(found.scalar_one())


def _repoint(conn: sa.Connection, old: int, new: int, workspace: int) -> None:
    """Make the workspace's references to asset `old` name its own copy `new`."""
    scripts = "SELECT id FROM scripts WHERE workspace_id = :ws"
    for column in ("image_asset_id", "audio_asset_id"):
        conn.execute(
            sa.text(f"UPDATE screens SET {column} = :new WHERE {column} = :old "
                    f"AND script_id IN ({scripts})"),
            {"new": new, "old": old, "ws": workspace},
        )  # fmt: skip
    conn.execute(
        sa.text("UPDATE renders SET output_asset_id = :new WHERE output_asset_id = :old "
                f"AND script_id IN ({scripts})"),
        {"new": new, "old": old, "ws": workspace},
    )  # fmt: skip
    conn.execute(
        sa.text("UPDATE style_presets SET music_asset_id = :new WHERE music_asset_id = :old "
                "AND id IN (SELECT style_preset_id FROM workspaces WHERE id = :ws)"),
        {"new": new, "old": old, "ws": workspace},
    )  # fmt: skip


def _place(media: Path | None, asset: Any, user: int, workspace: int) -> None:
    if media is not None:
        _link(_file(media, f"users/{user}", asset), _file(media, f"workspaces/{workspace}", asset))


def _file(media: Path, folder: str, asset: Any) -> Path:
    sha = asset["sha256"]
    return media / folder / "assets" / sha[:2] / f"{sha}{EXTENSIONS.get(asset['mime'], '.bin')}"


def _link(source: Path, target: Path) -> None:
    """Give `target` the file's content; the source stays (the sweep removes it later)."""
    if not source.is_file() or target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(source, target)
    except OSError:  # another filesystem, or no hard links: copy, then rename into place
        partial = target.with_name(f".{target.name}.partial")
        shutil.copyfile(source, partial)
        os.replace(partial, target)


def _media_root() -> Path | None:
    root = op.get_context().config.attributes.get("media_root")
    return Path(root) if root else None


def _json(value: Any) -> dict[str, Any]:
    if isinstance(value, dict):
        return value
    if isinstance(value, str) and value:
        loaded = json.loads(value)
        return loaded if isinstance(loaded, dict) else {}
    return {}
