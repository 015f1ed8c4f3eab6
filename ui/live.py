"""Fragments that poll while queued work runs, and stop polling themselves when it ends.

A fragment that shows live progress holds everything the end of the work changes, so
its last run already shows the result. It then stops its own timer instead of rerunning
the whole page: a full rerun started from a fragment lands in the instant a user may be
clicking a page link, and undid that click (the page the browser last knew won).

Streamlit has no public call for "stop this fragment's timer"; it sends the same
`stop_auto_rerun` message itself when a polling fragment goes away, so that is what
`stop_polling` sends, for the fragment that is running.
"""

from __future__ import annotations

import streamlit as st
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.runtime.scriptrunner_utils.script_run_context import (
    ThreadState,
    get_script_run_ctx,
)

ENDED = "live_ended"  # fragment keys whose end of work was already told


def poll_every(key: str, seconds: int, *, watching: bool) -> int | None:
    """`run_every` for the fragment `key`; a page run with work to watch re-arms its end."""
    if not watching:
        return None
    st.session_state.setdefault(ENDED, set()).discard(key)
    return seconds


def stop_polling(key: str, toast: str = "", icon: str = "✅") -> None:
    """From inside the fragment `key`: stop its timer, and say `toast` once."""
    ended: set[str] = st.session_state.setdefault(ENDED, set())
    if key not in ended and toast:
        st.toast(toast, icon=icon)
    ended.add(key)
    ctx, fragment_id = get_script_run_ctx(), ThreadState.get().fragment_id
    if ctx is not None and fragment_id:
        message = ForwardMsg()
        message.stop_auto_rerun.fragment_ids.append(fragment_id)
        ctx.enqueue(message)
