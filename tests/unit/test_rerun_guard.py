"""A polling fragment's timer tick never takes a clicked page link back (ui/rerun_guard.py),
checked on Streamlit's own request queue."""

from __future__ import annotations

from streamlit.runtime.scriptrunner_utils.script_requests import (
    RerunData,
    ScriptRequests,
    ScriptRequestType,
)

from ui import rerun_guard

CLICK = RerunData(page_script_hash="page-b")  # a page link: a full rerun of page B
TICK = RerunData(page_script_hash="page-a", fragment_id="progress", is_auto_rerun=True)


def pending_page(*arrivals: RerunData) -> str:
    queue = ScriptRequests()
    for data in arrivals:
        queue.request_rerun(data)
    request = queue.on_scriptrunner_ready()
    assert request.type == ScriptRequestType.RERUN
    return request.rerun_data.page_script_hash


def test_a_timer_tick_after_a_click_keeps_the_clicked_page() -> None:
    rerun_guard.install()
    assert pending_page(CLICK, TICK) == "page-b"
    assert pending_page(TICK, CLICK) == "page-b"  # and a click after a tick wins, as ever


def test_without_the_guard_streamlit_lets_the_tick_win() -> None:
    rerun_guard.install()
    guarded = ScriptRequests._request_rerun_locked
    try:
        ScriptRequests._request_rerun_locked = rerun_guard.ORIGINAL  # type: ignore[method-assign]
        assert pending_page(CLICK, TICK) == "page-a"  # the race the guard closes
    finally:
        ScriptRequests._request_rerun_locked = guarded  # type: ignore[method-assign]


def test_other_requests_fold_as_before() -> None:
    rerun_guard.install()
    widget = RerunData(page_script_hash="page-a", fragment_id="form")  # a click in a fragment
    assert pending_page(CLICK, widget) == "page-a"  # not automatic: Streamlit's own rule
