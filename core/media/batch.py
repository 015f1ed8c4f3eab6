"""Batch generate: queue every missing image and voice-over of a script, and report progress
per section ("Images 7/12") and per screen, from the database so it survives a reload.

A screen's image or voice counts as done only when its file is there (the has-media rule
of core/media/screen.py): one whose file went missing is generated again.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from core import access
from core.access import Action
from core.errors import InvalidInput
from core.media.files import FileStore
from core.media.generate import request_image, request_voice
from core.media.screen import ScreenView, screen_view, screens_of
from core.render.spec import ExportSettings
from core.tasks.limits import ensure_within_rate
from core.tasks.queue import TaskQueue
from core.tasks.records import JobView, job_view, retry_task
from core.uow import UnitOfWork
from core.video import renders
from db.models import JobRecord, JobStatus, Script, ScriptStatus

KIND_OF = {"image": "screen.image", "voice": "screen.voice"}


@dataclass(frozen=True)
class ScreenProgress:
    screen: ScreenView
    image: str  # "done", "queued", "running", "failed", "missing"
    voice: str
    image_job: JobView | None
    voice_job: JobView | None

    def job(self, part: str) -> JobView | None:
        return self.image_job if part == "image" else self.voice_job


@dataclass(frozen=True)
class MediaProgress:
    screens: list[ScreenProgress]

    def done(self, part: str) -> int:
        return sum(1 for s in self.screens if getattr(s, part) == "done")

    def failed(self, part: str) -> int:
        return sum(1 for s in self.screens if getattr(s, part) == "failed")

    @property
    def total(self) -> int:
        return len(self.screens)

    @property
    def active(self) -> bool:
        return bool(self.jobs("queued", "running"))

    def jobs(self, *states: str) -> list[JobView]:
        """The screens' latest image and voice jobs whose screen part is in `states`."""
        return [
            job
            for s in self.screens
            for part in KIND_OF
            if getattr(s, part) in states and (job := s.job(part)) is not None
        ]

    def percent(self, part: str) -> int:
        """Finished screens plus the running ones' own progress, as a share of all."""
        if not self.screens:
            return 0
        total = 0.0
        for s in self.screens:
            job, state = s.job(part), getattr(s, part)
            total += (
                1 if state == "done" else (job.progress / 100 if state == "running" and job else 0)
            )
        return round(100 * total / len(self.screens))


def request_batch(
    *,
    uow: UnitOfWork,
    queue: TaskQueue,
    files: FileStore,
    user_id: int,
    script_id: int,
    with_video: bool = False,
    settings: ExportSettings | None = None,
) -> list[JobView]:
    """Queue every image and voice-over the script's screens are missing (none twice);
    `with_video` then queues the render, to start when they (and any already running) end."""
    progress = media_progress(uow=uow, files=files, user_id=user_id, script_id=script_id)
    todo = [
        (part, s.screen.id)
        for part in KIND_OF
        for s in progress.screens
        if getattr(s, part) in ("missing", "failed")
    ]
    video = (
        with_video
        and renders.active_render_job(uow=uow, user_id=user_id, script_id=script_id) is None
    )
    if not todo and not video:
        return []
    with uow:
        ensure_within_rate(uow, user_id, len(todo) + video)
    batch_id = uuid.uuid4().hex
    request = {"image": request_image, "voice": request_voice}
    jobs = [
        request[part](uow=uow, queue=queue, user_id=user_id, screen_id=screen_id, batch_id=batch_id)
        for part, screen_id in todo
    ]
    if video:
        after = [job.id for job in jobs] + [job.id for job in progress.jobs("queued", "running")]
        settings = settings or renders.default_export_settings(
            uow=uow, user_id=user_id, script_id=script_id
        )
        jobs.append(
            renders.queue_render(
                uow=uow,
                queue=queue,
                user_id=user_id,
                script_id=script_id,
                settings=settings,
                after=after,
                batch_id=batch_id,
            )
        )
    return jobs


def retry_failed_media(
    *, uow: UnitOfWork, queue: TaskQueue, files: FileStore, user_id: int, script_id: int
) -> list[JobView]:
    """Queue again every failed image and voice-over job of the script's screens."""
    progress = media_progress(uow=uow, files=files, user_id=user_id, script_id=script_id)
    return [
        retry_task(uow=uow, queue=queue, user_id=user_id, job_id=job.id)
        for job in progress.jobs("failed")
    ]


def media_progress(
    *, uow: UnitOfWork, files: FileStore, user_id: int, script_id: int
) -> MediaProgress:
    """Where every screen's image and voice-over stands."""
    with uow:
        script = access.load(uow, Script, script_id, user_id=user_id, action=Action.VIEW)
        if script.status != ScriptStatus.FINALIZED:
            raise InvalidInput(
                "Finalize the script first: its screens are made from a frozen version."
            )
        screens = [screen_view(uow, files, s) for s in screens_of(uow, script_id)]
        latest = _latest_jobs(uow, [s.id for s in screens])
        return MediaProgress(
            screens=[
                ScreenProgress(
                    screen=s,
                    image=_state(s.image is not None, latest.get(("screen.image", s.id))),
                    voice=_state(s.audio is not None, latest.get(("screen.voice", s.id))),
                    image_job=_view(latest.get(("screen.image", s.id))),
                    voice_job=_view(latest.get(("screen.voice", s.id))),
                )
                for s in screens
            ]
        )


def _latest_jobs(uow: UnitOfWork, screen_ids: list[int]) -> dict[tuple[str, int], JobRecord]:
    latest: dict[tuple[str, int], JobRecord] = {}
    if not screen_ids:
        return latest
    rows = uow.session.scalars(
        select(JobRecord)
        .where(JobRecord.target_type == "screen", JobRecord.target_id.in_(screen_ids))
        .order_by(JobRecord.id)
    )
    for row in rows:
        latest[(row.kind, row.target_id)] = row  # ascending ids: the last one wins
    return latest


def _state(present: bool, job: JobRecord | None) -> str:
    if job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        return job.status.value
    if present:
        return "done"
    if job is not None and job.status == JobStatus.FAILED:
        return "failed"
    return "missing"


def _view(job: JobRecord | None) -> JobView | None:
    return job_view(job) if job is not None else None
