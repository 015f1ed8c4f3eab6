"""Dashboard: where to go next, recent workspaces and running jobs."""

from __future__ import annotations

import streamlit as st

from core.tasks.records import list_jobs
from core.workspaces.workspace import list_workspaces
from ui.services import services
from ui.session import current_user, current_user_id

svc = services()
user_id = current_user_id()
user = current_user()
st.title(f"Hello, {user.display_name}")

if not user.onboarded:
    st.info("New here? The welcome page sets you up in a minute.")
    st.page_link("app_pages/onboarding.py", label="Start here", icon="👋")

quick = st.columns(3)
quick[0].page_link("app_pages/ideas.py", label="New idea", icon="💡")
quick[1].page_link("app_pages/workspaces.py", label="Workspaces", icon="🗂️")
quick[2].page_link("app_pages/settings.py", label="API keys", icon="🔑")

st.subheader("Recent workspaces")
recent = list_workspaces(uow=svc.uow(), user_id=user_id)[:5]
if not recent:
    st.caption("No workspace yet: execute an idea to create one.")
for ws in recent:
    if st.button(f"{'★ ' if ws.favorite else ''}{ws.title}", key=f"dash_ws_{ws.id}"):
        st.switch_page("app_pages/workspace.py", query_params={"id": ws.id})

st.subheader("Jobs")
jobs = [j for j in list_jobs(uow=svc.uow(), user_id=user_id) if j.active]
if not jobs:
    st.caption("Nothing running.")
for job in jobs:
    st.progress(job.progress / 100, text=f"{job.label}: {job.message}")
