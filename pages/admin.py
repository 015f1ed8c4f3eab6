"""Admin: the RQ dashboard, the job queues and workers, and every account. Admins only."""

from __future__ import annotations

from dataclasses import asdict

import streamlit as st

from core import monitoring
from core.accounts import list_users
from ui.errors import attempt
from ui.services import services
from ui.session import current_user

svc = services()
user = current_user()
st.title("🛡️ Admin")
if not user.is_admin:
    st.error("Admins only: this page is for users with the admin role.", icon="🔒")
    st.stop()

st.subheader("RQ dashboard")
access = attempt(
    lambda: monitoring.dashboard_access(uow=svc.uow(), settings=svc.settings, requester_id=user.id)
)
if access:
    st.link_button("Open the RQ dashboard", access.url, icon="📊")
    st.caption(f"{access.url} · sign in as the user below, password from {access.password_source}")
    st.code(access.username, language=None)
    if access.password is not None:
        reveal = st.toggle("Reveal password", key="admin_reveal_password")
        st.code(access.password if reveal else "•" * 16, language=None)
    if access.local_only:
        st.caption(
            "It listens on the server's loopback address only: open it on that machine or "
            f"through an SSH tunnel (`ssh -L {access.port}:127.0.0.1:{access.port} <server>`). "
            "STUDIO_DASHBOARD_HOST changes that."
        )

st.subheader("Job queue")
stats = attempt(lambda: monitoring.overview(svc))
if stats:
    st.dataframe([asdict(q) for q in stats.queues], hide_index=True)
    if stats.workers:
        workers = [asdict(w) | {"queues": ", ".join(w.queues)} for w in stats.workers]
        st.dataframe(workers, hide_index=True)
    else:
        st.warning("No RQ worker is running: queued jobs wait until one starts.")
    st.button("Refresh", key="admin_refresh", icon="🔄")

st.subheader("Users")
users = attempt(lambda: list_users(uow=svc.uow(), requester_id=user.id))
if users:
    rows = [
        {"username": u.username, "name": u.display_name, "role": u.role, "created": u.created_at}
        for u in users
    ]
    st.dataframe(rows, hide_index=True)
