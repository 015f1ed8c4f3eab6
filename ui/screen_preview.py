"""A quick low-resolution preview of one screen (picture, motion, captions, voice)."""

from __future__ import annotations

import streamlit as st

from core.media.screen import ScreenView
from core.tasks.records import list_jobs
from core.video.preview import KIND, latest_preview, request_preview
from ui.errors import attempt
from ui.jobs import job_progress
from ui.services import services
from ui.session import current_user_id

PREVIEW_WIDTH = 300  # px: a portrait clip at full width would be taller than the screen


def preview_controls(screen: ScreenView) -> None:
    """A Preview button once the screen has its image and voice; the clip once rendered."""
    if screen.image is None or screen.audio is None:
        return
    svc, user_id = services(), current_user_id()
    if st.button("Preview", key=f"screens_preview_{screen.id}", icon="▶️"):
        attempt(
            lambda: request_preview(
                uow=svc.uow(), queue=svc.queue, files=svc.files, user_id=user_id,
                screen_id=screen.id,
            )
        )  # fmt: skip
    jobs = list_jobs(uow=svc.uow(), user_id=user_id, target_type="screen", target_id=screen.id)
    active = [j.id for j in jobs if j.kind == KIND and j.active]
    job_progress(active, key=f"screens_preview_jobs_{screen.id}")
    clip = latest_preview(uow=svc.uow(), files=svc.files, user_id=user_id, screen_id=screen.id)
    if clip is not None and not active:
        st.video(str(clip), width=PREVIEW_WIDTH)
