"""What admins see of the job queue: queue lengths, workers, and how to reach rq-dashboard.

Pages never touch Redis or RQ: they get the plain dataclasses below.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.registry import FailedJobRegistry, StartedJobRegistry

from core.access import require_admin
from core.errors import ProviderUnavailable
from core.settings import Settings
from core.tasks.catalog import KINDS
from core.uow import UnitOfWork

WILDCARD_HOSTS = {"", "0.0.0.0", "::"}
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


@dataclass(frozen=True)
class QueueStat:
    name: str
    queued: int  # waiting for a worker
    started: int  # being worked on now
    failed: int
    scheduled: int  # waiting for a retry or a set time


@dataclass(frozen=True)
class WorkerStat:
    name: str
    hostname: str
    pid: int | None
    state: str  # idle, busy, suspended, ...
    queues: tuple[str, ...]
    current_job: str | None
    last_heartbeat: datetime | None


@dataclass(frozen=True)
class Overview:
    queues: list[QueueStat]
    workers: list[WorkerStat]


@dataclass(frozen=True)
class DashboardAccess:
    url: str
    port: int
    local_only: bool  # bound to loopback: reachable from the server itself only
    username: str
    password: str | None  # only in local mode, where the app made it
    password_source: str  # where an admin finds it again


def queue_overview(connection: Redis) -> list[QueueStat]:
    """Every queue the app uses or RQ knows of, by name, with its job counts."""
    names = {k.queue for k in KINDS.values()}
    names |= {q.name for q in Queue.all(connection=connection)}
    return [_queue_stat(Queue(name, connection=connection)) for name in sorted(names)]


def _queue_stat(queue: Queue) -> QueueStat:
    # cleanup=False: looking must not move jobs between registries.
    return QueueStat(
        name=queue.name,
        queued=queue.count,
        started=StartedJobRegistry(queue=queue).get_job_count(cleanup=False),
        failed=FailedJobRegistry(queue=queue).get_job_count(cleanup=False),
        scheduled=int(queue.scheduled_job_registry.get_job_count(cleanup=False)),
    )


def workers_overview(connection: Redis) -> list[WorkerStat]:
    """The RQ workers registered with the server, by name."""
    workers = sorted(Worker.all(connection=connection), key=lambda w: w.name)
    return [
        WorkerStat(
            name=w.name,
            hostname=str(w.hostname or ""),
            pid=w.pid,
            state=str(w.get_state()),
            queues=tuple(w.queue_names()),
            current_job=w.get_current_job_id(),
            last_heartbeat=w.last_heartbeat,
        )
        for w in workers
    ]


def overview(*, uow: UnitOfWork, connection: Redis, requester_id: int) -> Overview:
    """Queues and workers of the app's Redis server; admins only."""
    require_admin(uow=uow, user_id=requester_id)
    try:
        return Overview(queues=queue_overview(connection), workers=workers_overview(connection))
    except RedisError as exc:
        raise ProviderUnavailable(
            "The job queue (Redis) is not reachable, so there is nothing to show. "
            "Is the app's queue server running?"
        ) from exc


def dashboard_access(*, uow: UnitOfWork, settings: Settings, requester_id: int) -> DashboardAccess:
    """Where rq-dashboard listens and how to sign in to it; admins only."""
    require_admin(uow=uow, user_id=requester_id)
    host = settings.dashboard_host
    host = "localhost" if host in WILDCARD_HOSTS else host
    host = f"[{host}]" if ":" in host else host
    file = settings.dashboard_password_file
    return DashboardAccess(
        url=f"http://{host}:{settings.dashboard_port}",
        port=settings.dashboard_port,
        local_only=settings.dashboard_host in LOOPBACK_HOSTS,
        username=settings.dashboard_username,
        password=settings.dashboard_secret() if file else None,
        password_source=str(file) if file else "the STUDIO_DASHBOARD_PASSWORD setting",
    )
