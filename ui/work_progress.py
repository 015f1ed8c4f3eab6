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
ENDED = {"succeeded": "✅", "failed": "⚠️", "canceled": "⏹️"}
SHOWN_ENDED = 3


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
    st.page_link("pages/activity.py", label=f"All jobs in Activity{more}", icon="📋")


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
