"""Entry point: page config, the sign-in gate, and the router (st.navigation)."""

from __future__ import annotations

import streamlit as st

from ui import rerun_guard
from ui.auth import log_out, restore_session, signed_in_user_id, sync_cookie
from ui.flash import show_flash
from ui.notification_bell import notification_bell
from ui.search_box import search_box
from ui.session import current_user, user_preferences
from ui.theme import apply_theme

rerun_guard.install()  # a polling fragment's tick must not undo a click on a page link
st.set_page_config(page_title="Faceless Studio", page_icon="🎬", layout="wide")

# (file, title, icon, url path, listed in the sidebar); detail pages open from links with ?id=
APP_PAGES = [
    ("app_pages/dashboard.py", "Dashboard", "🏠", "dashboard", True),
    ("app_pages/ideas.py", "Ideas", "💡", "ideas", True),
    ("app_pages/workspaces.py", "Workspaces", "🗂️", "workspaces", True),
    ("app_pages/workspace.py", "Workspace", "📁", "workspace", False),
    ("app_pages/script.py", "Script", "📝", "script", False),
    ("app_pages/screens.py", "Screens", "🖼️", "screens", False),
    ("app_pages/video.py", "Video", "🎬", "video", False),
    ("app_pages/activity.py", "Activity", "📋", "activity", True),
    ("app_pages/notifications.py", "Notifications", "🔔", "notifications", False),  # the bell
    ("app_pages/settings.py", "Settings", "⚙️", "settings", True),
    ("app_pages/onboarding.py", "Welcome", "👋", "welcome", True),
    ("app_pages/admin.py", "Admin", "🛡️", "admin", True),
    ("app_pages/search.py", "Search", "🔎", "search", False),
]
ADMIN_ONLY = {"admin"}  # linked for admins only; the pages check the role themselves

LOGIN = "app_pages/login.py"
# Signed in, the signed-out pages open these: a new account starts on the Welcome page.
SIGNED_OUT_PATHS = {"home": "dashboard", "login": "dashboard", "register": "welcome"}

restore_session()  # a reload signs in again from the cookie

if signed_in_user_id() is None:
    # Every app URL shows the login form, so a bookmarked link opens after signing in.
    signed_out = [st.Page(LOGIN, title="Log in", icon="🔑", url_path="home", default=True)]
    signed_out += [st.Page(LOGIN, title="Log in", url_path=p[3]) for p in APP_PAGES]
    signed_out += [
        st.Page(LOGIN, title="Log in", url_path="login"),
        st.Page("app_pages/register.py", title="Register", url_path="register"),
    ]
    nav = st.navigation(signed_out, position="hidden")
    sync_cookie()
    show_flash()
    nav.run()
else:
    user = current_user()
    pages = [
        st.Page(path, title=title, icon=icon, url_path=url, default=url == "dashboard")
        for path, title, icon, url, _listed in APP_PAGES
    ]
    by_url = {spec[3]: page for spec, page in zip(APP_PAGES, pages, strict=True)}
    aliases = [
        st.Page(lambda to=by_url[target]: st.switch_page(to), url_path=path)
        for path, target in SIGNED_OUT_PATHS.items()
    ]
    nav = st.navigation([*pages, *aliases], position="hidden")  # before any link to them
    with st.sidebar:
        st.markdown("### 🎬 Faceless Studio")
        notification_bell()
        search_box()
        for page, (*_, url, listed) in zip(pages, APP_PAGES, strict=True):
            if listed and (user.is_admin or url not in ADMIN_ONLY):
                st.page_link(page)
        st.divider()
        st.caption(f"Signed in as **{user.display_name}** ({user.username})")
        st.button("Log out", key="logout_button", icon="🚪", on_click=log_out)
        sync_cookie()
        apply_theme(user_preferences(user.id).theme)
    show_flash()
    nav.run()
