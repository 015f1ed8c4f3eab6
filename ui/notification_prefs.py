"""Settings › Notifications: which kinds to get, and whether also by e-mail."""

from __future__ import annotations

import streamlit as st

from core.accounts.preferences import get_preferences
from core.notifications.notice_kinds import KINDS, wants
from core.notifications.notices import save_notification_choices
from ui.errors import attempt
from ui.services import services
from ui.session import current_user


def notification_preferences(user_id: int) -> None:
    """A form with a checkbox per kind of notification and "Also send by e-mail"."""
    svc = services()
    preferences = get_preferences(uow=svc.uow(), user_id=user_id)
    st.subheader("Notifications", anchor=False)
    with st.form("settings_notifications"):
        st.caption("Tell me, in the 🔔 list, when…")
        on = {
            name
            for name, kind in KINDS.items()
            if st.checkbox(
                f"{kind.icon} {kind.label}",
                value=wants(preferences, name),
                key=f"settings_notify_{name}",
            )
        }
        email = st.checkbox(
            "Also send them by e-mail", value=preferences.email, disabled=svc.mailer is None
        )
        _email_hint(svc.mailer is not None)
        if st.form_submit_button("Save notifications") and attempt(
            lambda: save_notification_choices(uow=svc.uow(), user_id=user_id, on=on, email=email)
        ):
            st.success("Notification choices saved.")


def _email_hint(server_can_mail: bool) -> None:
    if not server_can_mail:
        st.caption(
            "This server sends no e-mail (no SMTP server is configured): whoever runs it can "
            "set STUDIO_SMTP_HOST. Until then you find everything under 🔔 Notifications."
        )
    elif not current_user().email:
        st.caption("Add your e-mail address above (Profile) to get them by e-mail.")
