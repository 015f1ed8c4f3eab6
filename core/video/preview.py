"""A quick low-resolution preview of one screen: its picture, motion, captions and voice,
rendered in a few seconds on the render queue."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from core.access import Action
from core.media.assets import asset_file
from core.media.files import FileStore
from core.media.screen import load_screen, require_media, screen_view
from core.render.spec import ExportSettings
from core.tasks.kinds import Task
from core.tasks.queue import TaskQueue
from core.tasks.records import JobView, submit_task
from core.uow import UnitOfWork
from core.video.inputs import render_input
from core.video.renders import render_to_asset
from core.workspaces.styles import workspace_style
from db.models import JobRecord, JobStatus, Screen, Script

KIND = "screen.preview"


def request_preview(
    *, uow: UnitOfWork, queue: TaskQueue, files: FileStore, user_id: int, screen_id: int
) -> JobView:
    """Queue a 720p, cut-only, fast-preset render of one screen (it needs its image and voice)."""
    with uow:
        screen, _ = load_screen(uow, screen_id, user_id=user_id, action=Action.RUN)
        require_media([screen_view(uow, files, screen)])
    return submit_task(uow=uow, queue=queue, user_id=user_id, kind=KIND, target_id=screen_id)


def render_preview_body(task: Task) -> str:
    """Worker side of screen.preview: the clip becomes a video asset named in the record."""
    uow = task.uow
    screen = uow.session.get(Screen, task.record.target_id)
    script = uow.session.get(Script, screen.script_id) if screen is not None else None
    if screen is None or script is None:
        raise task.gone("screen")
    # Validated from a dict: the aspect is a checked preset value, not a literal.
    settings = ExportSettings.model_validate(
        {
            "aspect": workspace_style(uow, script.workspace).aspect,
            "resolution": "720p", "fps": 24, "quality": "small", "preset": "ultrafast",
            "transition": "cut",
        }
    )  # fmt: skip
    job = render_input(uow, task.services.files, script, settings, only_screen=screen.id)
    video = render_to_asset(task, job, script.workspace_id, "preview", thumbnail=False)
    task.record.params = {**task.record.params, "video_asset_id": video.id}
    uow.commit()
    return f"Preview of screen {screen.position + 1} ready"


def latest_preview(
    *, uow: UnitOfWork, files: FileStore, user_id: int, screen_id: int
) -> Path | None:
    """The newest finished preview clip of the screen, if its file is there."""
    with uow:
        load_screen(uow, screen_id, user_id=user_id, action=Action.VIEW)
        records = uow.session.scalars(
            select(JobRecord)
            .where(
                JobRecord.kind == KIND, JobRecord.target_id == screen_id,
                JobRecord.status == JobStatus.SUCCEEDED,
            )
            .order_by(JobRecord.id.desc())
        )  # fmt: skip
        for record in records:
            path = asset_file(uow, files, record.params.get("video_asset_id"))
            if path is not None:
                return path
        return None
