"""The one search box, in the sidebar: Enter (or the button) opens the results page with
the query in its URL (search?q=...), so a search can be bookmarked and reloaded."""

from __future__ import annotations

import streamlit as st

QUERY = "q"


def search_box() -> None:
    """Draw the box; on submit, switch to the results. It shows the query being viewed."""
    # A form, not an on_change box: leaving the box for a link must not start a search.
    with st.form("search_box", border=False, enter_to_submit=True):
        box, button = st.columns([5, 1], vertical_alignment="bottom", gap="small")
        text = box.text_input(
            "Search",
            value=st.query_params.get(QUERY, ""),
            placeholder="Search ideas, scripts…",
            max_chars=200,
            label_visibility="collapsed",
        )
        submitted = button.form_submit_button(
            "", icon=":material/search:", help="Search", width="stretch"
        )
    if submitted:
        st.switch_page("app_pages/search.py", query_params={QUERY: " ".join(text.split())})
