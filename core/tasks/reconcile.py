"""Settle job records whose RQ job is over while the record still says queued/running.

`run_task` writes every end a job reaches by itself. It cannot write the end of a
job that never reached one: its worker was SIGKILLed, the machine went down, Redis
lost the job, or the enqueue never happened. RQ notices an abandoned job in a
maintenance pass (`StartedJobRegistry.cleanup`: retried while retries are left,
else moved to the failed registry); `reconcile_jobs` then compares every active
record with its RQ job:

    RQ job of the record                 record becomes
    gone (NoSuchJobError)                failed, LOST ("press Retry")
    failed / stopped                     failed, LOST
    canceled                             canceled
    finished over FINISHED_GRACE ago     failed, LOST (run_task never wrote its end)
    started by a worker that is gone    queued, RETRYING (RQ retries it once its
      (this host: its pid is dead;        entry expires), or failed, LOST without
      elsewhere: its key expired)         retries left: said at once, not in ~70 s
    queued, scheduled, started, …        unchanged: alive, or RQ will retry/expire it
    none, ENQUEUE_GRACE after the update failed, LOST (the enqueue never happened)

Every change is one UPDATE conditional on the (id, status, rq_job_id) that was read,
so running this twice, or from several workers at once, changes a record at most
once and never overwrites what a job or the user wrote in between. Whoever changed it
tells the user (core/notifications/job_events.py), as `run_task` does for jobs that end.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from redis import Redis
from rq import Worker
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job
from rq.job import JobStatus as RQStatus
from sqlalchemy import CursorResult, select, update

from core.notifications.job_events import tell_job_ended
from core.notifications.mailer import Mailer
from core.tasks.records import ACTIVE
from core.uow import UnitOfWork
from db.models import JobRecord, JobStatus

LOST = "The worker stopped while this job was running (or the job was lost); press Retry."
RETRYING = "Worker lost; retrying…"
FINISHED_GRACE = timedelta(minutes=5)
ENQUEUE_GRACE = timedelta(minutes=2)


@dataclass(frozen=True)
class _Seen:
    id: int
    status: JobStatus
    rq_job_id: str
    updated_at: datetime


def reconcile_jobs(
    *, uow_factory: Callable[[], UnitOfWork], connection: Redis, mailer: Mailer | None = None
) -> int:
    """Settle the active job records whose RQ job is over or gone, and tell their users;
    return how many changed."""
    with uow_factory() as uow:
        columns = (JobRecord.id, JobRecord.status, JobRecord.rq_job_id, JobRecord.updated_at)
        rows = uow.session.execute(select(*columns).where(JobRecord.status.in_(ACTIVE))).all()
    fixed = 0
    for seen in (_Seen(*row) for row in rows):
        # Redis is read after the record: a verdict rests on a newer RQ state, never an older one.
        verdict = _verdict(seen, connection)
        if verdict is not None and _settle(uow_factory, seen, verdict):
            tell_job_ended(uow_factory=uow_factory, mailer=mailer, record_id=seen.id)
            fixed += 1
    return fixed


def _verdict(seen: _Seen, connection: Redis) -> JobStatus | None:
    """What the record should say now, or None to leave it as it is."""
    now = datetime.now(UTC)
    if not seen.rq_job_id:
        return JobStatus.FAILED if now - _aware(seen.updated_at) > ENQUEUE_GRACE else None
    try:
        job = Job.fetch(seen.rq_job_id, connection=connection)
        status = job.get_status(refresh=False)
    except (NoSuchJobError, InvalidJobOperation):
        return JobStatus.FAILED
    if status == RQStatus.CANCELED:
        return JobStatus.CANCELED
    if status in (RQStatus.FAILED, RQStatus.STOPPED, None):
        return JobStatus.FAILED
    if status == RQStatus.FINISHED:
        ended = job.ended_at
        return JobStatus.FAILED if ended is None or now - _aware(ended) > FINISHED_GRACE else None
    if status == RQStatus.STARTED and seen.status == JobStatus.RUNNING and _worker_gone(job):
        return JobStatus.QUEUED if job.retries_left else JobStatus.FAILED
    return None


def _worker_gone(job: Job) -> bool:
    """Whether the worker running `job` is dead: on this host its process is gone; on
    another, its key (refreshed every heartbeat, jobs/worker.py) has expired."""
    name = job.worker_name
    if not name:
        return False
    worker = Worker.find_by_key(Worker.redis_worker_namespace_prefix + name, job.connection)
    if worker is None:
        return True
    if worker.hostname != socket.gethostname() or not worker.pid:
        return False
    try:
        os.kill(worker.pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:  # alive, under another user
        return False
    return False


def _settle(uow_factory: Callable[[], UnitOfWork], seen: _Seen, status: JobStatus) -> bool:
    canceled = status == JobStatus.CANCELED
    message, error = "Failed", LOST
    if canceled:
        message, error = "Canceled", ""
    elif status == JobStatus.QUEUED:  # RQ will run it again: keep its lock
        message, error = RETRYING, ""
    change = (
        update(JobRecord)
        .where(
            JobRecord.id == seen.id,
            JobRecord.status == seen.status,
            JobRecord.rq_job_id == seen.rq_job_id,
        )
        .values(status=status, message=message, error=error)
    )
    if status != JobStatus.QUEUED:
        change = change.values(lock=None)
    with uow_factory() as uow:
        result = cast("CursorResult[Any]", uow.session.execute(change))
        uow.commit()
    return result.rowcount == 1


def _aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; ours are always UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
