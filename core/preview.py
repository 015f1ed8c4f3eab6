"""A quick low-resolution preview of one screen: its picture, motion, captions and voice,
rendered in a few seconds on the render queue."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

from sqlalchemy import select

from core.assets import asset_view, store_file_asset
from core.files import FileStore
from core.media import load_screen
from core.models import JobView
from core.presets import preset_for, style_view
from core.queue import TaskQueue
from core.render.models import ExportSettings, Renderer
from core.render_inputs import asset_file, check_media, render_input
from core.tasks import ProgressFn, submit_task
from core.uow import UnitOfWork
from db.models import Asset, JobRecord, JobStatus

KIND = "screen.preview"


def request_preview(
    *, uow: UnitOfWork, queue: TaskQueue, files: FileStore, user_id: int, screen_id: int
) -> JobView:
    """Queue a 720p, cut-only, fast-preset render of one screen (it needs its image and voice)."""
    with uow:
        screen, _ = load_screen(uow, screen_id, user_id)
        check_media([screen], lambda asset_id: asset_file(uow, files, asset_id) is not None)
    return submit_task(
        uow=uow, queue=queue, user_id=user_id, kind=KIND, target_type="screen",
        target_id=screen_id,
    )  # fmt: skip


def render_preview_body(
    renderer: Renderer, files: FileStore, uow: UnitOfWork, record: JobRecord, progress: ProgressFn
) -> str:
    """Worker side of screen.preview: the clip becomes a video asset named in the record."""
    screen, script = load_screen(uow, record.target_id, record.user_id)
    workspace = script.workspace
    # Validated from a dict: the aspect is a checked preset value, not a literal.
    settings = ExportSettings.model_validate(
        {
            "aspect": style_view(preset_for(uow, workspace)).aspect,
            "resolution": "720p", "fps": 24, "quality": "small", "preset": "ultrafast",
            "transition": "cut",
        }
    )  # fmt: skip
    job = render_input(uow, files, script, settings, only_screen=screen.id)
    files.scratch.mkdir(parents=True, exist_ok=True)
    name = f"{socket.gethostname()}~{os.getpid()}~preview-{uuid.uuid4().hex[:8]}"
    output = files.scratch / f"{name}.mp4"
    try:
        result = renderer.render(
            job, output, cache_dir=files.path(f"users/{record.user_id}/render-cache"),
            progress=lambda pct, message: progress(5 + pct * 90 // 100, message),
        )  # fmt: skip
        video = store_file_asset(
            uow, files, user_id=record.user_id, kind="video", source=result.output,
            mime="video/mp4", provider="preview", duration=result.duration,
            width=result.width, height=result.height,
        )  # fmt: skip
    finally:
        for leftover in (output, output.with_suffix(".jpg")):
            leftover.unlink(missing_ok=True)
    record.params = {**record.params, "video_asset_id": video.id}
    uow.commit()
    return f"Preview of screen {screen.position + 1} ready"


def latest_preview(
    *, uow: UnitOfWork, files: FileStore, user_id: int, screen_id: int
) -> Path | None:
    """The newest finished preview clip of the screen, if its file is there."""
    with uow:
        load_screen(uow, screen_id, user_id)
        records = uow.session.scalars(
            select(JobRecord)
            .where(
                JobRecord.user_id == user_id, JobRecord.kind == KIND,
                JobRecord.target_id == screen_id, JobRecord.status == JobStatus.SUCCEEDED,
            )
            .order_by(JobRecord.id.desc())
        )  # fmt: skip
        for record in records:
            asset = uow.session.get(Asset, record.params.get("video_asset_id") or 0)
            if asset is not None and (path := asset_view(files, asset).path).is_file():
                return path
        return None
