"""The dashboard's live "In progress" section: a fragment that polls the job records while
any job runs and never reruns the whole page (that would undo a click on a link).

A fragment's timer can only be stopped by a page run, so once everything has ended the
fragment keeps its last answer and stops asking the database until the page runs again.
"""

from __future__ import annotations

import streamlit as st

from core.dashboard.progress import Work, current_work
from ui.errors import attempt
from ui.listing import md
from ui.services import services
from ui.session import current_user_id

POLL_SECONDS = 2
LAST = "dashboard_work_last"  # the last answer, kept once nothing runs any more
PAGES = {"script": "pages/script.py", "screens": "pages/screens.py", "video": "pages/video.py"}
ENDED = {"succeeded": "✅ Finished", "failed": "⚠️ Failed", "canceled": "⏹️ Canceled"}


def work_in_progress() -> None:
    """The section: what runs now (live), and what ended in the last few minutes."""
    st.subheader("In progress", anchor=False)
    st.session_state.pop(LAST, None)  # a page run always asks afresh
    watching = any(w.active for w in _load())
    st.fragment(run_every=POLL_SECONDS if watching else None)(_live)()


def _load() -> list[Work]:
    return attempt(lambda: current_work(uow=services().uow(), user_id=current_user_id())) or []


def _live() -> None:
    work = st.session_state.get(LAST)
    if work is None:
        work = _load()
        if not any(w.active for w in work):
            st.session_state[LAST] = work
    if not work:
        st.caption("Nothing running. Writing, images, voice-overs and videos show here.")
    for item in work:
        _row(item)
    st.page_link("pages/activity.py", label="All jobs in Activity", icon="📋")


def _row(item: Work) -> None:
    with st.container(border=True):
        what, state = st.columns([2, 3], vertical_alignment="center")
        what.markdown(f"**{item.label}**")  # our own words, not user text
        if item.script_id is not None:
            what.page_link(
                PAGES[item.page],
                label=md(item.script_title),
                icon="📝",
                query_params={"id": str(item.script_id)},
            )
        if item.active:
            state.progress(item.progress / 100, text=md(item.message) or "Waiting…")
        else:
            text = md(item.message) if item.message else ""
            state.markdown(f"{ENDED.get(item.status, item.status)}  \n{text}")
