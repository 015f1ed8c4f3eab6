"""The work in progress, for the dashboard: the user's queued and running jobs, and those
that ended a few minutes ago, gathered per step ("Drawing the image, 7/12") with the script
each is for. One query, whatever the number of jobs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, or_, select

from core import access
from core.tasks.kinds import kind_of
from core.tasks.records import ACTIVE
from core.uow import UnitOfWork
from db.models import JobRecord, JobStatus, Render, Screen, Script

RECENT = timedelta(minutes=10)  # ended jobs stay listed this long
MAX_JOBS = 300
PAGE_OF = {"script": "script", "screen": "screens", "render": "video"}  # a target's page


@dataclass(frozen=True)
class Work:
    """One job, or the jobs of one kind that one batch queued."""

    label: str  # "Drawing the image"
    script_id: int | None  # None when its script was deleted
    script_title: str
    page: str  # where to follow it: "script", "screens" or "video"
    status: str  # queued, running (any is), failed (any did), canceled, succeeded
    total: int
    ended: int
    progress: int  # 0–100 for the whole group
    message: str  # the running job's own words, or "7/12 finished"

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")


def current_work(*, uow: UnitOfWork, user_id: int, now: datetime | None = None) -> list[Work]:
    """The jobs running or queued, and those that ended in the last RECENT: running first."""
    since = (now or datetime.now(UTC)) - RECENT
    current = or_(JobRecord.status.in_(ACTIVE), JobRecord.updated_at >= since)
    # A batch is shown whole while any of its jobs is: "Drawing the image, 12/12", not "4/4".
    batches = select(JobRecord.batch_id).where(
        access.visible(JobRecord, user_id), current, JobRecord.batch_id != ""
    )
    script_id = case(
        (JobRecord.target_type == "script", JobRecord.target_id),
        (JobRecord.target_type == "screen", Screen.script_id),
        (JobRecord.target_type == "render", Render.script_id),
    )
    with uow:
        rows = uow.session.execute(
            select(JobRecord, Script.id, Script.title)
            .outerjoin(Screen, and_(
                JobRecord.target_type == "screen", Screen.id == JobRecord.target_id
            ))
            .outerjoin(Render, and_(
                JobRecord.target_type == "render", Render.id == JobRecord.target_id
            ))
            .outerjoin(Script, Script.id == script_id)
            .where(
                access.visible(JobRecord, user_id),
                or_(current, JobRecord.batch_id.in_(batches)),
            )
            .order_by(JobRecord.id.desc())
            .limit(MAX_JOBS)
        ).all()  # fmt: skip
        groups: dict[tuple[str, str], list[Any]] = {}
        for record, found_id, title in rows:
            key = (record.batch_id or f"job {record.id}", record.kind)
            groups.setdefault(key, []).append((record, found_id, title))
        work = [_work(group) for group in groups.values()]
    return sorted(work, key=lambda w: not w.active)  # stable: newest first within each


def _work(group: Sequence[tuple[JobRecord, int | None, str | None]]) -> Work:
    records = [record for record, _, _ in group]
    first, script_id, title = group[0]
    statuses = {r.status for r in records}
    ended = sum(r.status not in ACTIVE for r in records)
    progress = sum(100 if r.status not in ACTIVE else r.progress for r in records)
    status = next(
        (s for s in (JobStatus.RUNNING, JobStatus.QUEUED, JobStatus.FAILED, JobStatus.CANCELED)
         if s in statuses),
        JobStatus.SUCCEEDED,
    )  # fmt: skip
    if len(records) == 1:
        message = first.error if status == JobStatus.FAILED else first.message
    else:
        failed = sum(r.status == JobStatus.FAILED for r in records)
        message = f"{ended}/{len(records)} finished" + (f", {failed} failed" if failed else "")
    try:
        label = kind_of(first.kind).label
    except KeyError:  # a kind an older version of the app queued
        label = first.kind
    return Work(
        label=label, script_id=script_id, script_title=title or "", status=status.value,
        page=PAGE_OF.get(first.target_type, "script"), total=len(records), ended=ended,
        progress=max(0, min(100, progress // len(records))), message=message,
    )  # fmt: skip
