"""Images and voice-overs per screen: queued generation, the worker side, and uploads.

Every result is a content-addressed asset; an identical request reuses the stored
asset instead of calling the provider again. A re-roll asks for a new variant.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import select

from core.assets import asset_view, cached_asset, request_key, store_asset
from core.errors import InvalidInput, NotFound
from core.files import FileStore
from core.media_providers import MediaChooser
from core.models import JobView, Scene, ScreenView
from core.ownership import load_owned
from core.presets import preset_for, style_view
from core.probe import audio_duration, audio_mime, probe_image
from core.providers.base import ImageRequest, VoiceRequest
from core.queue import TaskQueue
from core.screens import screen_view
from core.scripts import add_version, current_content
from core.tasks import ProgressFn, submit_task
from core.uow import UnitOfWork
from db.models import (
    Asset,
    JobRecord,
    Screen,
    Script,
    VersionSource,
    Workspace,
)

MAX_IMAGE_BYTES = 20 * 1024 * 1024
MAX_AUDIO_BYTES = 50 * 1024 * 1024


def load_screen(uow: UnitOfWork, screen_id: int, user_id: int) -> tuple[Screen, Script]:
    """A screen and its script, if the script is the user's; else NotFound."""
    screen = uow.session.get(Screen, screen_id)
    script = uow.session.get(Script, screen.script_id) if screen else None
    if screen is None or script is None or script.user_id != user_id:
        raise NotFound(f"Screen #{screen_id} was not found.")
    return screen, script


def request_image(
    *,
    uow: UnitOfWork,
    queue: TaskQueue,
    user_id: int,
    screen_id: int,
    reroll: bool = False,
    batch_id: str = "",
) -> JobView:
    """Queue the screen's image; a re-roll asks for a different one than it has now."""
    return _request(uow, queue, user_id, screen_id, "screen.image", reroll, batch_id)


def request_voice(
    *,
    uow: UnitOfWork,
    queue: TaskQueue,
    user_id: int,
    screen_id: int,
    reroll: bool = False,
    batch_id: str = "",
) -> JobView:
    """Queue the screen's voice-over; `reroll` asks for a new take."""
    return _request(uow, queue, user_id, screen_id, "screen.voice", reroll, batch_id)


def _request(
    uow: UnitOfWork,
    queue: TaskQueue,
    user_id: int,
    screen_id: int,
    kind: str,
    reroll: bool,
    batch_id: str,
) -> JobView:
    with uow:
        screen, _ = load_screen(uow, screen_id, user_id)
        current = screen.image_asset_id if kind == "screen.image" else screen.audio_asset_id
        variant = _current_variant(uow, current) + 1 if reroll else 0
    return submit_task(
        uow=uow, queue=queue, user_id=user_id, kind=kind, target_type="screen",
        target_id=screen_id, params={"variant": variant}, batch_id=batch_id,
    )  # fmt: skip


def generate_image_body(
    media: MediaChooser, files: FileStore, uow: UnitOfWork, record: JobRecord, progress: ProgressFn
) -> str:
    """Worker side of screen.image."""
    screen, script = _job_screen(uow, record)
    style = style_view(preset_for(uow, _workspace(uow, script)))
    width, height = style.size
    generator = media.images(record.user_id)
    request = ImageRequest(
        prompt=screen.visual_prompt,
        style=style.image_style,
        width=width,
        height=height,
        variant=int(record.params.get("variant", 0)),
    )
    params = dataclasses.asdict(request)
    key = request_key(generator.name, params)
    asset = cached_asset(uow, files, record.user_id, key)
    if asset is None:
        progress(10, f"Drawing the image ({generator.name})…")
        image = generator.generate_image(request)
        progress(85, "Saving the image…")
        asset = store_asset(
            uow,
            files,
            user_id=record.user_id,
            kind="image",
            data=image.data,
            mime=image.mime,
            provider=generator.name,
            request=params,
            key=key,
            width=image.width,
            height=image.height,
        )
    screen.image_asset_id = asset.id
    uow.commit()
    return f"Image ready for screen {screen.position + 1}"


def generate_voice_body(
    media: MediaChooser, files: FileStore, uow: UnitOfWork, record: JobRecord, progress: ProgressFn
) -> str:
    """Worker side of screen.voice: audio plus word timings for the captions."""
    screen, script = _job_screen(uow, record)
    if not screen.narration.strip():
        raise InvalidInput("The narration is empty: write something to speak.")
    style = style_view(preset_for(uow, _workspace(uow, script)))
    voice = media.voice(record.user_id)
    params = {
        "text": screen.narration,
        "language": script.language,
        "voice": style.voice,
        "model": style.voice_model,
        "variant": int(record.params.get("variant", 0)),
    }
    key = request_key(voice.name, params)
    asset = cached_asset(uow, files, record.user_id, key)
    words = list(asset.request.get("words") or []) if asset is not None else []
    if asset is None:
        progress(10, f"Recording the voice-over ({voice.name})…")
        speech = voice.synthesize(
            VoiceRequest(
                text=screen.narration,
                language=script.language,
                voice=style.voice,
                model=style.voice_model,
            )
        )
        progress(85, "Saving the voice-over…")
        words = [{"word": w.word, "start": w.start, "end": w.end} for w in speech.words]
        asset = store_asset(
            uow,
            files,
            user_id=record.user_id,
            kind="audio",
            data=speech.data,
            mime=speech.mime,
            provider=voice.name,
            request={**params, "words": words},
            key=key,
            duration=speech.duration,
        )
    # Timings come from this narration, even when its audio equals an earlier asset's bytes.
    screen.audio_asset_id, screen.word_timings = asset.id, words
    screen.duration = asset.duration
    uow.commit()
    return f"Voice-over ready for screen {screen.position + 1}"


