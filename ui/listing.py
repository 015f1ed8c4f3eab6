"""Pieces shared by the list pages: safe markdown for user text, the Title + Description
forms, and delete with confirmation."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol

import streamlit as st

from ui.errors import attempt, succeeded
from ui.flash import flash

_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def md(text: str) -> str:
    """User or model text made literal for st.markdown (no formatting, links or LaTeX)."""
    return _MARKDOWN.sub(r"\\\1", text)


def delete_button(
    where: Any,
    *,
    state_key: str,
    item_id: int | str,
    what: str,
    delete: Callable[[], object],
    verb: str = "Delete",
    done: str = "Deleted",
) -> None:
    """A Delete (or `verb`) button in `where`, then, below it, a warning with Confirm /
    Cancel: nothing is deleted on the first click."""
    if where.button(verb, key=f"{state_key}_ask_{item_id}", icon="🗑️"):
        st.session_state[state_key] = item_id
        st.rerun()
    if st.session_state.get(state_key) != item_id:
        return
    st.warning(f"{verb} {md(what)}? This cannot be undone.", icon="🗑️")
    left, right, _ = st.columns([1, 1, 4])
    if left.button(f"Confirm {verb.lower()}", key=f"{state_key}_confirm_{item_id}", type="primary"):
        st.session_state.pop(state_key, None)
        if succeeded(delete):
            flash(f"{done} {md(what)}.", "🗑️")
            st.rerun()
    if right.button("Cancel", key=f"{state_key}_cancel_{item_id}"):
        st.session_state.pop(state_key, None)
        st.rerun()


class Titled(Protocol):
    @property
    def title(self) -> str: ...


def add_form(
    form_key: str, *, heading: str, submit: str, done: str, create: Callable[[str, str], Titled]
) -> None:
    """A Title + Description form calling `create(title, description)`; emptied on success."""
    title, description, submitted, _ = _fields(form_key, submit=submit, heading=heading)
    if not submitted:
        return
    created = attempt(lambda: create(title, description))
    if created is not None:
        flash(f"{done}: {md(created.title)}")
        st.session_state[f"{form_key}_reset"] = True
        st.rerun()


def edit_form(
    form_key: str,
    *,
    editing_key: str,
    title: str,
    description: str,
    done: str,
    update: Callable[[str, str], object],
) -> None:
    """The inline Title + Description editor of one item (shown while `editing_key` holds it)."""
    new_title, new_description, saved, canceled = _fields(
        form_key, submit="Save", title=title, description=description, cancel=True
    )
    if canceled or (saved and attempt(lambda: update(new_title, new_description)) is not None):
        st.session_state.pop(editing_key, None)
        if saved:
            flash(done)
        st.rerun()


def _fields(
    form_key: str,
    *,
    submit: str,
    heading: str = "",
    title: str = "",
    description: str = "",
    cancel: bool = False,
) -> tuple[str, str, bool, bool]:
    if st.session_state.pop(f"{form_key}_reset", False):  # before the widgets exist
        st.session_state[f"{form_key}_title"] = ""
        st.session_state[f"{form_key}_description"] = ""
    with st.form(form_key):
        if heading:
            st.subheader(heading, anchor=False)
        new_title = st.text_input("Title", value=title, max_chars=200, key=f"{form_key}_title")
        new_description = st.text_area(
            "Description", value=description, key=f"{form_key}_description"
        )
        left, right, _ = st.columns([1, 1, 4])
        submitted = left.form_submit_button(submit, type="primary")
        canceled = right.form_submit_button("Cancel") if cancel else False
    return new_title, new_description, submitted, canceled
