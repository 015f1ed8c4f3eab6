"""The video of a script: export settings, render in the background, watch and download."""

from __future__ import annotations

import streamlit as st

from core.scripts.script import get_script
from ui.export_form import export_form, music_expander
from ui.loading import load_from_url
from ui.render_view import latest_video, render_history, render_progress
from ui.services import services
from ui.session import current_user_id

svc = services()
user_id = current_user_id()
script = load_from_url(
    lambda script_id: get_script(uow=svc.uow(), user_id=user_id, script_id=script_id),
    missing="No script selected: open a script's screens to make its video.",
    back="app_pages/workspaces.py",
    back_label="Back to Workspaces",
)

back = {"id": str(script.id)}
st.page_link("app_pages/screens.py", label="Back to the screens", icon="⬅️", query_params=back)
st.title(f"🎬 {script.title}", anchor=False)


def video_and_renders() -> None:
    """The last good video, even after the script changed, and every render."""
    latest_video(script.id, script.title)
    render_history(script.id, script.title)


render_progress(script.id, then=video_and_renders)  # live while a render runs
if script.status != "finalized":
    st.info("Finalize the script to render it: the video is made from its screens.")
    st.page_link("app_pages/script.py", label="Open the script", icon="📝", query_params=back)
    st.stop()

st.subheader("Export settings", anchor=False)
st.caption(
    "Every screen needs its image and voice-over; the render runs in the background, so you "
    "can leave this page and come back."
)
export_form(script.id)
music_expander(script.workspace_id)
