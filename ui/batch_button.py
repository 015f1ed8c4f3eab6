"""The screens page's Batch generate button, with "…and render the video when done"."""

from __future__ import annotations

import streamlit as st

from core.media.batch import request_batch
from ui.batch_progress import load_progress
from ui.errors import attempt
from ui.flash import flash
from ui.services import services
from ui.session import current_user_id


def batch_form_key(script_id: int) -> str:
    return f"screens_batch_{script_id}"


def batch_button(script_id: int) -> None:
    """Queue every missing (or failed) image and voice-over, and the video after them.

    A form: ticking the box reruns nothing, so a click on the button right after it is
    never lost in that rerun."""
    with st.form(batch_form_key(script_id), border=False):
        button, video = st.columns([1, 3], vertical_alignment="center")
        with_video = video.checkbox(
            "…and render the video when done", value=True, key=f"screens_with_video_{script_id}"
        )
        pressed = button.form_submit_button("Batch generate", icon="⚡", type="primary")
    if not pressed:
        return
    svc = services()
    queued = attempt(
        lambda: request_batch(
            uow=svc.uow(),
            queue=svc.queue,
            files=svc.files,
            user_id=current_user_id(),
            script_id=script_id,
            with_video=with_video,
        )
    )
    if queued:
        flash(_queued_message(len(queued), video=queued[-1].kind == "script.render"), "⚡")
        st.rerun()
    if queued == []:
        progress = load_progress(script_id)
        busy = (progress is not None and progress.active) or with_video  # or the video renders
        st.info(
            "Nothing more to queue: the rest is already being generated."
            if busy
            else "Nothing to generate: every screen has its image and voice.",
            icon="✅",
        )


def _queued_message(count: int, *, video: bool) -> str:
    media = count - video
    if not video:
        return f"Queued {media} jobs: images and voice-overs are on their way."
    if not media:
        return "Every screen has its image and voice: the video is queued."
    return f"Queued {media} images and voice-overs, then the video."
