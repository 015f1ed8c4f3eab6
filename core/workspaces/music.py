"""A workspace's background music: one uploaded track under all of its videos."""

from __future__ import annotations

import os
from pathlib import Path
from typing import BinaryIO

from core import access
from core.access import Action
from core.errors import InvalidInput
from core.media.assets import AssetView, Facts, asset_file, asset_view, store_file_asset
from core.media.files import FileStore
from core.media.probe import audio_duration, audio_mime
from core.uow import UnitOfWork
from core.workspaces.styles import preset_for, saved_preset
from db.models import Asset, Workspace

MAX_MUSIC_BYTES = 50 * 1024 * 1024
CHUNK = 1024 * 1024


def set_workspace_music(
    *,
    uow: UnitOfWork,
    files: FileStore,
    user_id: int,
    workspace_id: int,
    stream: BinaryIO | None,
) -> AssetView | None:
    """Use an uploaded MP3/WAV/M4A (decoded once to check it) as the workspace's music;
    `stream=None` removes the music."""
    with uow:  # refuse someone else's workspace before copying anything
        access.load(uow, Workspace, workspace_id, user_id=user_id, action=Action.EDIT)
    upload = _copy_limited(files, stream) if stream is not None else None
    try:
        mime, duration = (audio_mime(upload), audio_duration(upload)) if upload else ("", 0.0)
        with uow:
            workspace = access.load(
                uow, Workspace, workspace_id, user_id=user_id, action=Action.EDIT
            )
            preset = preset_for(uow, workspace)
            asset = None
            if upload is not None:
                facts = Facts("music", mime, "upload", duration=duration)
                asset = store_file_asset(
                    uow, files, workspace_id=workspace_id, source=upload, facts=facts
                )
            preset.music_asset_id = asset.id if asset is not None else None
            uow.commit()
            return asset_view(files, asset) if asset is not None else None
    finally:
        if upload is not None:
            upload.unlink(missing_ok=True)


def workspace_music(
    *, uow: UnitOfWork, files: FileStore, user_id: int, workspace_id: int
) -> AssetView | None:
    """The workspace's music track, if it has one (and its file is there)."""
    with uow:
        workspace = access.load(uow, Workspace, workspace_id, user_id=user_id, action=Action.VIEW)
        return music_of(uow, files, workspace)


def music_of(uow: UnitOfWork, files: FileStore, workspace: Workspace) -> AssetView | None:
    """The workspace's music, if its file is there (inside the caller's transaction)."""
    preset = saved_preset(uow, workspace)
    music_id = preset.music_asset_id if preset is not None else None
    if asset_file(uow, files, music_id) is None:
        return None
    asset = uow.session.get(Asset, music_id)
    return asset_view(files, asset) if asset is not None else None


def _copy_limited(files: FileStore, stream: BinaryIO) -> Path:
    """Copy the upload into the scratch dir in chunks, refusing it past the size limit."""
    path, size = files.scratch_file("music"), 0
    try:
        with path.open("wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > MAX_MUSIC_BYTES:
                    raise InvalidInput(
                        f"The music file is too large (at most {MAX_MUSIC_BYTES // CHUNK} MB)."
                    )
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise InvalidInput("The music file is empty.")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path
