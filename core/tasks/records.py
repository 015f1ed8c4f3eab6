"""Job records: the database mirror of every queued job.

A page submits work with `submit_task` (or `add_task` + `enqueue_task`, to write the
record in the same transaction as the row it is for): the record exists, and an
exclusive kind's lock is taken, before the queue sees its id. The worker runs it with
`core.tasks.runner.run_task`. The user cancels with `cancel_task` and retries a failed or
canceled job with `retry_task`, which queues a new attempt (a new RQ job id) for the same
record. `core.tasks.reconcile` settles records whose RQ job died with its worker.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from core import access
from core.access import Action
from core.errors import Conflict, ProviderError
from core.tasks.kinds import TaskKind, kind_of
from core.tasks.limits import ensure_within_rate
from core.tasks.queue import TaskQueue
from core.tasks.targets import target_names
from core.uow import UnitOfWork
from db.models import JobRecord, JobStatus

TERMINAL = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED)
RETRYABLE = (JobStatus.FAILED, JobStatus.CANCELED)
ACTIVE = (JobStatus.QUEUED, JobStatus.RUNNING)
WAITING = "Waiting for a worker…"
WAITING_FOR_STEPS = "Waiting for the steps before it to finish…"
AFTER = "after"  # params key: the job record ids a job waits for


class JobView(BaseModel):
    id: int
    kind: str
    label: str  # "Drawing the image"
    target_type: str
    target_id: int
    status: str
    progress: int
    message: str
    error: str
    attempts: int
    created_at: datetime
    target_name: str | None = None  # “Octopus minds” · screen 3 (None: gone, or not asked)

    @property
    def active(self) -> bool:
        return self.status in ("queued", "running")


def submit_task(
    *,
    uow: UnitOfWork,
    queue: TaskQueue,
    user_id: int,
    kind: str,
    target_id: int,
    params: dict[str, Any] | None = None,
    batch_id: str = "",
    depends_on: list[int] | None = None,
) -> JobView:
    """Record a job and queue it, to start once the `depends_on` job records have ended."""
    with uow:
        record = add_task(
            uow, user_id=user_id, kind=kind, target_id=target_id, params=params,
            batch_id=batch_id, depends_on=depends_on,
        )  # fmt: skip
        uow.commit()
        return enqueue_task(uow, queue, record)


def add_task(
    uow: UnitOfWork,
    *,
    user_id: int,
    kind: str,
    target_id: int,
    params: dict[str, Any] | None = None,
    batch_id: str = "",
    depends_on: list[int] | None = None,
    scope: str = "",
) -> JobRecord:
    """Write a job record in the caller's transaction (nothing is queued yet). An exclusive
    kind takes its lock on `scope` (default: its target): Conflict if a job holds it."""
    spec = kind_of(kind)
    after = list(depends_on or [])
    ensure_within_rate(uow, user_id)
    record = JobRecord(
        user_id=user_id,
        kind=kind,
        target_type=spec.target,
        target_id=target_id,
        params={
            **(params or {}),
            **({AFTER: after} if after else {}),
            **({"scope": scope} if scope else {}),
        },
        batch_id=batch_id,
        message=WAITING_FOR_STEPS if after else WAITING,
        lock=lock_name(spec, scope or f"{spec.target}:{target_id}"),
    )
    uow.session.add(record)
    _flush_lock(uow, spec)
    return record


def enqueue_task(uow: UnitOfWork, queue: TaskQueue, record: JobRecord) -> JobView:
    """Hand a committed record to the queue; if the queue is down, the record says so."""
    after = _queue_ids(uow, record.user_id, list(record.params.get(AFTER) or []))
    try:
        # Only jobs that wait pass `depends_on`: queues written before it existed still work.
        extra = {"depends_on": after} if after else {}
        record.rq_job_id = queue.enqueue(kind_of(record.kind), record.id, **extra)
    except ProviderError as exc:
        set_status(record, JobStatus.FAILED, "Failed")
        record.error = str(exc)
        uow.commit()
        raise
    uow.commit()
    return job_view(record)


def lock_name(kind: TaskKind, scope: str) -> str | None:
    """The lock an exclusive kind's active job holds, e.g. "script.render:script:12"."""
    return f"{kind.name}:{scope}" if kind.exclusive else None


def set_status(record: JobRecord, status: JobStatus, message: str) -> None:
    """Move a record to `status`; an ended job lets go of its lock."""
    record.status, record.message = status, message[:300]
    if status in TERMINAL:
        record.lock = None


def get_job(*, uow: UnitOfWork, user_id: int, job_id: int) -> JobView:
    with uow:
        return job_view(access.load(uow, JobRecord, job_id, user_id=user_id, action=Action.VIEW))


def list_jobs(
    *, uow: UnitOfWork, user_id: int, target_type: str = "", target_id: int | None = None
) -> list[JobView]:
    """The jobs the user may see, newest first, optionally for one target."""
    with uow:
        query = select(JobRecord).where(access.visible(JobRecord, user_id))
        if target_type:
            query = query.where(JobRecord.target_type == target_type)
        if target_id is not None:
            query = query.where(JobRecord.target_id == target_id)
        rows = list(uow.session.scalars(query.order_by(JobRecord.id.desc()).limit(200)))
        names = target_names(uow, rows)
        return [
            job_view(r).model_copy(update={"target_name": names.get((r.target_type, r.target_id))})
            for r in rows
        ]


