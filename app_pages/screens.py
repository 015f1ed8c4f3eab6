"""The screens of a finalized script: one per scene, each to get an image and a voice-over."""

from __future__ import annotations

from functools import partial

import streamlit as st

from core.scripts.script import get_script
from ui.batch_button import batch_button
from ui.batch_progress import batch_section
from ui.loading import load_from_url
from ui.render_view import render_progress
from ui.screen_card import screen_cards
from ui.services import services
from ui.session import current_user_id

svc = services()
user_id = current_user_id()
script = load_from_url(
    lambda script_id: get_script(uow=svc.uow(), user_id=user_id, script_id=script_id),
    missing="No script selected: open a script and finalize it to get its screens.",
    back="app_pages/workspaces.py",
    back_label="Back to Workspaces",
)

back = {"id": str(script.id)}
to_script, to_video = st.columns(2)
to_script.page_link("app_pages/script.py", label="Back to the script", icon="⬅️", query_params=back)
to_video.page_link("app_pages/video.py", label="Video", icon="🎬", query_params=back)
st.title(f"🖼️ {script.title}", anchor=False)

if script.finalized_version is None:
    st.info(
        "This script is not finalized yet: finalize it on the script page to split it into screens."
    )
    st.page_link(
        "app_pages/script.py", label="Open the script to finalize it", icon="📝", query_params=back
    )
    st.stop()
if script.status != "finalized":
    st.warning(
        f"These screens come from version {script.finalized_version}; the script has "
        f"changed since (version {script.current_version}). Finalize again on the script "
        "page to update them.",
        icon="✏️",
    )

st.caption(
    f"Version {script.finalized_version} · Batch generate queues every missing image and "
    "voice-over; each screen can also be generated, re-rolled, edited or given your own files."
)
batch_button(script.id)
render_progress(script.id, cancel_queued=False)
batch_section(script.id, partial(screen_cards, script.id))
