"""One-shot notices that survive an st.rerun() or st.switch_page() (a toast sent just
before a rerun is dropped with the rest of that run's output)."""

from __future__ import annotations

import streamlit as st

FLASH = "flash_messages"


def flash(message: str, icon: str = "✅") -> None:
    """Show `message` as a toast on the next run of whichever page runs next."""
    st.session_state.setdefault(FLASH, []).append((message, icon))


def show_flash() -> None:
    """Show and forget the notices queued by `flash`."""
    for message, icon in st.session_state.pop(FLASH, []):
        st.toast(message, icon=icon)
