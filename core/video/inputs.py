"""What a render is made of: a finalized script's screens as renderer inputs, the checks a
render must pass first (every screen has its media, the video is not too long, the disk
has room), and the inputs' fingerprint."""

from __future__ import annotations

import hashlib
import json
import shutil
from typing import Any

from core.errors import InvalidInput
from core.media.files import FileStore
from core.media.probe import audio_duration, clock
from core.media.screen import require_media, screen_view, screens_of
from core.providers.base import WordTiming
from core.render.plan import segment_frames
from core.render.spec import ExportSettings, Renderer, RenderInput, ScreenInput
from core.settings import Settings
from core.uow import UnitOfWork
from core.workspaces.music import music_of
from db.models import Screen, Script, Workspace

MB = 1024 * 1024
# A rendered second takes about this much disk, cached pieces and the MP4 together (1080p,
# "high" quality, with room to spare); the check adds the settings' headroom on top.
BYTES_PER_VIDEO_SECOND = 2 * MB


def render_input(
    uow: UnitOfWork,
    files: FileStore,
    script: Script,
    settings: ExportSettings,
    only_screen: int | None = None,
) -> RenderInput:
    """The script's screens in order (or just one, for a preview), with their files,
    timings and the workspace's music."""
    rows = [s for s in screens_of(uow, script.id) if only_screen is None or s.id == only_screen]
    views = [screen_view(uow, files, s) for s in rows]
    require_media(views)
    inputs = []
    for row, view in zip(rows, views, strict=True):
        assert view.image is not None and view.audio is not None  # require_media made sure
        inputs.append(
            ScreenInput(
                position=row.position,
                image=view.image,
                audio=view.audio,
                audio_seconds=view.duration or audio_duration(view.audio),
                narration=row.narration,
                words=_words(row),
            )
        )
    workspace = uow.session.get(Workspace, script.workspace_id)
    music = music_of(uow, files, workspace) if workspace is not None else None
    return RenderInput(
        screens=inputs,
        settings=settings,
        language=script.language,
        music=music.path if music is not None else None,
    )


def check_video(job: RenderInput, studio: Settings, files: FileStore) -> None:
    """Refuse a video longer than the site allows, or one the disk has no room for."""
    # each screen's whole segment (short ones held to the minimum), transitions not taken off
    frames = sum(segment_frames(screen, job.settings)[0] for screen in job.screens)
    seconds = frames / job.settings.fps
    if seconds > studio.max_video_seconds:
        most = clock(studio.max_video_seconds)
        raise InvalidInput(
            f"This video would last {clock(seconds)}, longer than the {most} a video may "
            "last here: remove or shorten some screens."
        )
    needed = seconds * BYTES_PER_VIDEO_SECOND + studio.render_free_disk_mb * MB
    free = shutil.disk_usage(files.root).free
    if free < needed:
        raise InvalidInput(
            f"Not enough free disk space to render: {free / 1024**3:.1f} GB free, about "
            f"{needed / 1024**3:.1f} GB needed. Free some space (delete old videos or "
            "workspaces) and try again."
        )


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


def _words(screen: Screen) -> list[WordTiming]:
    raw: list[Any] = screen.word_timings or []
    return [
        WordTiming(word=str(w["word"]), start=float(w["start"]), end=float(w["end"]))
        for w in raw
        if isinstance(w, dict) and {"word", "start", "end"} <= w.keys()
    ]