def cancel_task(*, uow: UnitOfWork, queue: TaskQueue, user_id: int, job_id: int) -> JobView:
    """Cancel a queued or running job, and the jobs waiting for it."""
    with uow:
        record = access.load(uow, JobRecord, job_id, user_id=user_id, action=Action.RUN)
        if record.status not in TERMINAL:
            cancel_records(uow, queue, [record, *_waiting_for(uow, record)])
            uow.commit()
        return job_view(record)


def cancel_records(uow: UnitOfWork, queue: TaskQueue, records: list[JobRecord]) -> None:
    """Stop the records' RQ jobs and mark them canceled (in the caller's transaction)."""
    for row in records:
        if row.status not in TERMINAL:
            queue.cancel(row.rq_job_id)
            set_status(row, JobStatus.CANCELED, "Canceled")


def stop_jobs(
    uow: UnitOfWork, queue: TaskQueue, targets: dict[str, list[int]], wait_s: float = 30
) -> None:
    """Cancel every queued or running job on these targets ({"screen": [ids], ...}), and
    wait (up to `wait_s`) until a worker has stopped the running ones: then none of them
    writes anything after its targets are deleted."""
    with uow:
        found = [
            row
            for target_type, ids in targets.items()
            if ids
            for row in uow.session.scalars(
                select(JobRecord).where(
                    JobRecord.target_type == target_type,
                    JobRecord.target_id.in_(ids),
                    JobRecord.status.in_(ACTIVE),
                )
            )
        ]
        running = [row.rq_job_id for row in found if row.status == JobStatus.RUNNING]
        cancel_records(uow, queue, found)
        uow.commit()
    deadline = time.monotonic() + wait_s
    while running and time.monotonic() < deadline:
        running = [job_id for job_id in running if queue.is_running(job_id)]
        if running:
            time.sleep(0.2)


def _waiting_for(uow: UnitOfWork, record: JobRecord) -> list[JobRecord]:
    """Active jobs of the same batch that wait for this one: RQ releases a waiting job when
    a step succeeds or fails, never when it is canceled, so it would wait forever."""
    if not record.batch_id:
        return []
    rows = uow.session.scalars(
        select(JobRecord).where(
            JobRecord.batch_id == record.batch_id,
            JobRecord.id != record.id,
            JobRecord.status.not_in(TERMINAL),
        )
    )
    return [row for row in rows if record.id in (row.params.get(AFTER) or [])]


def retry_task(*, uow: UnitOfWork, queue: TaskQueue, user_id: int, job_id: int) -> JobView:
    """Queue a failed or canceled job again, as a new attempt."""
    with uow:
        record = access.load(uow, JobRecord, job_id, user_id=user_id, action=Action.RUN)
        if record.status not in RETRYABLE:
            raise Conflict(
                f"This job is {record.status.value}; only a failed or canceled job can be retried."
            )
        if _has_newer_job(uow, record):
            raise Conflict("A newer job for the same item exists; retry that one instead.")
        ensure_within_rate(uow, user_id)
        spec = kind_of(record.kind)
        # No RQ id until the new one is known: the old attempt no longer owns the record,
        # and the new one may start before its id is committed (run_task accepts "").
        record.status, record.progress, record.error = JobStatus.QUEUED, 0, ""
        record.message, record.rq_job_id = WAITING, ""
        record.lock = lock_name(spec, _scope(record))
        _flush_lock(uow, spec)
        uow.commit()
        return enqueue_task(uow, queue, record)


def _scope(record: JobRecord) -> str:
    return str(record.params.get("scope") or f"{record.target_type}:{record.target_id}")


def _flush_lock(uow: UnitOfWork, kind: TaskKind) -> None:
    try:
        uow.session.flush()
    except IntegrityError as exc:  # another job of this kind holds the target's lock
        uow.rollback()
        raise Conflict(
            f"{kind.label} is already queued or running for this {kind.target}: "
            "wait for it, or cancel it."
        ) from exc


def _has_newer_job(uow: UnitOfWork, record: JobRecord) -> bool:
    """True when the same work on the same item was submitted again after this job."""
    newer = select(JobRecord.id).where(
        JobRecord.kind == record.kind,
        JobRecord.target_type == record.target_type,
        JobRecord.target_id == record.target_id,
        JobRecord.id > record.id,
    )
    return uow.session.scalar(newer.limit(1)) is not None


def _queue_ids(uow: UnitOfWork, user_id: int, record_ids: list[int]) -> list[str]:
    """The queue job ids of the records the user may see that have not ended yet."""
    if not record_ids:
        return []
    rows = uow.session.scalars(
        select(JobRecord.rq_job_id).where(
            access.visible(JobRecord, user_id),
            JobRecord.id.in_(record_ids),
            JobRecord.status.not_in(TERMINAL),
            JobRecord.rq_job_id != "",
        )
    )
    return list(rows)


def job_view(record: JobRecord) -> JobView:
    try:
        label = kind_of(record.kind).label
    except KeyError:  # a kind an older version of the app queued
        label = record.kind
    return JobView(
        id=record.id,
        kind=record.kind,
        label=label,
        target_type=record.target_type,
        target_id=record.target_id,
        status=record.status.value,
        progress=record.progress,
        message=record.message,
        error=record.error,
        attempts=record.attempts,
        created_at=record.created_at,
    )
