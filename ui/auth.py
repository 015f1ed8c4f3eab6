"""Sign-in sessions. Our login form (ui/login.py) checks the password through core; the
server reads the sign-in cookie from the request (core/accounts/sessions.py); and
streamlit-authenticator's cookie component only writes and deletes that cookie.

The component is built only in the run that signs in or out. On every other page it
would report to the server a moment after loading, and that report reruns the page the
browser last knew, undoing a click made in that instant.

A session names its user by id: session_state["username"] holds str(user id), and so does
the cookie. A name can be taken again in another case or after an account is deleted;
an id names one account for good.
"""

from __future__ import annotations

import streamlit as st
import streamlit_authenticator as stauth

from core.accounts.sessions import session_user_id
from core.accounts.users import UserView, get_user, login_directory
from core.errors import NotFound
from ui.services import services
from ui.session import USER_ID

# Not the old cookie's name: those cookies held usernames, and a username may be digits.
COOKIE_NAME = "faceless_studio_session"
AUTH_KEYS = ("authentication_status", "username", "name")
SIGNED_OUT = "logout"  # set by a log-out in this browser tab: its cookie no longer counts


def restore_session() -> None:
    """Sign in from the request's cookie when it names an account that still exists."""
    if st.session_state.get("authentication_status") or st.session_state.get(SIGNED_OUT):
        return
    svc = services()
    token = st.context.cookies.get(COOKIE_NAME)
    user_id = session_user_id(token=token, secret=svc.settings.secret_key)
    if user_id is not None:
        st.session_state["authentication_status"] = True
        st.session_state["username"] = str(user_id)


def start_session(user: UserView) -> None:
    """Sign `user` in (after core checked the password) and have the cookie written.

    No st.rerun() after this: the cookie component must reach the browser first; its
    answer triggers the rerun that opens the app.
    """
    st.session_state[SIGNED_OUT] = None
    st.session_state["authentication_status"] = True
    st.session_state["username"] = str(user.id)  # what the cookie will hold
    st.session_state["name"] = user.display_name
    st.session_state[USER_ID] = user.id
    _cookie_writer().cookie_controller.set_cookie()


def signed_in_user_id() -> int | None:
    """The signed-in user's id; None when signed out or when the account no longer exists."""
    if not st.session_state.get("authentication_status"):
        st.session_state.pop(USER_ID, None)
        return None
    if USER_ID not in st.session_state:  # restored from the cookie in this run
        st.session_state[USER_ID] = _user_id(st.session_state.get("username"))
    user_id = st.session_state[USER_ID]
    try:
        return None if user_id is None else get_user(uow=services().uow(), user_id=user_id).id
    except NotFound:
        pass
    _forget()
    return None


def log_out() -> None:
    """End the session in this tab and have the browser forget the cookie."""
    _cookie_writer().logout(location="unrendered")
    for key in list(st.session_state.keys()):
        if key not in (SIGNED_OUT, *AUTH_KEYS):
            del st.session_state[key]


def _cookie_writer() -> stauth.Authenticate:
    """The authenticator, for its cookie component (rendered where this is called)."""
    svc = services()
    return stauth.Authenticate(
        login_directory(uow=svc.uow()),
        cookie_name=COOKIE_NAME,
        cookie_key=svc.settings.secret_key,
        cookie_expiry_days=svc.settings.cookie_expiry_days,
        auto_hash=False,
        login_sleep_time=0,
    )


def _user_id(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def _forget() -> None:
    for key in AUTH_KEYS:
        st.session_state[key] = None
    st.session_state.pop(USER_ID, None)
