"""Job records: the database mirror of every queued job, and the wrapper a job runs in.

A page submits work with `submit_task`; the worker runs `run_task`, which moves
the record through queued → running → succeeded/failed and turns provider
errors into a message the user can act on. Bad keys are never retried by RQ;
the user retries a failed or canceled job with `retry_task` / `retry_failed`,
which queue a new attempt (a new RQ job id) for the same record.
`core.reconcile` settles records whose RQ job died with its worker.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from core.errors import Conflict, InvalidInput, NotFound, ProviderError, StudioError
from core.models import JobView
from core.ownership import load_owned
from core.queue import KINDS, TaskKind, TaskQueue, current_job_id
from core.ratelimit import ensure_within_rate
from core.uow import UnitOfWork
from db.models import JobRecord, JobStatus

ProgressFn = Callable[[int, str], None]
TaskBody = Callable[[UnitOfWork, JobRecord, ProgressFn], str]
TERMINAL = (JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELED)
RETRYABLE = (JobStatus.FAILED, JobStatus.CANCELED)
WAITING = "Waiting for a worker…"
WAITING_FOR_STEPS = "Waiting for the steps before it to finish…"
AFTER = "after"  # params key: the job record ids a job waits for


def submit_task(
    *,
    uow: UnitOfWork,
    queue: TaskQueue,
    user_id: int,
    kind: str,
    target_type: str,
    target_id: int,
    params: dict[str, Any] | None = None,
    batch_id: str = "",
    depends_on: list[int] | None = None,
) -> JobView:
    """Record a job and queue it. The record exists before the queue sees the id.

    `depends_on` are job record ids of the user's that must end (succeed or fail) first.
    """
    spec = KINDS[kind]
    after = list(depends_on or [])
    with uow:
        ensure_within_rate(uow, user_id)
        record = JobRecord(
            user_id=user_id,
            kind=kind,
            target_type=target_type,
            target_id=target_id,
            params={**(params or {}), **({AFTER: after} if after else {})},
            batch_id=batch_id,
            message=WAITING_FOR_STEPS if after else WAITING,
        )
        uow.session.add(record)
        uow.commit()
        _enqueue(uow, queue, record, spec, _queue_ids(uow, user_id, after))
        return job_view(record)


def _queue_ids(uow: UnitOfWork, user_id: int, record_ids: list[int]) -> list[str]:
    """The queue job ids of the user's records that have not ended yet."""
    if not record_ids:
        return []
    rows = uow.session.scalars(
        select(JobRecord.rq_job_id).where(
            JobRecord.user_id == user_id,
            JobRecord.id.in_(record_ids),
            JobRecord.status.not_in(TERMINAL),
            JobRecord.rq_job_id != "",
        )
    )
    return list(rows)


def _enqueue(
    uow: UnitOfWork,
    queue: TaskQueue,
    record: JobRecord,
    spec: TaskKind,
    depends_on: list[str] | None = None,
) -> None:
    """Hand a committed record to the queue; if the queue is down, the record says so."""
    try:
        # Only jobs that wait pass `depends_on`: queues written before it existed still work.
        after = {"depends_on": depends_on} if depends_on else {}
        record.rq_job_id = queue.enqueue(spec, record.id, **after)
    except ProviderError as exc:
        record.status, record.message, record.error = JobStatus.FAILED, "Failed", str(exc)
        uow.commit()
        raise
    uow.commit()


def get_job(*, uow: UnitOfWork, user_id: int, job_id: int) -> JobView:
    with uow:
        return job_view(load_owned(uow, JobRecord, job_id, user_id, "Job"))


def list_jobs(
    *, uow: UnitOfWork, user_id: int, target_type: str = "", target_id: int | None = None
) -> list[JobView]:
    """The user's jobs, newest first, optionally for one target."""
    with uow:
        query = select(JobRecord).where(JobRecord.user_id == user_id)
        if target_type:
            query = query.where(JobRecord.target_type == target_type)
        if target_id is not None:
            query = query.where(JobRecord.target_id == target_id)
        rows = uow.session.scalars(query.order_by(JobRecord.id.desc()).limit(200))
        return [job_view(r) for r in rows]


def cancel_task(*, uow: UnitOfWork, queue: TaskQueue, user_id: int, job_id: int) -> JobView:
    """Cancel a queued or running job of the user's, and the jobs waiting for it."""
    with uow:
        record = load_owned(uow, JobRecord, job_id, user_id, "Job")
        if record.status not in TERMINAL:
            for row in [record, *_waiting_for(uow, record)]:
                queue.cancel(row.rq_job_id)
                row.status = JobStatus.CANCELED
                row.message = "Canceled"
            uow.commit()
        return job_view(record)


def _waiting_for(uow: UnitOfWork, record: JobRecord) -> list[JobRecord]:
    """Active jobs of the same batch that wait for this one: RQ releases a waiting job when
    a step succeeds or fails, never when it is canceled, so it would wait forever."""
    if not record.batch_id:
        return []
    rows = uow.session.scalars(
        select(JobRecord).where(
            JobRecord.user_id == record.user_id,
            JobRecord.batch_id == record.batch_id,
            JobRecord.id != record.id,
            JobRecord.status.not_in(TERMINAL),
        )
    )
    return [row for row in rows if record.id in (row.params.get(AFTER) or [])]


def retry_task(*, uow: UnitOfWork, queue: TaskQueue, user_id: int, job_id: int) -> JobView:
    """Queue a failed or canceled job of the user's again, as a new attempt."""
    with uow:
        record = load_owned(uow, JobRecord, job_id, user_id, "Job")
        if record.status not in RETRYABLE:
            raise Conflict(
                f"This job is {record.status.value}; only a failed or canceled job can be retried."
            )
        if _has_newer_job(uow, record):
            raise Conflict("A newer job for the same item exists; retry that one instead.")
        _requeue(uow, queue, record)
        return job_view(record)


