"""Settings: profile and theme, defaults for new work, notifications, password, API keys."""

from __future__ import annotations

import streamlit as st

from core.accounts.users import change_password, update_profile
from ui.errors import attempt, succeeded
from ui.key_vault import key_vault
from ui.notification_prefs import notification_preferences
from ui.preferences_form import defaults_form, theme_switch
from ui.services import services
from ui.session import current_user, current_user_id

st.title("Settings")
svc = services()
user_id = current_user_id()
profile_tab, defaults_tab, notices_tab, password_tab, keys_tab = st.tabs(
    ["Profile", "Defaults", "Notifications", "Password", "API keys"]
)

with profile_tab:
    user = current_user()
    with st.form("settings_profile"):
        name = st.text_input("Display name", value=user.display_name)
        email = st.text_input("Email", value=user.email)
        if st.form_submit_button("Save profile") and attempt(
            lambda: update_profile(uow=svc.uow(), user_id=user_id, display_name=name, email=email)
        ):
            st.success("Profile saved.")
    theme_switch()

with defaults_tab:
    defaults_form()

with password_tab, st.form("settings_password", clear_on_submit=True):
    current = st.text_input("Current password", type="password")
    new = st.text_input("New password", type="password")
    repeat = st.text_input("Repeat new password", type="password")
    if st.form_submit_button("Change password"):
        if new != repeat:
            st.warning("The two new passwords differ; nothing was changed.")
        elif succeeded(
            lambda: change_password(
                uow=svc.uow(), user_id=user_id, current_password=current, new_password=new
            )
        ):
            st.success("Password changed.")

with keys_tab:
    key_vault(user_id)

with notices_tab:
    notification_preferences(user_id)
