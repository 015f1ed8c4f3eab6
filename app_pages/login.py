"""Log in (every app URL shows this while signed out, so a bookmark opens after it)."""

from __future__ import annotations

import streamlit as st

from ui.login import login_form

st.title("🎬 Faceless Studio")
st.caption("Turn an idea into a narrated, captioned video.")
login_form()
st.page_link("app_pages/register.py", label="No account yet? Register", icon="📝")
