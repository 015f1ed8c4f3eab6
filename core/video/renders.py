"""The video of a script: queue a render, the worker side, and the renders made so far.

A render is refused before it is queued while any screen lacks its image or voice-over,
when the video would be too long, or when the disk has no room. The render row and its
job are written in one transaction, and the job takes the script's render lock: two
clicks, two tabs or two people queue one render. Every render gets its own row and the
video is a content-addressed asset, so a failed or newer render never touches an earlier
good video. A render that ffmpeg refuses fails once (RenderFailed is not retried).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select

from core import access
from core.access import Action
from core.accounts.preferences import preferences_of
from core.errors import InvalidInput
from core.media.assets import Facts, asset_file, store_file_asset
from core.media.files import FileStore
from core.render.spec import ExportSettings, RenderInput
from core.settings import Settings
from core.tasks.kinds import ProgressFn, Task
from core.tasks.queue import TaskQueue
from core.tasks.records import ACTIVE, JobView, add_task, enqueue_task, job_view
from core.uow import UnitOfWork
from core.video.inputs import check_video, fingerprint, render_input
from core.workspaces.styles import workspace_style
from db.models import Asset, JobRecord, JobStatus, Render, Script, ScriptStatus

KIND = "script.render"


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
    *,
    uow: UnitOfWork,
    queue: TaskQueue,
    files: FileStore,
    studio: Settings,
    user_id: int,
    script_id: int,
    export: ExportSettings,
) -> RenderView:
    """Queue the video of a finalized script whose screens all have their image and voice."""
    with uow:
        check_video(
            render_input(uow, files, _finalized(uow, script_id, user_id), export), studio, files
        )
    job = queue_render(uow=uow, queue=queue, user_id=user_id, script_id=script_id, settings=export)
    with uow:
        render = access.load(uow, Render, job.target_id, user_id=user_id, action=Action.VIEW)
        return _view(uow, files, render, _jobs(uow, [render.id]).get(render.id))


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
    (batch generate: the media jobs). The job checks the media itself."""
    with uow:
        _finalized(uow, script_id, user_id)
        render = Render(
            user_id=user_id, script_id=script_id, settings=settings.model_dump(mode="json")
        )
        uow.session.add(render)
        uow.session.flush()
        record = add_task(
            uow, user_id=user_id, kind=KIND, target_id=render.id, batch_id=batch_id,
            depends_on=after, scope=f"script:{script_id}",
        )  # fmt: skip
        uow.commit()
        return enqueue_task(uow, queue, record)


def active_render_job(*, uow: UnitOfWork, user_id: int, script_id: int) -> JobView | None:
    """The script's render job that is queued or running, if any."""
    with uow:
        access.load(uow, Script, script_id, user_id=user_id, action=Action.VIEW)
        job = uow.session.scalar(
            select(JobRecord)
            .join(Render, Render.id == JobRecord.target_id)
            .where(
                JobRecord.target_type == "render",
                JobRecord.status.in_(ACTIVE),
                Render.script_id == script_id,
            )
            .limit(1)
        )
        return job_view(job) if job is not None else None


