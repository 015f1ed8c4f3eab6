"""The video of a script: queue a render, the worker side, and the renders made so far.

A render is refused before it is queued while any screen lacks its image or voice-over.
Every render gets its own row and the video is a content-addressed asset, so a failed
or newer render never touches an earlier good video.
"""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from core.assets import store_file_asset
from core.errors import Conflict, InvalidInput, NotFound
from core.files import FileStore
from core.models import JobView
from core.ownership import load_owned
from core.presets import preset_for, style_view
from core.queue import TaskQueue
from core.render.models import ExportSettings, Renderer, RenderInput
from core.render_inputs import (
    asset_file,
    asset_of,
    check_media,
    fingerprint,
    render_input,
    script_screens,
)
from core.tasks import ProgressFn, job_view, submit_task
from core.uow import UnitOfWork
from db.models import Asset, JobRecord, JobStatus, Render, Script, ScriptStatus

KIND = "script.render"
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)


@dataclass(frozen=True)
class RenderView:
    id: int
    status: str  # queued, running, succeeded, failed, canceled
    created_at: datetime
    settings: ExportSettings
    job: JobView | None  # its latest job: progress, message, error
    video: Path | None  # None until it succeeded (or when its file is gone)
    thumbnail: Path | None
    size: int | None  # bytes
    duration: float | None  # seconds
    width: int | None
    height: int | None

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")

    @property
    def good(self) -> bool:
        return self.status == "succeeded" and self.video is not None


def request_render(
    *, uow: UnitOfWork, queue: TaskQueue, user_id: int, script_id: int, settings: ExportSettings
) -> RenderView:
    """Queue the video of a finalized script whose screens all have their image and voice."""
    with uow:
        script = _finalized(uow, script_id, user_id)
        check_media(
            script_screens(uow, script.id), lambda asset_id: asset_of(uow, asset_id) is not None
        )
        if _active_job(uow, user_id, script.id) is not None:
            raise Conflict("This video is already being rendered: wait for it, or cancel it.")
    job = queue_render(
        uow=uow, queue=queue, user_id=user_id, script_id=script_id, settings=settings
    )
    with uow:
        render = load_owned(uow, Render, job.target_id, user_id, "Render")
        return _view(uow, None, render, _jobs(uow, [render.id]).get(render.id))


def queue_render(
    *,
    uow: UnitOfWork,
    queue: TaskQueue,
    user_id: int,
    script_id: int,
    settings: ExportSettings,
    after: list[int] | None = None,
    batch_id: str = "",
) -> JobView:
    """Record a render and queue its job, to start once the `after` job records have ended
    (batch generate: the media jobs). Media are checked by the job itself."""
    with uow:
        _finalized(uow, script_id, user_id)
        render = Render(
            user_id=user_id, script_id=script_id, settings=settings.model_dump(mode="json")
        )
        uow.session.add(render)
        uow.commit()
        render_id = render.id
    return submit_task(
        uow=uow,
        queue=queue,
        user_id=user_id,
        kind=KIND,
        target_type="render",
        target_id=render_id,
        batch_id=batch_id,
        depends_on=after,
    )


def active_render_job(*, uow: UnitOfWork, user_id: int, script_id: int) -> JobView | None:
    """The script's render job that is queued or running, if any."""
    with uow:
        load_owned(uow, Script, script_id, user_id, "Script")
        job = _active_job(uow, user_id, script_id)
        return job_view(job) if job is not None else None


def list_renders(
    *, uow: UnitOfWork, files: FileStore, user_id: int, script_id: int
) -> list[RenderView]:
    """The script's renders, newest first."""
    with uow:
        load_owned(uow, Script, script_id, user_id, "Script")
        rows = list(
            uow.session.scalars(
                select(Render)
                .where(Render.user_id == user_id, Render.script_id == script_id)
                .order_by(Render.id.desc())
                .limit(50)
            )
        )
        jobs = _jobs(uow, [r.id for r in rows])
        return [_view(uow, files, r, jobs.get(r.id)) for r in rows]


def latest_good_render(
    *, uow: UnitOfWork, files: FileStore, user_id: int, script_id: int
) -> RenderView | None:
    """The newest render whose video is there to watch."""
    found = list_renders(uow=uow, files=files, user_id=user_id, script_id=script_id)
    return next((r for r in found if r.good), None)


def default_export_settings(*, uow: UnitOfWork, user_id: int, script_id: int) -> ExportSettings:
    """The script's last render settings (else the defaults), in the workspace's aspect."""
    with uow:
        script = load_owned(uow, Script, script_id, user_id, "Script")
        aspect = style_view(preset_for(uow, script.workspace)).aspect
        uow.commit()  # preset_for may have made the workspace's preset
        last = uow.session.scalar(
            select(Render.settings)
            .where(Render.user_id == user_id, Render.script_id == script_id)
            .order_by(Render.id.desc())
        )
    return _settings(last).model_copy(update={"aspect": aspect})


def render_video_body(
    renderer: Renderer, files: FileStore, uow: UnitOfWork, record: JobRecord, progress: ProgressFn
) -> str:
    """Worker side of script.render: the MP4 and its thumbnail become assets of the render."""
    render = uow.session.get(Render, record.target_id)
    if render is None or render.user_id != record.user_id:
        raise NotFound("The render of this job was deleted.")
    render.status = JobStatus.RUNNING
    uow.commit()
    try:
        return _render(renderer, files, uow, render, progress)
    except Exception:
        uow.rollback()
        failed = uow.session.get(Render, record.target_id)
        if failed is not None:  # earlier good renders are left as they are
            failed.status = JobStatus.FAILED
            uow.commit()
        raise


