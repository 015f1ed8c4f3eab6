"""Fragments that poll while queued work runs, then rerun the whole page once when it ends.

A page run decides whether a fragment polls (`run_every`); only a full rerun can stop it,
and only a full rerun shows results outside the fragment. The guard makes that rerun
happen once per stretch of work, so a page never reruns in a loop.
"""

from __future__ import annotations

import streamlit as st

from ui.flash import flash

RERAN = "live_reran"  # fragment keys whose end of work already reran the page


def poll_every(key: str, seconds: int, *, watching: bool) -> int | None:
    """`run_every` for the fragment `key`; a page run with nothing to watch re-arms its rerun."""
    if not watching:
        st.session_state.setdefault(RERAN, set()).discard(key)
        return None
    return seconds


def rerun_page_once(key: str, toast: str = "", icon: str = "✅") -> None:
    """Rerun the page (showing `toast` after it), unless this stretch of work already did."""
    reran: set[str] = st.session_state.setdefault(RERAN, set())
    if key in reran:
        return
    reran.add(key)
    if toast:
        flash(toast, icon)
    st.rerun()