def list_renders(
    *, uow: UnitOfWork, files: FileStore, user_id: int, script_id: int
) -> list[RenderView]:
    """The script's renders, newest first."""
    with uow:
        access.load(uow, Script, script_id, user_id=user_id, action=Action.VIEW)
        rows = list(
            uow.session.scalars(
                select(Render)
                .where(Render.script_id == script_id)
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
    """The script's last render settings (else the user's caption defaults), in the
    workspace's aspect."""
    with uow:
        script = access.load(uow, Script, script_id, user_id=user_id, action=Action.VIEW)
        aspect = workspace_style(uow, script.workspace).aspect
        last = uow.session.scalar(
            select(Render.settings).where(Render.script_id == script_id).order_by(Render.id.desc())
        )
        captions = preferences_of(uow, user_id).captions
    start = _settings(last) if last else ExportSettings(captions=captions)
    return start.model_copy(update={"aspect": aspect})


def render_video_body(task: Task) -> str:
    """Worker side of script.render: the MP4 and its thumbnail become assets of the render."""
    uow = task.uow
    render = uow.session.get(Render, task.record.target_id)
    if render is None:
        raise task.gone("render")
    render.status = JobStatus.RUNNING
    uow.commit()
    try:
        return _render(task, render)
    except Exception:
        uow.rollback()
        failed = uow.session.get(Render, task.record.target_id)
        if failed is not None:  # earlier good renders are left as they are
            failed.status = JobStatus.FAILED
            uow.commit()
        raise


def _render(task: Task, render: Render) -> str:
    uow, files, renderer = task.uow, task.services.files, task.services.renderer()
    script = uow.session.get(Script, render.script_id)
    if script is None:
        raise task.gone("script")
    task.progress(2, "Gathering the screens…")
    try:
        settings = ExportSettings.model_validate(render.settings)
    except ValidationError as exc:
        raise InvalidInput("This render's settings are no longer valid: render again.") from exc
    job = render_input(uow, files, script, settings)
    check_video(job, task.services.settings, files)
    key = fingerprint(renderer, job)
    video = _earlier_video(uow, files, script.id, key)
    if video is None:
        video = render_to_asset(task, job, script.workspace_id, "render", thumbnail=True)
    render.status, render.output_asset_id = JobStatus.SUCCEEDED, video.id
    render.input_fingerprint = key
    uow.commit()
    return f"Video ready: {video.duration or 0:.0f} s at {video.width}×{video.height}"


def render_to_asset(
    task: Task, job: RenderInput, workspace_id: int, provider: str, *, thumbnail: bool
) -> Asset:
    """Render into the scratch dir (swept when this process dies), then move the MP4 (and
    its thumbnail) into the workspace's store; the caller commits."""
    uow, files, progress = task.uow, task.services.files, task.progress
    output = files.scratch_file(provider, ".mp4")

    def keep(source: Path, facts: Facts) -> Asset:
        return store_file_asset(uow, files, workspace_id=workspace_id, source=source, facts=facts)

    try:
        result = task.services.renderer().render(
            job,
            output,
            cache_dir=files.workspace_dir(workspace_id) / "render-cache",
            progress=_scaled(progress),
        )
        progress(96, "Saving the video…")
        thumb = None
        if thumbnail and result.thumbnail.is_file():
            thumb = keep(result.thumbnail, Facts("image", "image/jpeg", provider))
        made = {"fps": result.fps, "thumbnail_asset_id": thumb.id if thumb else None}
        return keep(
            result.output,
            Facts("video", "video/mp4", provider, made, duration=result.duration,
                  width=result.width, height=result.height),
        )  # fmt: skip
    finally:
        for leftover in (output, output.with_suffix(".jpg")):
            leftover.unlink(missing_ok=True)


def _scaled(progress: ProgressFn) -> ProgressFn:
    """The renderer's 0–100 as 5–95 of the job (gathering before, saving after)."""
    return lambda pct, message: progress(5 + pct * 90 // 100, message)


def _earlier_video(
    uow: UnitOfWork, files: FileStore, script_id: int, fingerprint: str
) -> Asset | None:
    """The video of an earlier good render of exactly these inputs, if its file is there."""
    earlier = uow.session.scalars(
        select(Render.output_asset_id)
        .where(
            Render.script_id == script_id,
            Render.input_fingerprint == fingerprint,
            Render.status == JobStatus.SUCCEEDED,
        )
        .order_by(Render.id.desc())
    )
    found = next((a for a in earlier if asset_file(uow, files, a) is not None), None)
    return uow.session.get(Asset, found) if found is not None else None


def _view(uow: UnitOfWork, files: FileStore, render: Render, job: JobRecord | None) -> RenderView:
    video = uow.session.get(Asset, render.output_asset_id) if render.output_asset_id else None
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
        video=asset_file(uow, files, render.output_asset_id),
        thumbnail=asset_file(uow, files, thumb_id) if thumb_id else None,
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


def _finalized(uow: UnitOfWork, script_id: int, user_id: int) -> Script:
    script = access.load(uow, Script, script_id, user_id=user_id, action=Action.RUN)
    if script.status != ScriptStatus.FINALIZED:
        raise InvalidInput("Finalize the script first: the video is made from its screens.")
    return script
