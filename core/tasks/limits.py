"""Per-user rate limit on queued work, checked before anything is queued."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from core.access import started_by
from core.errors import QuotaExceeded
from core.uow import UnitOfWork
from db.models import JobRecord

JOBS_PER_MINUTE = 300  # a 12-screen batch queues 25 jobs; a runaway loop is stopped


def ensure_within_rate(
    uow: UnitOfWork, user_id: int, new_jobs: int = 1, limit: int = JOBS_PER_MINUTE
) -> None:
    """Raise QuotaExceeded when queueing `new_jobs` more would pass the per-minute limit."""
    since = datetime.now(UTC) - timedelta(minutes=1)
    recent = uow.session.scalar(
        select(func.count(JobRecord.id)).where(started_by(user_id), JobRecord.created_at >= since)
    )
    if (recent or 0) + new_jobs > limit:
        raise QuotaExceeded(
            f"You queued {recent} jobs in the last minute (the limit is {limit}); "
            "wait a moment and try again."
        )
