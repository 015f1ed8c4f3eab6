"""Admin: the RQ dashboard, the job queues and workers, every account, and sign-up links.
Admins only."""

from __future__ import annotations

from dataclasses import asdict
from urllib.parse import urlsplit

import streamlit as st

from core.accounts.invitations import create_invitation
from core.accounts.registration import Registration, RegistrationPolicy
from core.accounts.users import list_users
from core.tasks.monitoring import dashboard_access, overview
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
    lambda: dashboard_access(uow=svc.uow(), settings=svc.settings, requester_id=user.id)
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
stats = attempt(lambda: overview(uow=svc.uow(), connection=svc.redis, requester_id=user.id))
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

st.subheader("Invitations")
mode = RegistrationPolicy.from_settings(svc.settings).mode
if mode != Registration.INVITE:
    st.caption(
        f"Registration is **{mode}** (STUDIO_REGISTRATION): sign-up links are needed, and "
        "accepted, only when it is `invite`."
    )
with st.form("admin_invite"):
    days = st.number_input(
        "Valid for (days)", min_value=1, max_value=90, value=7, key="admin_invite_days"
    )
    make_link = st.form_submit_button("Create a sign-up link", icon="✉️")
if make_link:
    invite = attempt(lambda: create_invitation(uow=svc.uow(), requester_id=user.id, days=days))
    if invite:
        url = urlsplit(st.context.url or "")
        here = f"{url.scheme}://{url.netloc}" if url.netloc else svc.settings.app_url
        st.code(invite.link(svc.settings.public_url or here), language=None)
        st.caption(
            f"Admits one person until {invite.expires_at:%Y-%m-%d %H:%M} UTC. Copy it now: "
            "only a fingerprint of it is stored, so it cannot be shown again."
        )
