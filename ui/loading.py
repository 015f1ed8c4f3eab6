"""Pages about one thing (?id=… in the URL): load it, or say why not and link back."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import streamlit as st

from ui.errors import attempt
from ui.session import query_id

T = TypeVar("T")


def load_from_url(load: Callable[[int], T], *, missing: str, back: str, back_label: str) -> T:
    """The object whose id is in the URL; otherwise a message, a link back, and stop the page.

    An unknown id, or one of another user's, gets core's "not found" message via `attempt`.
    """
    item_id = query_id("id")
    item = attempt(lambda: load(item_id)) if item_id is not None else None
    if item is None:
        if item_id is None:
            st.info(missing)
        st.page_link(back, label=back_label, icon="⬅️")
        st.stop()
    return item
