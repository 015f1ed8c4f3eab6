"""Register: create an account, then log in."""

from __future__ import annotations

import streamlit as st

from core.accounts import register_user
from ui.errors import attempt
from ui.services import services

st.title("Create your account")
st.markdown("Already registered? [Log in](./)")
with st.form("register_form", clear_on_submit=False):
    username = st.text_input("Username", help="3–32 letters, digits, dots, dashes or underscores")
    display_name = st.text_input("Display name (optional)")
    email = st.text_input("Email (optional)")
    password = st.text_input("Password", type="password", help="At least 8 characters")
    repeat = st.text_input("Repeat password", type="password")
    submitted = st.form_submit_button("Create account", type="primary")

if submitted:
    if password != repeat:
        st.warning("The two passwords differ; nothing was created.")
    else:
        svc = services()
        user = attempt(
            lambda: register_user(
                uow=svc.uow(),
                username=username,
                password=password,
                display_name=display_name,
                email=email,
                admin_username=svc.settings.admin_username,
            )
        )
        if user is not None:
            st.success(f"Account **{user.username}** created. You can log in now.")
            st.markdown("[🔑 Go to log in](./)")
