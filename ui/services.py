"""The app's services, built once per server process from Settings."""

from __future__ import annotations

import streamlit as st

from core.bootstrap import Services, build_services


@st.cache_resource(show_spinner=False)
def services() -> Services:
    return build_services()
