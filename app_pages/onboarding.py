"""Welcome: add an API key or choose offline draft mode, then create the first idea."""

from __future__ import annotations

import streamlit as st

from core.accounts.users import finish_onboarding
from core.workspaces.ideas import create_idea
from ui.errors import attempt
from ui.key_vault import key_vault
from ui.services import services
from ui.session import current_user_id

svc = services()
user_id = current_user_id()
st.title("👋 Welcome to Faceless Studio")
st.write(
    "Three steps: connect an AI provider (or work offline), write down an idea, "
    "and let the studio turn it into a script."
)

st.subheader("1 · Connect a provider, or work offline")
offline = st.toggle(
    "Offline draft mode (no keys: template scripts, procedural images, eSpeak voice)",
    key="welcome_offline",
)
if not offline:
    key_vault(user_id)

st.subheader("2 · Your first idea")
with st.form("welcome_idea"):
    title = st.text_input("Idea title", placeholder="Why octopuses are so clever")
    description = st.text_area("A few words about it (optional)")
    if st.form_submit_button("Create idea and finish", type="primary"):
        idea = attempt(
            lambda: create_idea(
                uow=svc.uow(), user_id=user_id, title=title, description=description
            )
        )
        if idea is not None:
            finish_onboarding(uow=svc.uow(), user_id=user_id, offline_mode=offline)
            st.switch_page("app_pages/ideas.py")
