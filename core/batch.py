"""Batch generate: queue every missing image and voice-over of a script, and report progress
per section ("Images 7/12") and per screen, from the database so it survives a reload."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import select

from core import renders
from core.errors import InvalidInput
from core.media import request_image, request_voice
from core.models import JobView
from core.ownership import load_owned
from core.queue import TaskQueue
from core.ratelimit import ensure_within_rate
from core.render.models import ExportSettings
from core.tasks import job_view
from core.uow import UnitOfWork
from db.models import JobRecord, JobStatus, Screen, Script, ScriptStatus

KIND_OF = {"image": "screen.image", "voice": "screen.voice"}


@dataclass(frozen=True)
class ScreenProgress:
    screen_id: int
    position: int
    image: str  # "done", "queued", "running", "failed", "missing"
    voice: str
    image_job: JobView | None
    voice_job: JobView | None


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
        return any(
            state in ("queued", "running") for s in self.screens for state in (s.image, s.voice)
        )

    def percent(self, part: str) -> int:
        """Finished screens plus the running ones' own progress, as a share of all."""
        if not self.screens:
            return 0
        total = 0.0
        for s in self.screens:
            job = s.image_job if part == "image" else s.voice_job
            state = getattr(s, part)
            total += (
                1 if state == "done" else (job.progress / 100 if state == "running" and job else 0)
            )
        return round(100 * total / len(self.screens))


def request_batch(
    *,
    uow: UnitOfWork,
    queue: TaskQueue,
    user_id: int,
    script_id: int,
    with_video: bool = False,
    settings: ExportSettings | None = None,
) -> list[JobView]:
    """Queue every image and voice-over the script's screens are missing (none twice);
    `with_video` then queues the render, to start when they (and any already running) end."""
    progress = media_progress(uow=uow, user_id=user_id, script_id=script_id)
    todo = [
        (part, s.screen_id)
        for part in ("image", "voice")
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
        after = [job.id for job in jobs] + _running_jobs(progress)
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


def _running_jobs(progress: MediaProgress) -> list[int]:
    """The ids of media jobs an earlier batch queued that have not ended yet."""
    return [
        job.id
        for s in progress.screens
        for job in (s.image_job, s.voice_job)
        if job is not None and job.active
    ]


def media_progress(*, uow: UnitOfWork, user_id: int, script_id: int) -> MediaProgress:
    """Where every screen's image and voice-over stands."""
    with uow:
        script = load_owned(uow, Script, script_id, user_id, "Script")
        if script.status != ScriptStatus.FINALIZED:
            raise InvalidInput(
                "Finalize the script first: its screens are made from a frozen version."
            )
        screens = list(
            uow.session.scalars(
                select(Screen).where(Screen.script_id == script_id).order_by(Screen.position)
            )
        )
        latest = _latest_jobs(uow, user_id, [s.id for s in screens])
        return MediaProgress(
            screens=[
                ScreenProgress(
                    screen_id=s.id,
                    position=s.position,
                    image=_state(s.image_asset_id, latest.get(("screen.image", s.id))),
                    voice=_state(s.audio_asset_id, latest.get(("screen.voice", s.id))),
                    image_job=_view(latest.get(("screen.image", s.id))),
                    voice_job=_view(latest.get(("screen.voice", s.id))),
                )
                for s in screens
            ]
        )


def _latest_jobs(
    uow: UnitOfWork, user_id: int, screen_ids: list[int]
) -> dict[tuple[str, int], JobRecord]:
    latest: dict[tuple[str, int], JobRecord] = {}
    if not screen_ids:
        return latest
    rows = uow.session.scalars(
        select(JobRecord)
        .where(
            JobRecord.user_id == user_id,
            JobRecord.target_type == "screen",
            JobRecord.target_id.in_(screen_ids),
        )
        .order_by(JobRecord.id)
    )
    for row in rows:
        latest[(row.kind, row.target_id)] = row  # ascending ids: the last one wins
    return latest


def _state(asset_id: int | None, job: JobRecord | None) -> str:
    if job is not None and job.status in (JobStatus.QUEUED, JobStatus.RUNNING):
        return job.status.value
    if asset_id is not None:
        return "done"
    if job is not None and job.status == JobStatus.FAILED:
        return "failed"
    return "missing"


def _view(job: JobRecord | None) -> JobView | None:
    return job_view(job) if job is not None else None
