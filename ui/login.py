"""The login form. What is typed goes to core as it is: the name in any case, the
password exactly (spaces at either end included)."""

from __future__ import annotations

import streamlit as st

from core.accounts.users import verify_login
from core.errors import InvalidInput, ProviderUnavailable, QuotaExceeded
from ui.auth import start_session
from ui.services import services

# Why the last attempt failed, kept in the session so a rerun keeps showing it.
NOTICE = "login_notice"


def login_form() -> None:
    with st.form("login_form"):
        st.subheader("Log in")
        username = st.text_input("Username", key="login_username", autocomplete="username")
        password = st.text_input(
            "Password", type="password", key="login_password", autocomplete="current-password"
        )
        submitted = st.form_submit_button("Log in", type="primary")
    if submitted:
        st.session_state.pop(NOTICE, None)
        svc = services()
        try:
            user = verify_login(
                uow=svc.uow(),
                throttle=svc.throttle,
                username=username,
                password=password,
                client=st.context.ip_address,  # None on this machine: the name alone counts
            )
        except (InvalidInput, QuotaExceeded, ProviderUnavailable) as exc:
            st.session_state[NOTICE] = (type(exc) is QuotaExceeded, str(exc))
        else:
            start_session(user)
            st.rerun()  # the same URL, now signed in: the page asked for, or the dashboard
    if NOTICE in st.session_state:
        must_wait, message = st.session_state[NOTICE]
        (st.warning if must_wait else st.error)(message, icon="⏳" if must_wait else None)
