"""Register: create an account, if this server's registration policy lets the visitor in."""

from __future__ import annotations

import streamlit as st

from core.accounts.registration import RegistrationPolicy, check_registration
from core.accounts.users import register_user
from ui.auth import start_session
from ui.errors import attempt, succeeded
from ui.flash import flash
from ui.services import services

svc = services()
policy = RegistrationPolicy.from_settings(svc.settings)
invite = st.query_params.get("invite", "")

st.title("Create your account")
st.page_link("app_pages/login.py", label="Already registered? Log in", icon="🔑")
# Closed, or invitation-only without a usable link: say why, and show no form.
if not succeeded(lambda: check_registration(uow=svc.uow(), policy=policy, invite_token=invite)):
    st.stop()

with st.form("register_form", clear_on_submit=False):
    username = st.text_input(
        "Username",
        key="register_username",
        help="3–32 letters, digits, dots, dashes or underscores",
    )
    display_name = st.text_input("Display name (optional)", key="register_display_name")
    email = st.text_input("Email (optional)", key="register_email")
    password = st.text_input(
        "Password", type="password", key="register_password", help="At least 8 characters"
    )
    repeat = st.text_input("Repeat password", type="password", key="register_repeat")
    submitted = st.form_submit_button("Create account", type="primary")

if submitted:
    if password != repeat:
        st.warning("The two passwords differ; nothing was created.")
    else:
        user = attempt(
            lambda: register_user(
                uow=svc.uow(),
                username=username,
                password=password,
                display_name=display_name,
                email=email,
                policy=policy,
                invite_token=invite,
            )
        )
        if user is not None:
            for key in ("register_password", "register_repeat"):
                st.session_state.pop(key, None)
            start_session(user)
            flash(f"Welcome, {user.display_name}! Your account is ready.", "🎉")
            if user.is_admin:  # the first account of a new studio
                flash(
                    "You are this studio's first account, so you are its admin: the Admin "
                    "page lists users, invitations and the job queue.",
                    "🛡️",
                )
            st.rerun()  # signed in now: /register opens the Welcome page
