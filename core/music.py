"""A workspace's background music: one uploaded track under all of its videos."""

from __future__ import annotations

import os
import socket
import tempfile
from pathlib import Path
from typing import BinaryIO

from core.assets import AssetView, asset_view, store_file_asset
from core.errors import InvalidInput
from core.files import FileStore
from core.ownership import load_owned
from core.presets import preset_for
from core.probe import audio_duration, audio_mime
from core.render_inputs import asset_of
from core.uow import UnitOfWork
from db.models import Workspace

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
        load_owned(uow, Workspace, workspace_id, user_id, "Workspace")
    upload = _copy_limited(files, stream) if stream is not None else None
    try:
        mime, duration = (audio_mime(upload), audio_duration(upload)) if upload else ("", 0.0)
        with uow:
            preset = preset_for(uow, load_owned(uow, Workspace, workspace_id, user_id, "Workspace"))
            asset = None
            if upload is not None:
                asset = store_file_asset(
                    uow,
                    files,
                    user_id=user_id,
                    kind="music",
                    source=upload,
                    mime=mime,
                    provider="upload",
                    duration=duration,
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
        workspace = load_owned(uow, Workspace, workspace_id, user_id, "Workspace")
        preset = preset_for(uow, workspace)
        uow.commit()
        asset = asset_of(uow, preset.music_asset_id)
        view = asset_view(files, asset) if asset is not None else None
        return view if view is not None and view.path.is_file() else None


def _copy_limited(files: FileStore, stream: BinaryIO) -> Path:
    """Copy the upload into the scratch dir in chunks, refusing it past the size limit."""
    files.scratch.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        dir=files.scratch, prefix=f"{socket.gethostname()}~{os.getpid()}~music-"
    )
    path, size = Path(name), 0
    try:
        with os.fdopen(fd, "wb") as out:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if size > MAX_MUSIC_BYTES:
                    raise InvalidInput(
                        f"The music file is too large (at most {MAX_MUSIC_BYTES // CHUNK} MB)."
                    )
                out.write(chunk)
        if size == 0:
            raise InvalidInput("The music file is empty.")
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path
