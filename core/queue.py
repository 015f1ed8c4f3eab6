"""The job queue seam: what kinds of job exist and how they are handed to RQ.

Job arguments are ids only (RQ pickles them into Redis in clear text): never keys.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Protocol
from uuid import uuid4

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Retry, get_current_job
from rq.command import send_stop_job_command
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Dependency, Job

from core.errors import ProviderUnavailable


@dataclass(frozen=True)
class TaskKind:
    name: str
    queue: str
    func: str  # dotted path of the job function in jobs/
    timeout: int  # seconds
    retries: int  # for transient provider errors (rate limits, 5xx)


KINDS: dict[str, TaskKind] = {
    k.name: k
    for k in [
        TaskKind("script.generate", "llm", "jobs.scripts.generate_script", 300, 2),
        TaskKind("script.translate", "llm", "jobs.scripts.translate_script", 300, 2),
        TaskKind("screen.image", "media", "jobs.media.generate_image", 240, 3),
        TaskKind("screen.voice", "media", "jobs.media.generate_voice", 240, 3),
        TaskKind("screen.preview", "render", "jobs.render.render_preview", 300, 1),
        TaskKind("script.render", "render", "jobs.render.render_video", 1800, 1),
    ]
}


class TaskQueue(Protocol):
    def enqueue(self, kind: TaskKind, record_id: int, depends_on: list[str] | None = None) -> str:
        """Queue the job for a JobRecord id, to start once the `depends_on` queue jobs have
        ended (succeeded or failed); return the queue's job id."""
        ...

    def cancel(self, job_id: str) -> None:
        """Stop a queued or running job (no error if it is gone)."""
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
            kind.func,
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


def current_job_id() -> str | None:
    """The id of the RQ job this process is running, or None outside a worker."""
    job = get_current_job()
    return job.id if job is not None else None
