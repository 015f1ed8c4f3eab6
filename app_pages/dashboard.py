"""Dashboard: where to go next, what is running, favourite and recent work, and this month's
output. The sections are listed in ui/dashboard_sections.py."""

from __future__ import annotations

import streamlit as st

from ui.dashboard_sections import SECTIONS
from ui.listing import md
from ui.session import current_user

st.title(f"Hello, {md(current_user().display_name)}", anchor=False)
for section in SECTIONS:
    section()
