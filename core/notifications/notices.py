"""The notification centre: tell a user something (`notify`), list what they were told,
count the unread, mark read.

`notify` stores the notification unless the user muted its kind, at most once per
`dedupe_key` (however many workers see the same event end), and then, outside the
transaction, e-mails it when the user asked for e-mail and the server has a mailer. A
mail that cannot be sent is logged and forgotten: the notification stays in the centre.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast
from urllib.parse import parse_qsl

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError

from core import access
from core.access import Action
from core.accounts.preferences import Preferences, get_preferences, update_preferences
from core.notifications.mailer import Mailer
from core.notifications.notice_kinds import KINDS, choices, wants
from core.uow import UnitOfWork
from db.models import Notification, User

log = logging.getLogger(__name__)
LISTED = 100  # the newest ones the centre shows


@dataclass(frozen=True)
class NotificationView:
    id: int
    kind: str
    icon: str
    title: str
    body: str
    link: str  # an app page and its query: "video?id=3" ("" = nothing to open)
    read: bool
    created_at: datetime

    @property
    def page(self) -> str:
        """The linked page's url path ("video")."""
        return self.link.partition("?")[0]

    @property
    def query(self) -> dict[str, str]:
        """The link's query parameters ({"id": "3"})."""
        return dict(parse_qsl(self.link.partition("?")[2]))


def notify(
    *,
    uow: UnitOfWork,
    mailer: Mailer | None,
    user_id: int,
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    dedupe_key: str | None = None,
) -> NotificationView | None:
    """Tell the user (unless they muted `kind`; once per `dedupe_key`), and e-mail it if they
    asked; None when nothing was stored."""
    preferences = get_preferences(uow=uow, user_id=user_id)
    if not wants(preferences, kind):
        return None
    with uow:
        row = Notification(
            user_id=user_id, kind=kind, title=title[:200], body=body, link=link[:200],
            dedupe_key=dedupe_key,
        )  # fmt: skip
        uow.session.add(row)
        try:
            uow.commit()
        except IntegrityError:  # another worker told this event first
            return None
        view = _view(row)
        user = uow.session.get(User, user_id)
        address = user.email if user is not None else ""
    if mailer is not None and preferences.email and address:
        _mail(mailer, address, view)
    return view


def _mail(mailer: Mailer, address: str, view: NotificationView) -> None:
    try:
        mailer.send(to=address, subject=view.title, text=view.body or view.title, link=view.link)
    except Exception as exc:  # the notification is stored; the job it is about must go on
        # The type and SMTP code only: a server's reply may quote what it was sent.
        code = getattr(exc, "smtp_code", "")
        log.warning("Notification #%d not e-mailed: %s %s", view.id, type(exc).__name__, code)


def list_notifications(
    *, uow: UnitOfWork, user_id: int, limit: int = LISTED
) -> list[NotificationView]:
    """The user's newest notifications, newest first."""
    with uow:
        rows = uow.session.scalars(
            select(Notification)
            .where(access.visible(Notification, user_id))
            .order_by(Notification.id.desc())
            .limit(min(limit, LISTED))
        )
        return [_view(row) for row in rows]


def unread_count(*, uow: UnitOfWork, user_id: int) -> int:
    """How many of the user's notifications are unread (one COUNT: the bell polls it)."""
    with uow:
        count = uow.session.scalar(
            select(func.count(Notification.id)).where(
                access.visible(Notification, user_id), Notification.read_at.is_(None)
            )
        )
        return int(count or 0)


def mark_read(*, uow: UnitOfWork, user_id: int, notification_id: int) -> NotificationView:
    """Mark one of the user's notifications read."""
    with uow:
        row = access.load(uow, Notification, notification_id, user_id=user_id, action=Action.EDIT)
        if row.read_at is None:
            row.read_at = datetime.now(UTC)
            uow.commit()
        return _view(row)


def mark_all_read(*, uow: UnitOfWork, user_id: int) -> int:
    """Mark every unread notification of the user read; return how many."""
    with uow:
        result = uow.session.execute(
            update(Notification)
            .where(access.visible(Notification, user_id), Notification.read_at.is_(None))
            .values(read_at=datetime.now(UTC))
        )
        uow.commit()
        return cast("CursorResult[Any]", result).rowcount


def save_notification_choices(
    *, uow: UnitOfWork, user_id: int, on: set[str], email: bool
) -> Preferences:
    """Keep exactly the kinds in `on` switched on, and e-mail them or not."""
    return update_preferences(uow=uow, user_id=user_id, **choices(on=on, email=email))


def _view(row: Notification) -> NotificationView:
    spec = KINDS.get(row.kind)
    return NotificationView(
        id=row.id,
        kind=row.kind,
        icon=spec.icon if spec is not None else "🔔",
        title=row.title,
        body=row.body,
        link=row.link,
        read=row.read_at is not None,
        created_at=row.created_at,
    )
