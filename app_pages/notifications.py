"""Notifications: what happened while you looked elsewhere, newest first, with a link to
where it happened; mark one or all read. The bell in the sidebar counts the unread."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import streamlit as st

from core.notifications.notices import (
    NotificationView,
    list_notifications,
    mark_all_read,
    mark_read,
)
from ui.errors import attempt
from ui.listing import md
from ui.services import services
from ui.session import current_user_id

PAGES = Path(__file__).resolve().parent
OPEN = {"video": "Open the video", "screens": "Open the screens", "script": "Open the script"}

svc = services()
user_id = current_user_id()
st.title("🔔 Notifications", anchor=False)


def ago(moment: datetime) -> str:
    seconds = (datetime.now(UTC) - moment.replace(tzinfo=moment.tzinfo or UTC)).total_seconds()
    for unit, size in (("day", 86_400), ("hour", 3600), ("minute", 60)):
        if seconds >= size:
            count = int(seconds // size)
            return f"{count} {unit}{'s' if count != 1 else ''} ago"
    return "just now"


def notification(item: NotificationView) -> None:
    with st.container(border=True, key=f"notifications_item_{item.id}"):
        text, link, action = st.columns([6, 2, 1], vertical_alignment="center")
        title = md(item.title)  # read ones step back, so the unread stand out
        text.markdown(
            f"{item.icon} **{title}** :blue-badge[New]"
            if not item.read
            else f"{item.icon} :gray[{title}]"
        )
        text.caption(
            f"{md(item.body)} · {ago(item.created_at)}" if item.body else ago(item.created_at)
        )
        # A button, not a page link: opening it also marks it read, in the same click.
        opens = bool(item.page) and (PAGES / f"{item.page}.py").is_file()
        label = OPEN.get(item.page, "Open")
        if opens and link.button(label, key=f"notifications_open_{item.id}", icon="➡️"):
            attempt(lambda: mark_read(uow=svc.uow(), user_id=user_id, notification_id=item.id))
            st.switch_page(f"app_pages/{item.page}.py", query_params=item.query)
        if not item.read and action.button("Mark read", key=f"notifications_read_{item.id}"):
            attempt(lambda: mark_read(uow=svc.uow(), user_id=user_id, notification_id=item.id))
            st.rerun()


items = attempt(lambda: list_notifications(uow=svc.uow(), user_id=user_id)) or []
unread = sum(not item.read for item in items)
summary, choose, all_read = st.columns([3, 2, 1], vertical_alignment="center")
summary.caption(f"{unread} unread · newest first")
choose.page_link("app_pages/settings.py", label="Notification settings", icon="⚙️")
if unread and all_read.button("Mark all read", key="notifications_all_read", icon="✔️"):
    attempt(lambda: mark_all_read(uow=svc.uow(), user_id=user_id))
    st.rerun()
if not items:
    st.info(
        "Nothing yet. You will be told here when a batch ends, a video is ready or a job fails, "
        "whichever page you are on."
    )
for item in items:
    notification(item)
