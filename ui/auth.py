"""Sign-in with streamlit-authenticator over the users in our database."""

from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth

from core.accounts import find_user, login_directory
from ui.services import services
from ui.session import USER_ID

COOKIE_NAME = "faceless_studio_auth"


def authenticator() -> stauth.Authenticate:
    """One per script run (its cookie manager is a component with a fixed key)."""
    svc = services()
    return stauth.Authenticate(
        login_directory(uow=svc.uow()),
        cookie_name=COOKIE_NAME,
        cookie_key=svc.settings.secret_key,
        cookie_expiry_days=svc.settings.cookie_expiry_days,
        auto_hash=False,
    )


def signed_in_user_id() -> int | None:
    """Map the authenticator's username to our user id (kept in session_state)."""
    if not st.session_state.get("authentication_status"):
        st.session_state.pop(USER_ID, None)
        return None
    if USER_ID not in st.session_state:
        user = find_user(uow=services().uow(), username=st.session_state["username"])
        st.session_state[USER_ID] = user.id
    return int(st.session_state[USER_ID])


def log_out(auth: stauth.Authenticate) -> None:
    auth.logout(location="unrendered")
    for key in list(st.session_state.keys()):
        if key not in ("logout", "authentication_status", "username", "name"):
            del st.session_state[key]