def upload_image(
    *, uow: UnitOfWork, files: FileStore, user_id: int, screen_id: int, stream: BinaryIO
) -> ScreenView:
    """Use the user's own PNG/JPEG/WebP for a screen (checked by content, size-limited)."""
    data = _read_limited(stream, MAX_IMAGE_BYTES, "image")
    info = probe_image(data)
    with uow:
        screen, _ = load_screen(uow, screen_id, user_id)
        asset = store_asset(
            uow,
            files,
            user_id=user_id,
            kind="image",
            data=data,
            mime=info.mime,
            provider="upload",
            width=info.width,
            height=info.height,
        )
        screen.image_asset_id = asset.id
        uow.commit()
        return screen_view(screen)


def upload_audio(
    *, uow: UnitOfWork, files: FileStore, user_id: int, screen_id: int, stream: BinaryIO
) -> ScreenView:
    """Use the user's own MP3/WAV/M4A voice-over (decoded once to check it and time it)."""
    data = _read_limited(stream, MAX_AUDIO_BYTES, "audio file")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "upload"
        path.write_bytes(data)
        mime, duration = audio_mime(path), audio_duration(path)
    with uow:
        screen, _ = load_screen(uow, screen_id, user_id)
        asset = store_asset(
            uow,
            files,
            user_id=user_id,
            kind="audio",
            data=data,
            mime=mime,
            provider="upload",
            duration=duration,
        )
        screen.audio_asset_id, screen.duration = asset.id, duration
        screen.word_timings = None  # captions fall back to an even spread over the duration
        uow.commit()
        return screen_view(screen)


def update_screen(
    *, uow: UnitOfWork, user_id: int, screen_id: int, narration: str, visual: str
) -> ScreenView:
    """Edit a screen's narration or visual; media that no longer match are let go, and the
    script gets the change as a new version."""
    try:
        scene = Scene(narration=narration, visual=visual)
    except ValueError as exc:
        raise InvalidInput("Narration and visual must not be empty.") from exc
    with uow:
        screen, script = load_screen(uow, screen_id, user_id)
        if scene.narration != screen.narration:
            screen.narration = scene.narration
            screen.audio_asset_id, screen.word_timings, screen.duration = None, None, None
        if scene.visual != screen.visual_prompt:
            screen.visual_prompt, screen.image_asset_id = scene.visual, None
        status = script.status
        content = current_content(uow, script)
        content.scenes[screen.position] = scene
        version = add_version(
            uow, script, content, VersionSource.EDITED, f"Edited screen {screen.position + 1}"
        )
        # add_version makes a draft; a finalized script stays finalized (its screens are this
        # new version), so batch generate and the screens page keep working after an edit.
        script.finalized_version, script.status = version.number, status
        uow.commit()
        return screen_view(screen)


def _read_limited(stream: BinaryIO, limit: int, what: str) -> bytes:
    data = stream.read(limit + 1)
    if len(data) > limit:
        raise InvalidInput(f"The {what} is too large (at most {limit // (1024 * 1024)} MB).")
    if not data:
        raise InvalidInput(f"The {what} is empty.")
    return data


def _current_variant(uow: UnitOfWork, asset_id: int | None) -> int:
    asset = uow.session.get(Asset, asset_id) if asset_id else None
    return int(asset.request.get("variant", 0)) if asset is not None else -1


def _job_screen(uow: UnitOfWork, record: JobRecord) -> tuple[Screen, Script]:
    try:
        return load_screen(uow, record.target_id, record.user_id)
    except NotFound as exc:
        raise NotFound("The screen of this job was deleted.") from exc


def _workspace(uow: UnitOfWork, script: Script) -> Workspace:
    workspace = uow.session.get(Workspace, script.workspace_id)
    assert workspace is not None  # scripts are deleted with their workspace
    return workspace


def screen_media_files(
    *, uow: UnitOfWork, files: FileStore, user_id: int, script_id: int
) -> dict[int, tuple[Path | None, Path | None]]:
    """Screen id → (image file, audio file) of a script's screens, None where there is none
    (or its file is gone), for showing them."""
    with uow:
        load_owned(uow, Script, script_id, user_id, "Script")
        screens = uow.session.scalars(select(Screen).where(Screen.script_id == script_id))
        return {
            s.id: (_file(uow, files, s.image_asset_id), _file(uow, files, s.audio_asset_id))
            for s in screens
        }


def _file(uow: UnitOfWork, files: FileStore, asset_id: int | None) -> Path | None:
    asset = uow.session.get(Asset, asset_id) if asset_id else None
    path = asset_view(files, asset).path if asset is not None else None
    return path if path is not None and path.is_file() else None
