"""What the end of a job tells its user: one notification per thing they asked for.

    the job that ended                  tells
    alone, succeeded                    its kind's `notice`, if it has one (the video:
                                        render.ready); else nothing, the user watched it
    alone, failed                       job.failed, linking to its kind's page
    alone, canceled                     nothing: the user did it
    in a batch, others still to end     nothing yet
    the last of its batch to end        one notification for the whole batch:
      some job failed                     batch.failed "2 of 24 jobs failed", linking to
                                          the page of the first failure (screens)
      all done, one had a notice          that notice: a batch with the video is told
                                          once, as "video ready", when the render ends
      all done (some maybe canceled)      batch.finished, linking to the screens
      all canceled                        nothing
    whose script is gone                nothing: there is nothing left to open

Titles read "<script title> — <what happened>". Several workers may see one batch end:
the dedupe key "batch:<id>:<round>" stores it once, the round being the sum of the batch's
attempts, so retrying its failed jobs tells the new outcome in turn.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select

from core import access
from core.notifications.mailer import Mailer
from core.notifications.notice_kinds import BATCH_FAILED, BATCH_FINISHED, JOB_FAILED
from core.notifications.notices import notify
from core.tasks.kinds import TaskKind, kind_of
from core.tasks.records import TERMINAL
from core.uow import UnitOfWork
from db.models import JobRecord, JobStatus, Render, Screen, Script

log = logging.getLogger(__name__)
BATCH_PAGE = "screens"  # where batch generate runs


@dataclass(frozen=True)
class _News:
    user_id: int
    kind: str
    title: str
    body: str
    link: str
    dedupe_key: str


def tell_job_ended(
    *, uow_factory: Callable[[], UnitOfWork], mailer: Mailer | None, record_id: int
) -> None:
    """Notify the user of what the end of job `record_id` means to them; never raises (the
    job's own outcome is written already)."""
    try:
        with uow_factory() as uow:
            news = _news(uow, record_id)
        if news is not None:
            notify(
                uow=uow_factory(), mailer=mailer, user_id=news.user_id, kind=news.kind,
                title=news.title, body=news.body, link=news.link, dedupe_key=news.dedupe_key,
            )  # fmt: skip
    except Exception:
        log.exception("Could not notify the end of job #%d", record_id)


def _news(uow: UnitOfWork, record_id: int) -> _News | None:
    record = uow.session.get(JobRecord, record_id)
    if record is None or record.status not in TERMINAL:
        return None
    script = _script(uow, record)
    if script is None:
        return None
    if not record.batch_id:
        return _alone(record, script)
    batch = list(
        uow.session.scalars(
            select(JobRecord)
            .where(access.visible(JobRecord, record.user_id), JobRecord.batch_id == record.batch_id)
            .order_by(JobRecord.id)
        )
    )
    if any(row.status not in TERMINAL for row in batch):
        return None  # the last one to end tells
    return _batch(record.batch_id, batch, script)


def _alone(record: JobRecord, script: Script) -> _News | None:
    kind = _kind(record)
    key = f"job:{record.id}:{record.attempts}"
    if kind is None:
        return None
    if record.status == JobStatus.FAILED:
        what = f"{kind.label} failed"
        return _told(record, script, JOB_FAILED, what, record.error, kind.page, key)
    if record.status == JobStatus.SUCCEEDED and kind.notice:
        return _told(record, script, kind.notice, record.message, "", kind.page, key)
    return None


def _batch(batch_id: str, rows: list[JobRecord], script: Script) -> _News | None:
    failed = [row for row in rows if row.status == JobStatus.FAILED]
    done = [row for row in rows if row.status == JobStatus.SUCCEEDED]
    key = f"batch:{batch_id}:{sum(row.attempts for row in rows)}"
    if failed:
        first, kind = failed[0], _kind(failed[0])
        what = f"Batch failed: {len(failed)} of {len(rows)} jobs failed"
        page = kind.page if kind is not None else BATCH_PAGE
        return _told(first, script, BATCH_FAILED, what, first.error, page, key)
    if not done:
        return None
    summary = f"{len(done)} of {len(rows)} jobs done"
    if len(done) < len(rows):
        summary += f", {len(rows) - len(done)} canceled"
    for row in reversed(done):  # the batch's last word (its video) speaks for all of it
        kind = _kind(row)
        if kind is not None and kind.notice:
            return _told(row, script, kind.notice, row.message, summary, kind.page, key)
    return _told(rows[-1], script, BATCH_FINISHED, "Batch finished", summary, BATCH_PAGE, key)


def _told(
    record: JobRecord, script: Script, notice: str, what: str, body: str, page: str, key: str
) -> _News:
    return _News(
        user_id=record.user_id,
        kind=notice,
        title=f"{script.title} — {what}",
        body=body,
        link=f"{page}?id={script.id}",
        dedupe_key=key,
    )


def _kind(record: JobRecord) -> TaskKind | None:
    try:
        return kind_of(record.kind)
    except KeyError:  # a kind an older version of the app queued
        return None


def _script(uow: UnitOfWork, record: JobRecord) -> Script | None:
    """The script the job's target belongs to, if it is still there."""
    session, target_id = uow.session, record.target_id
    part: Screen | Render | None = None
    if record.target_type == "script":
        return session.get(Script, target_id)
    if record.target_type == "screen":
        part = session.get(Screen, target_id)
    elif record.target_type == "render":
        part = session.get(Render, target_id)
    return session.get(Script, part.script_id) if part is not None else None