def retry_failed(
    *,
    uow: UnitOfWork,
    queue: TaskQueue,
    user_id: int,
    batch_id: str | None = None,
    target_type: str = "",
    target_id: int | None = None,
) -> list[JobView]:
    """Retry the user's failed jobs of a batch or a target (skipping ones a newer job replaced)."""
    if not batch_id and not target_type and target_id is None:
        raise InvalidInput("Choose which failed jobs to retry: a batch or an item.")
    with uow:
        query = select(JobRecord).where(
            JobRecord.user_id == user_id, JobRecord.status == JobStatus.FAILED
        )
        if batch_id is not None:
            query = query.where(JobRecord.batch_id == batch_id)
        if target_type:
            query = query.where(JobRecord.target_type == target_type)
        if target_id is not None:
            query = query.where(JobRecord.target_id == target_id)
        failed = list(uow.session.scalars(query.order_by(JobRecord.id)))
        retried = [r for r in failed if not _has_newer_job(uow, r)]
        for record in retried:
            _requeue(uow, queue, record)
        return [job_view(r) for r in retried]


def _has_newer_job(uow: UnitOfWork, record: JobRecord) -> bool:
    """True when the same work on the same item was submitted again after this job."""
    newer = select(JobRecord.id).where(
        JobRecord.user_id == record.user_id,
        JobRecord.kind == record.kind,
        JobRecord.target_type == record.target_type,
        JobRecord.target_id == record.target_id,
        JobRecord.id > record.id,
    )
    return uow.session.scalar(newer.limit(1)) is not None


def _requeue(uow: UnitOfWork, queue: TaskQueue, record: JobRecord) -> None:
    # No RQ id until the new one is known: the old attempt no longer owns the record,
    # and the new one may start before its id is committed (run_task accepts "").
    record.status, record.progress, record.error = JobStatus.QUEUED, 0, ""
    record.message, record.rq_job_id = WAITING, ""
    uow.commit()
    _enqueue(uow, queue, record, KINDS[record.kind])


def run_task(
    *,
    uow_factory: Callable[[], UnitOfWork],
    record_id: int,
    body: TaskBody,
    attempts_left: int = 0,
    on_progress: ProgressFn | None = None,
    attempt_id: str | None = None,
) -> None:
    """Run `body` for a job record, keeping the record's status and progress true.

    Transient provider errors (and unexpected ones) are re-raised while attempts are
    left, and the record says "Retrying soon" while RQ retries; everything the user
    must fix fails the record once and is not retried. `attempt_id` is the queue's job
    id (default: the current RQ job's): an attempt the user has since replaced with a
    retry does nothing.
    """
    attempt = attempt_id if attempt_id is not None else current_job_id()
    with uow_factory() as uow:
        record = uow.session.get(JobRecord, record_id)
        if record is None:
            raise NotFound(f"Job record #{record_id} is gone (its target was deleted).")
        if not _should_run(record, attempt):
            return  # canceled, done by an earlier attempt, or superseded: idempotent
        record.status, record.progress, record.error = JobStatus.RUNNING, 0, ""
        record.message = "Started"
        uow.commit()

        def progress(pct: int, message: str) -> None:
            record.progress, record.message = max(0, min(100, pct)), message[:300]
            uow.commit()
            if on_progress:
                on_progress(pct, message)

        try:
            done_message = body(uow, record, progress)
        except ProviderError as exc:
            retry = exc.retryable and attempts_left > 0
            _finish(uow, record, JobStatus.QUEUED if retry else JobStatus.FAILED, str(exc))
            if retry:
                raise
        except StudioError as exc:
            _finish(uow, record, JobStatus.FAILED, str(exc))
        except Exception as exc:
            # Re-raised so that RQ records the traceback, and retries while attempts are left.
            again = JobStatus.QUEUED if attempts_left > 0 else JobStatus.FAILED
            _finish(uow, record, again, f"Unexpected error: {type(exc).__name__}")
            raise
        else:
            _finish(uow, record, JobStatus.SUCCEEDED, done_message)


def _should_run(record: JobRecord, attempt: str | None) -> bool:
    if attempt and record.rq_job_id and attempt != record.rq_job_id:
        return False  # the user retried meanwhile: the newer attempt owns the record
    if record.status == JobStatus.FAILED:  # RQ (or an admin) is re-running this very attempt
        return bool(attempt) and attempt == record.rq_job_id
    return record.status not in TERMINAL


def _finish(uow: UnitOfWork, record: JobRecord, status: JobStatus, message: str) -> None:
    uow.rollback()
    if record.status == JobStatus.CANCELED:  # the user canceled meanwhile: keep that
        return
    record.status = status
    if status == JobStatus.SUCCEEDED:  # set after the rollback above, which would undo it
        record.progress = 100
    record.message = message[:300] if status != JobStatus.FAILED else "Failed"
    record.error = message if status != JobStatus.SUCCEEDED else ""
    if status == JobStatus.QUEUED:
        record.message = f"Retrying soon: {message}"[:300]
    uow.commit()


def job_view(record: JobRecord) -> JobView:
    return JobView(
        id=record.id,
        kind=record.kind,
        target_type=record.target_type,
        target_id=record.target_id,
        status=record.status.value,
        progress=record.progress,
        message=record.message,
        error=record.error,
        created_at=record.created_at,
    )
