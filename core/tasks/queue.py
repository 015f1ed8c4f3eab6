"""The job queue seam: how a job record is handed to RQ, stopped, and watched.

Every kind runs the same job function, `jobs.run.run_job(kind, record_id)`. Job arguments
are a kind's name and a record id only (RQ pickles them into Redis in clear text): never
keys.
"""

from __future__ import annotations

import contextlib
from typing import Protocol
from uuid import uuid4

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, get_current_job
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Dependency, Job

from core.errors import ProviderUnavailable
from core.tasks.kinds import TaskKind

JOB_FUNCTION = "jobs.run.run_job"


class TaskQueue(Protocol):
    def enqueue(self, kind: TaskKind, record_id: int, depends_on: list[str] | None = None) -> str:
        """Queue the job for a JobRecord id, to start once the `depends_on` queue jobs have
        ended (succeeded or failed); return the queue's job id."""
        ...

    def cancel(self, job_id: str) -> None:
        """Stop a queued or running job (no error if it is gone)."""
        ...

    def is_running(self, job_id: str) -> bool:
        """Whether a worker is running the job right now."""
        ...


class RQTaskQueue:
    """TaskQueue over RQ; the Redis connection is passed in, never global."""

    def __init__(self, connection: Redis) -> None:
        self.connection = connection

    def enqueue(self, kind: TaskKind, record_id: int, depends_on: list[str] | None = None) -> str:
        try:
            return self._enqueue(kind, record_id, depends_on or [])
        except RedisError as exc:
            raise ProviderUnavailable(
                "The job queue (Redis) is not reachable, so nothing was queued. "
                "Is the app's queue server running?"
            ) from exc

    def _enqueue(self, kind: TaskKind, record_id: int, depends_on: list[str]) -> str:
        queue = Queue(kind.queue, connection=self.connection)
        retry = (
            Retry(max=kind.retries, interval=[5, 20, 60][: kind.retries]) if kind.retries else None
        )
        job = queue.enqueue(
            JOB_FUNCTION,
            kind.name,
            record_id,
            job_timeout=kind.timeout,
            retry=retry,
            # A new id per attempt: a retry must not collide with the earlier attempt's job,
            # which may still sit in the failed registry.
            job_id=f"{kind.name.replace('.', '-')}-{record_id}-{uuid4().hex[:8]}",
            description=f"{kind.name} #{record_id}",
            failure_ttl=7 * 24 * 3600,
            # allow_failure: a failed step still releases the job after it, which then says
            # what is missing instead of waiting, deferred, forever.
            depends_on=Dependency(jobs=depends_on, allow_failure=True) if depends_on else None,
        )
        return job.id

    def cancel(self, job_id: str) -> None:
        try:
            job = Job.fetch(job_id, connection=self.connection)
        except NoSuchJobError:
            return
        if job.get_status() == "started":
            with contextlib.suppress(InvalidJobOperation):
                send_stop_job_command(self.connection, job_id)
        else:
            job.cancel()

    def is_running(self, job_id: str) -> bool:
        try:
            return Job.fetch(job_id, connection=self.connection).get_status() == "started"
        except NoSuchJobError:
            return False


def current_job_id() -> str | None:
    """The id of the RQ job this process is running, or None outside a worker."""
    job = get_current_job()
    return job.id if job is not None else None
