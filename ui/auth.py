"""Sign-in sessions. Our login form (ui/login.py) checks the password through core; the
server reads the sign-in cookie from the request (core/accounts/sessions.py); and a line
of JavaScript in the page writes or deletes that cookie.

No component is involved. A component reports to the server a moment after it loads,
and that report reruns the page the browser last knew, undoing a link click made in
that instant (the first click after signing in was often lost). A script that only sets
document.cookie reports nothing, so signing in or out is one run and the page after it
is settled.

A session names its user by id: session_state["username"] holds str(user id), and so does
the cookie. A name can be taken again in another case or after an account is deleted;
an id names one account for good.
"""

from __future__ import annotations

import json

import streamlit as st

from core.accounts.sessions import issue_session_token, session_user_id
from core.accounts.users import UserView, get_user
from core.errors import NotFound
from ui.services import services
from ui.session import USER_ID

# Not the old cookie's name: those cookies held usernames, and a username may be digits.
COOKIE_NAME = "faceless_studio_session"
AUTH_KEYS = ("authentication_status", "username", "name")
SIGNED_OUT = "logout"  # set by a log-out in this browser tab: its cookie no longer counts
COOKIE_SCRIPT = "auth_cookie_script"  # the cookie change this tab's page must make


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
    """Sign `user` in (after core checked the password); the next run writes the cookie."""
    svc = services()
    days = svc.settings.cookie_expiry_days
    token = issue_session_token(user_id=user.id, secret=svc.settings.secret_key, days=days)
    st.session_state[SIGNED_OUT] = None
    st.session_state["authentication_status"] = True
    st.session_state["username"] = str(user.id)  # what the cookie holds
    st.session_state["name"] = user.display_name
    st.session_state[USER_ID] = user.id
    st.session_state[COOKIE_SCRIPT] = _cookie_script(token, max_age=int(days * 86400))


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
    """End the session in this tab and have the browser forget the cookie.

    A button callback: it runs before the page, so that run already shows the login."""
    for key in list(st.session_state.keys()):
        del st.session_state[key]
    _forget()
    st.session_state[SIGNED_OUT] = True
    st.session_state[COOKIE_SCRIPT] = _cookie_script("", max_age=0)


def sync_cookie() -> None:
    """Draw this tab's pending cookie change, on every run of the tab: the browser runs
    the script once, when it first appears. It takes no space and reports nothing."""
    script = st.session_state.get(COOKIE_SCRIPT)
    if script:
        st.html(script, unsafe_allow_javascript=True)


def _cookie_script(value: str, *, max_age: int) -> str:
    # json.dumps gives a JavaScript string literal; the token is base64url and dots anyway.
    cookie = f"{COOKIE_NAME}={value}; Max-Age={max_age}; Path=/; SameSite=Strict"
    return f"<script>document.cookie = {json.dumps(cookie)};</script>"


def _user_id(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def _forget() -> None:
    for key in AUTH_KEYS:
        st.session_state[key] = None
    st.session_state.pop(USER_ID, None)
