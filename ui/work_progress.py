"""The dashboard's live "In progress" section: a fragment that polls the job records while
any job runs, never reruns the whole page (that would undo a click on a link), and stops
its own timer once everything has ended (ui/live.py)."""

from __future__ import annotations

import streamlit as st

from core.dashboard.progress import Work, current_work
from ui.errors import attempt
from ui.listing import md
from ui.live import poll_every, stop_polling
from ui.services import services
from ui.session import current_user_id

POLL_SECONDS = 2
KEY = "dashboard_work"
PAGES = {
    "script": "app_pages/script.py",
    "screens": "app_pages/screens.py",
    "video": "app_pages/video.py",
}
ENDED = {"succeeded": "✅", "failed": "⚠️", "canceled": "⏹️"}
SHOWN_ENDED = 3


def work_in_progress() -> None:
    """The section: what runs now (live), and what ended in the last few minutes."""
    st.subheader("In progress", anchor=False)
    watching = any(w.active for w in _load())
    every = poll_every(KEY, POLL_SECONDS, watching=watching)
    st.fragment(run_every=every)(_live)()


def _load() -> list[Work]:
    return attempt(lambda: current_work(uow=services().uow(), user_id=current_user_id())) or []


def _live() -> None:
    work = _load()
    if not any(w.active for w in work):
        stop_polling(KEY)
    running = [w for w in work if w.active]
    ended = [w for w in work if not w.active]
    if not work:
        st.caption("Nothing running. Writing, images, voice-overs and videos show here.")
    for number, item in enumerate(running):
        with st.container(border=True, key=f"dashboard_running_{number}"):
            _row(item)
    if ended:
        st.caption("Ended in the last few minutes")
    for item in ended[:SHOWN_ENDED]:
        _row(item)
    more = f" ({len(ended) - SHOWN_ENDED} more)" if len(ended) > SHOWN_ENDED else ""
    st.page_link("app_pages/activity.py", label=f"All jobs in Activity{more}", icon="📋")


def _row(item: Work) -> None:
    what, script, state = st.columns([3, 3, 4], vertical_alignment="center")
    icon = "" if item.active else ENDED.get(item.status, "") + " "
    what.markdown(f"{icon}**{item.label}**")  # our own words, not user text
    if item.script_id is not None:
        script.page_link(
            PAGES[item.page],
            label=md(item.script_title),
            icon="📝",
            query_params={"id": str(item.script_id)},
        )
    if item.active:
        state.progress(item.progress / 100, text=md(item.message) or "Waiting…")
    elif item.message:
        state.caption(md(item.message))
