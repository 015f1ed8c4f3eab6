"""What a render is made of: a finalized script's screens as renderer inputs, the check
that every screen has its media (naming those that do not), and the inputs' fingerprint."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from core.assets import asset_view
from core.errors import InvalidInput
from core.files import FileStore
from core.presets import preset_for
from core.probe import audio_duration
from core.providers.base import WordTiming
from core.render.models import ExportSettings, Renderer, RenderInput, ScreenInput
from core.uow import UnitOfWork
from db.models import Asset, Screen, Script


def render_input(
    uow: UnitOfWork,
    files: FileStore,
    script: Script,
    settings: ExportSettings,
    only_screen: int | None = None,
) -> RenderInput:
    """The script's screens in order (or just one, for a preview), with their files,
    timings and the workspace's music."""
    screens = [
        s for s in script_screens(uow, script.id) if only_screen is None or s.id == only_screen
    ]
    check_media(screens, lambda asset_id: asset_file(uow, files, asset_id) is not None)
    inputs = []
    for screen in screens:
        image = asset_file(uow, files, screen.image_asset_id)
        audio = asset_file(uow, files, screen.audio_asset_id)
        assert image is not None and audio is not None  # check_media made sure
        voice = asset_of(uow, screen.audio_asset_id)
        seconds = screen.duration or (voice.duration if voice is not None else None)
        inputs.append(
            ScreenInput(
                position=screen.position,
                image=image,
                audio=audio,
                audio_seconds=seconds or audio_duration(audio),
                narration=screen.narration,
                words=_words(screen.word_timings),
            )
        )
    music = asset_file(uow, files, preset_for(uow, script.workspace).music_asset_id)
    return RenderInput(screens=inputs, settings=settings, language=script.language, music=music)


def check_media(screens: list[Screen], has: Callable[[int | None], bool]) -> None:
    """Refuse, naming the screens, when any lacks its voice-over or image."""
    if not screens:
        raise InvalidInput("This script has no screens yet: finalize it first.")
    gaps = [
        f"{_screens_phrase(missing)} no {what}"
        for what, missing in (
            ("voice-over", [s.position + 1 for s in screens if not has(s.audio_asset_id)]),
            ("image", [s.position + 1 for s in screens if not has(s.image_asset_id)]),
        )
        if missing
    ]
    if gaps:
        message = "; ".join(gaps)
        raise InvalidInput(f"{message[0].upper()}{message[1:]}. Generate them first.")


def _screens_phrase(numbers: list[int]) -> str:
    """[2] → "screen 2 has"; [3, 5, 7] → "screens 3, 5 and 7 have"."""
    if len(numbers) == 1:
        return f"screen {numbers[0]} has"
    listed = ", ".join(str(n) for n in numbers[:-1])
    return f"screens {listed} and {numbers[-1]} have"


def _words(raw: list[Any] | None) -> list[WordTiming]:
    return [
        WordTiming(word=str(w["word"]), start=float(w["start"]), end=float(w["end"]))
        for w in raw or []
        if isinstance(w, dict) and {"word", "start", "end"} <= w.keys()
    ]


def fingerprint(renderer: Renderer, job: RenderInput) -> str:
    """What decides the video; media files are named by their content hash."""
    screens = [
        [s.image.name, s.audio.name, s.audio_seconds, s.narration]
        + [[w.word, w.start, w.end] for w in s.words]
        for s in job.screens
    ]
    blob = {
        "renderer": type(renderer).__name__,
        "settings": job.settings.model_dump(mode="json"),
        "language": job.language,
        "music": job.music.name if job.music else None,
        "screens": screens,
    }
    return hashlib.sha256(json.dumps(blob, sort_keys=True).encode()).hexdigest()


def script_screens(uow: UnitOfWork, script_id: int) -> list[Screen]:
    query = select(Screen).where(Screen.script_id == script_id).order_by(Screen.position)
    return list(uow.session.scalars(query))


def asset_of(uow: UnitOfWork, asset_id: int | None) -> Asset | None:
    return uow.session.get(Asset, asset_id) if asset_id else None


def asset_file(uow: UnitOfWork, files: FileStore, asset_id: int | None) -> Path | None:
    asset = asset_of(uow, asset_id)
    path = asset_view(files, asset).path if asset is not None else None
    return path if path is not None and path.is_file() else None
