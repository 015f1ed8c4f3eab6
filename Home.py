"""Entry point: page config, the sign-in gate, and the router (st.navigation)."""

from __future__ import annotations

import streamlit as st

from ui.auth import log_out, restore_session, signed_in_user_id
from ui.login import login_form
from ui.search_box import search_box
from ui.session import current_user

st.set_page_config(page_title="Faceless Studio", page_icon="🎬", layout="wide")

# (file, title, icon, url path, listed in the sidebar); detail pages open from links with ?id=
APP_PAGES = [
    ("pages/dashboard.py", "Dashboard", "🏠", "dashboard", True),
    ("pages/ideas.py", "Ideas", "💡", "ideas", True),
    ("pages/workspaces.py", "Workspaces", "🗂️", "workspaces", True),
    ("pages/workspace.py", "Workspace", "📁", "workspace", False),
    ("pages/script.py", "Script", "📝", "script", False),
    ("pages/screens.py", "Screens", "🖼️", "screens", False),
    ("pages/video.py", "Video", "🎬", "video", False),
    ("pages/activity.py", "Activity", "📋", "activity", True),
    ("pages/settings.py", "Settings", "⚙️", "settings", True),
    ("pages/onboarding.py", "Welcome", "👋", "welcome", True),
    ("pages/admin.py", "Admin", "🛡️", "admin", True),
    ("pages/search.py", "Search", "🔎", "search", False),
]
ADMIN_ONLY = {"admin"}  # linked for admins only; the pages check the role themselves

LOGIN = ("", "Log in", "🔑", "login", False)

restore_session()  # a reload signs in again from the cookie


def _login() -> None:
    st.title("🎬 Faceless Studio")
    st.caption("Turn an idea into a narrated, captioned video.")
    login_form()
    st.page_link("pages/register.py", label="No account yet? Register", icon="📝")


if signed_in_user_id() is None:
    # Every app URL shows the login form, so a bookmarked link opens after signing in.
    signed_out = [st.Page(_login, title="Log in", icon="🔑", url_path="home", default=True)]
    signed_out += [st.Page(_login, title="Log in", url_path=p[3]) for p in [*APP_PAGES, LOGIN]]
    signed_out.append(st.Page("pages/register.py", title="Register", url_path="register"))
    st.navigation(signed_out, position="hidden").run()
else:
    user = current_user()
    pages = [
        st.Page(path, title=title, icon=icon, url_path=url, default=url == "dashboard")
        for path, title, icon, url, _listed in APP_PAGES
    ]
    nav = st.navigation(pages, position="hidden")  # register pages before linking to them
    with st.sidebar:
        st.markdown("### 🎬 Faceless Studio")
        search_box()
        for page, (*_, url, listed) in zip(pages, APP_PAGES, strict=True):
            if listed and (user.is_admin or url not in ADMIN_ONLY):
                st.page_link(page)
        st.divider()
        st.caption(f"Signed in as **{user.display_name}** ({user.username})")
        if st.button("Log out", key="logout_button", icon="🚪"):
            log_out()
            # No st.rerun(): the cookie deletion must reach the browser first, or a reload
            # would sign the user straight back in. Its answer triggers the rerun.
            st.info("Signed out.")
            st.stop()
    nav.run()