def _render(
    renderer: Renderer, files: FileStore, uow: UnitOfWork, render: Render, progress: ProgressFn
) -> str:
    script = load_owned(uow, Script, render.script_id, render.user_id, "Script")
    progress(2, "Gathering the screens…")
    try:
        settings = ExportSettings.model_validate(render.settings)
    except ValidationError as exc:
        raise InvalidInput("This render's settings are no longer valid: render again.") from exc
    job = render_input(uow, files, script, settings)
    key = fingerprint(renderer, job)
    video = _earlier_video(uow, files, render.user_id, key)
    if video is None:
        video = _encode(renderer, files, uow, render, job, progress)
    render.status, render.output_asset_id = JobStatus.SUCCEEDED, video.id
    render.input_fingerprint = key
    uow.commit()
    return f"Video ready: {video.duration or 0:.0f} s at {video.width}×{video.height}"


def _encode(
    renderer: Renderer,
    files: FileStore,
    uow: UnitOfWork,
    render: Render,
    job: RenderInput,
    progress: ProgressFn,
) -> Asset:
    """Render into the scratch dir (swept when this process dies), then move into the store."""
    files.scratch.mkdir(parents=True, exist_ok=True)
    name = f"{socket.gethostname()}~{os.getpid()}~render-{render.id}-{uuid.uuid4().hex[:8]}"
    output = files.scratch / f"{name}.mp4"
    keep = partial(store_file_asset, uow, files, user_id=render.user_id, provider="render")
    try:
        result = renderer.render(
            job,
            output,
            cache_dir=files.path(f"users/{render.user_id}/render-cache"),
            progress=lambda pct, message: progress(5 + pct * 90 // 100, message),
        )
        progress(96, "Saving the video…")
        thumbnail = None
        if result.thumbnail.is_file():
            thumbnail = keep(kind="image", source=result.thumbnail, mime="image/jpeg")
        return keep(
            kind="video",
            source=result.output,
            mime="video/mp4",
            request={"fps": result.fps, "thumbnail_asset_id": thumbnail.id if thumbnail else None},
            duration=result.duration,
            width=result.width,
            height=result.height,
        )
    finally:
        for leftover in (output, output.with_suffix(".jpg")):
            leftover.unlink(missing_ok=True)


def _earlier_video(
    uow: UnitOfWork, files: FileStore, user_id: int, fingerprint: str
) -> Asset | None:
    """The video of an earlier good render of exactly these inputs, if its file is there."""
    earlier = uow.session.scalars(
        select(Render.output_asset_id)
        .where(
            Render.user_id == user_id,
            Render.input_fingerprint == fingerprint,
            Render.status == JobStatus.SUCCEEDED,
        )
        .order_by(Render.id.desc())
    )
    return next((asset_of(uow, a) for a in earlier if asset_file(uow, files, a) is not None), None)


def _view(
    uow: UnitOfWork, files: FileStore | None, render: Render, job: JobRecord | None
) -> RenderView:
    video = asset_of(uow, render.output_asset_id)
    path = asset_file(uow, files, render.output_asset_id) if files is not None else None
    thumb_id = video.request.get("thumbnail_asset_id") if video is not None else None
    status = render.status
    if job is not None and (job.status in ACTIVE or status in ACTIVE):
        status = job.status  # queued again, or it ended without running (canceled, lost)
    return RenderView(
        id=render.id,
        status=status.value,
        created_at=render.created_at,
        settings=_settings(render.settings),
        job=job_view(job) if job is not None else None,
        video=path,
        thumbnail=asset_file(uow, files, thumb_id) if files is not None and thumb_id else None,
        size=video.size if video is not None else None,
        duration=video.duration if video is not None else None,
        width=video.width if video is not None else None,
        height=video.height if video is not None else None,
    )


def _settings(raw: dict[str, Any] | None) -> ExportSettings:
    """Stored settings; the defaults where they no longer fit (an older app version)."""
    try:
        return ExportSettings.model_validate(raw or {})
    except ValidationError:
        return ExportSettings()


def _jobs(uow: UnitOfWork, render_ids: list[int]) -> dict[int, JobRecord]:
    """Render id → its latest job."""
    rows = uow.session.scalars(
        select(JobRecord)
        .where(JobRecord.target_type == "render", JobRecord.target_id.in_(render_ids))
        .order_by(JobRecord.id)
    )
    return {row.target_id: row for row in rows}  # ascending ids: the latest wins


def _active_job(uow: UnitOfWork, user_id: int, script_id: int) -> JobRecord | None:
    return uow.session.scalar(
        select(JobRecord)
        .join(Render, Render.id == JobRecord.target_id)
        .where(
            JobRecord.user_id == user_id,
            JobRecord.target_type == "render",
            JobRecord.status.in_(ACTIVE),
            Render.script_id == script_id,
        )
        .limit(1)
    )


def _finalized(uow: UnitOfWork, script_id: int, user_id: int) -> Script:
    script = load_owned(uow, Script, script_id, user_id, "Script")
    if script.status != ScriptStatus.FINALIZED:
        raise InvalidInput("Finalize the script first: the video is made from its screens.")
    return script
