"""The user's own files for a screen: an image, or a voice-over; checked by content, size
and (for sound) length before anything is stored."""

from __future__ import annotations

from typing import BinaryIO

from core.access import Action
from core.errors import InvalidInput
from core.media.assets import Facts, store_asset
from core.media.files import FileStore
from core.media.probe import audio_duration, audio_mime, clock, probe_image
from core.media.screen import ScreenView, load_screen, screen_view
from core.settings import Settings
from core.uow import UnitOfWork

MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_AUDIO_BYTES = 50 * 1024 * 1024
MAX_UPLOAD_BYTES = max(MAX_IMAGE_BYTES, MAX_AUDIO_BYTES)  # .streamlit/config.toml says the same


def upload_image(
    *, uow: UnitOfWork, files: FileStore, user_id: int, screen_id: int, stream: BinaryIO
) -> ScreenView:
    """Use the user's own PNG/JPEG/WebP for a screen (checked by content, size-limited)."""
    with uow:  # refuse someone else's screen before reading anything
        load_screen(uow, screen_id, user_id=user_id, action=Action.EDIT)
    data = read_limited(stream, MAX_IMAGE_BYTES, "image")
    info = probe_image(data)
    with uow:
        screen, script = load_screen(uow, screen_id, user_id=user_id, action=Action.EDIT)
        facts = Facts("image", info.mime, "upload", width=info.width, height=info.height)
        asset = store_asset(uow, files, workspace_id=script.workspace_id, data=data, facts=facts)
        screen.image_asset_id = asset.id
        uow.commit()
        return screen_view(uow, files, screen)


def upload_audio(
    *,
    uow: UnitOfWork,
    files: FileStore,
    settings: Settings,
    user_id: int,
    screen_id: int,
    stream: BinaryIO,
) -> ScreenView:
    """Use the user's own MP3/WAV/M4A voice-over (decoded once to check it and time it)."""
    with uow:
        screen, _ = load_screen(uow, screen_id, user_id=user_id, action=Action.EDIT)
        number = screen.position + 1
    data = read_limited(stream, MAX_AUDIO_BYTES, "audio file")
    scratch = files.scratch_file("upload")
    try:
        scratch.write_bytes(data)
        mime = audio_mime(scratch)
        limit = settings.max_voice_seconds
        duration = audio_duration(scratch, at_most=limit)
    finally:
        scratch.unlink(missing_ok=True)
    if duration > limit:
        raise InvalidInput(
            f"The voice-over for screen {number} is longer than {clock(limit)}, the most a "
            "screen may speak: upload a shorter one, or split the scene in the script."
        )
    with uow:
        screen, script = load_screen(uow, screen_id, user_id=user_id, action=Action.EDIT)
        facts = Facts("audio", mime, "upload", duration=duration)
        asset = store_asset(uow, files, workspace_id=script.workspace_id, data=data, facts=facts)
        screen.audio_asset_id, screen.duration = asset.id, duration
        screen.word_timings = None  # captions fall back to an even spread over the duration
        uow.commit()
        return screen_view(uow, files, screen)


def read_limited(stream: BinaryIO, limit: int, what: str) -> bytes:
    """The whole upload, or InvalidInput when it is empty or larger than `limit` bytes."""
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(f"The {what} is too large (at most {limit // (1024 * 1024)} MB).")
    if not data:
        raise InvalidInput(f"The {what} is empty.")
    return data
