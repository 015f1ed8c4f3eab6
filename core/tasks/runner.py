"""Running one attempt of a job: the record goes queued → running → succeeded or failed,
and a failure becomes a message the user can act on.

    what went wrong                         the record                  RQ retries it?
    a provider fault that passes (429, 5xx) "Retrying soon: …"          yes, while attempts
    anything else from core (bad key, bad   failed, with the message    no
      input, ffmpeg refusing the input)
    an unexpected error (a Redis blip)      "Retrying soon: …"          yes, while attempts
      … of a paid kind, answer not kept     failed: "press Retry"       no (it may have paid)
    the job's timeout                       failed: "took longer …"     only if its answer is kept

A vendor's answer is kept before anything else can fail (core/tasks/answers.py), so a
later attempt of a paid kind reuses it instead of paying again. Progress is written in
its own short transaction and never commits the body's session. Once a job has ended
(not when it will be retried), core/notifications/job_events.py tells its user what that
means to them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from rq.timeouts import BaseTimeoutException
from sqlalchemy import update

from core.errors import NotFound, ProviderError, StudioError
from core.notifications.job_events import tell_job_ended
from core.tasks.kinds import ProgressFn, Task, TaskKind
from core.tasks.queue import current_job_id
from core.tasks.records import TERMINAL, set_status
from core.uow import UnitOfWork
from db.models import JobRecord, JobStatus

if TYPE_CHECKING:
    from core.bootstrap import Services

log = logging.getLogger(__name__)


def run_task(
    *,
    services: Services,
    kind: TaskKind,
    record_id: int,
    attempts_left: int = 0,
    attempt_id: str | None = None,
) -> None:
    """Run one attempt of the job record `record_id`; re-raise only what RQ should retry.

    `attempt_id` is the queue's job id (default: the current RQ job's): an attempt the user
    has since replaced with a retry does nothing."""
    attempt = attempt_id if attempt_id is not None else current_job_id()
    with services.uow() as uow:
        record = uow.session.get(JobRecord, record_id)
        if record is None:
            raise NotFound(f"Job record #{record_id} is gone (its target was deleted).")
        if not _should_run(record, attempt):
            return  # canceled, done by an earlier attempt, or superseded: idempotent
        record.status, record.progress, record.error = JobStatus.RUNNING, 0, ""
        record.message, record.attempts = "Started", record.attempts + 1
        uow.commit()
        task = Task(kind, record, uow, services, _progress(services, record_id), attempt or "")
        try:
            done = kind.body(task)
        except ProviderError as exc:
            retry = exc.retryable and attempts_left > 0
            _finish(
                services, uow, record, JobStatus.QUEUED if retry else JobStatus.FAILED, str(exc)
            )
            if retry:
                raise
        except StudioError as exc:
            _finish(services, uow, record, JobStatus.FAILED, str(exc))
        except Exception as exc:
            free = not kind.paid or services.answers.has(record_id)  # a retry pays nothing
            retry = attempts_left > 0 and free
            _finish(
                services,
                uow,
                record,
                JobStatus.QUEUED if retry else JobStatus.FAILED,
                _why(kind, exc, retry),
            )
            if retry or attempts_left == 0:
                raise  # RQ keeps the traceback, and retries only while attempts are left
            log.exception("%s #%d failed; not retried: it may have been paid", kind.name, record_id)
        else:
            services.answers.clear(record_id)
            _finish(services, uow, record, JobStatus.SUCCEEDED, done)


def _why(kind: TaskKind, exc: Exception, retrying: bool) -> str:
    if isinstance(exc, BaseTimeoutException):
        what = f"{kind.label} took longer than {kind.timeout} s and was stopped"
    else:
        what = f"Unexpected error: {type(exc).__name__}"
    return what if retrying else f"{what}; press Retry."


def _progress(services: Services, record_id: int) -> ProgressFn:
    """Progress in a transaction of its own, so the body's unfinished work stays its own."""

    def write(pct: int, message: str) -> None:
        with services.uow() as uow:
            uow.session.execute(
                update(JobRecord)
                .where(JobRecord.id == record_id, JobRecord.status == JobStatus.RUNNING)
                .values(progress=max(0, min(100, pct)), message=message[:300])
            )
            uow.commit()

    return write


def _should_run(record: JobRecord, attempt: str | None) -> bool:
    if attempt and record.rq_job_id and attempt != record.rq_job_id:
        return False  # the user retried meanwhile: the newer attempt owns the record
    if record.status == JobStatus.FAILED:  # RQ (or an admin) is re-running this very attempt
        return bool(attempt) and attempt == record.rq_job_id
    return record.status not in TERMINAL


def _finish(
    services: Services, uow: UnitOfWork, record: JobRecord, status: JobStatus, message: str
) -> None:
    uow.rollback()  # whatever the body left uncommitted
    record_id = record.id
    if record.status == JobStatus.CANCELED:  # the user canceled meanwhile: keep that
        return
    if status == JobStatus.SUCCEEDED:
        set_status(record, status, message)
        record.progress, record.error = 100, ""
    elif status == JobStatus.QUEUED:
        set_status(record, status, f"Retrying soon: {message}")
        record.error = message
    else:
        set_status(record, status, "Failed")
        record.error = message
    uow.commit()
    if status != JobStatus.QUEUED:
        tell_job_ended(uow_factory=services.uow, mailer=services.mailer, record_id=record_id)
