"""The bell in the sidebar: a link to the notification centre with the unread count, and a
toast when something new arrives, on whichever page the user is.

It is a fragment that polls one COUNT query every few seconds and redraws only itself:
never a full-page rerun, which would undo a click the user just made on a page link.
"""

from __future__ import annotations

import streamlit as st

from core.notifications.notices import list_notifications, unread_count
from ui.listing import md
from ui.services import services
from ui.session import USER_ID

POLL_S = 4
SEEN = "notification_bell_seen"  # the unread count the bell last showed


def notification_bell() -> None:
    """The bell (call it inside `with st.sidebar:`)."""
    st.fragment(run_every=POLL_S)(_bell)()


def _bell() -> None:
    user_id = st.session_state.get(USER_ID)
    if user_id is None:  # signed out in this tab since the page was drawn
        return
    svc = services()
    count = unread_count(uow=svc.uow(), user_id=user_id)
    seen = st.session_state.get(SEEN)
    st.session_state[SEEN] = count
    if seen is not None and count > seen:  # news since the last look, not on sign-in
        newest = list_notifications(uow=svc.uow(), user_id=user_id, limit=1)
        if newest and not newest[0].read:
            st.toast(md(newest[0].title), icon=newest[0].icon)
    shown = "99+" if count > 99 else str(count)
    label = f"Notifications :red-badge[{shown}]" if count else "Notifications"
    st.page_link("app_pages/notifications.py", label=label, icon="🔔")
