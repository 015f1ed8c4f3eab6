"""Neither a polling fragment's timer tick nor the script's own st.rerun() takes a clicked
page link back (ui/rerun_guard.py), checked on Streamlit's own request queue."""

from __future__ import annotations

from streamlit.proto.WidgetStates_pb2 import WidgetStates
from streamlit.runtime.scriptrunner_utils.script_requests import (
    RerunData,
    ScriptRequests,
    ScriptRequestType,
)

from ui import rerun_guard

# What the browser sends for a click on a page link: a full rerun of page B.
CLICK = RerunData(page_script_hash="page-b", widget_states=WidgetStates())
# A polling fragment's timer on page A, the page being left.
TICK = RerunData(
    page_script_hash="page-a", widget_states=WidgetStates(), fragment_id="progress",
    is_auto_rerun=True,
)  # fmt: skip
SCRIPT = RerunData(page_script_hash="page-a")  # st.rerun() in page A's running script


def pending_page(*arrivals: RerunData) -> str:
    queue = ScriptRequests()
    for data in arrivals:
        queue.request_rerun(data)
    request = queue.on_scriptrunner_ready()
    assert request.type == ScriptRequestType.RERUN
    return request.rerun_data.page_script_hash


def test_a_timer_tick_or_the_scripts_rerun_after_a_click_keeps_the_clicked_page() -> None:
    rerun_guard.install()
    assert pending_page(CLICK, TICK) == "page-b"
    assert pending_page(CLICK, SCRIPT) == "page-b"
    assert pending_page(TICK, CLICK) == "page-b"  # and a click after them wins, as ever
    assert pending_page(SCRIPT, CLICK) == "page-b"


def test_without_the_guard_streamlit_lets_the_tick_win() -> None:
    rerun_guard.install()
    guarded = ScriptRequests._request_rerun_locked
    try:
        ScriptRequests._request_rerun_locked = rerun_guard.ORIGINAL  # type: ignore[method-assign]
        assert pending_page(CLICK, TICK) == "page-a"  # the races the guard closes
        assert pending_page(CLICK, SCRIPT) == "page-a"
    finally:
        ScriptRequests._request_rerun_locked = guarded  # type: ignore[method-assign]


def test_other_requests_fold_as_before() -> None:
    rerun_guard.install()
    # A click in a fragment, sent by the browser after the link: Streamlit's own rule.
    widget = RerunData(page_script_hash="page-a", widget_states=WidgetStates(), fragment_id="f")
    assert pending_page(CLICK, widget) == "page-a"
