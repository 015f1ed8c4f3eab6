"""Session keys shared across pages. Only ids and small values live in session_state."""

from __future__ import annotations

import streamlit as st

from core.accounts.preferences import Preferences, get_preferences
from core.accounts.users import UserView, get_user
from ui.services import services

USER_ID = "user_id"


def current_user_id() -> int:
    """The signed-in user's id; pages run only after Home.py's auth gate set it."""
    user_id = st.session_state.get(USER_ID)
    if user_id is None:
        st.error("Please log in.")
        st.stop()
    return int(user_id)


def current_user() -> UserView:
    return get_user(uow=services().uow(), user_id=current_user_id())


def user_preferences(user_id: int) -> Preferences:
    return get_preferences(uow=services().uow(), user_id=user_id)


def query_id(name: str = "id") -> int | None:
    """An integer id from the URL (ownership is checked by core, never here)."""
    raw = st.query_params.get(name)
    try:
        return int(raw) if raw is not None else None
    except ValueError:
        return None
