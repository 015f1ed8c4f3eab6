"""This month's output, for the dashboard: videos and their minutes, images, voice-overs.

What is counted, and from where (the calendar month in UTC):

- videos: the user's renders that succeeded, requested this month (`renders` rows): every
  render counts, also one that reused the video of identical earlier inputs;
- minutes: the length of those renders' videos (their `assets` rows);
- images and voice-overs: the files a provider made this month (`assets` rows with a
  request key): an image asked for again with the same prompt is stored once and counted
  once; uploads and video thumbnails are not made by a provider and are not counted.

These are rows that still exist: deleting a script removes its renders and the files only
it used, and their counts with them. (Billing, when it lands, counts charged work in its
own usage events; this is the studio's view of what you have made.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import func, select

from core import access
from core.uow import UnitOfWork
from db.models import Asset, JobStatus, Render

IMAGE, VOICE = "image", "audio"


@dataclass(frozen=True)
class MonthCounts:
    month: date  # its first day
    videos: int
    video_minutes: float
    images: int
    voiceovers: int


def count_month(*, uow: UnitOfWork, user_id: int, now: datetime | None = None) -> MonthCounts:
    """What the user made in the current calendar month (UTC); two queries."""
    now = now or datetime.now(UTC)
    start = datetime(now.year, now.month, 1, tzinfo=UTC)
    with uow:
        videos, seconds = uow.session.execute(
            select(func.count(Render.id), func.coalesce(func.sum(Asset.duration), 0.0))
            .select_from(Render)
            .outerjoin(Asset, Asset.id == Render.output_asset_id)
            .where(
                access.visible(Render, user_id),
                Render.status == JobStatus.SUCCEEDED,
                Render.created_at >= start,
            )
        ).one()
        made: dict[str, int] = {
            kind: count
            for kind, count in uow.session.execute(
                select(Asset.kind, func.count(Asset.id))
                .where(
                    access.visible(Asset, user_id),
                    Asset.kind.in_([IMAGE, VOICE]),
                    Asset.request_key != "",  # made by a provider: not an upload or thumbnail
                    Asset.created_at >= start,
                )
                .group_by(Asset.kind)
            )
        }
    return MonthCounts(
        month=start.date(),
        videos=int(videos),
        video_minutes=float(seconds or 0) / 60,
        images=int(made.get(IMAGE, 0)),
        voiceovers=int(made.get(VOICE, 0)),
    )
