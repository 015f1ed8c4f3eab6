"""Batch generate on the screens page: a live section ("Images 7/12", "Voice 5/12") with
Retry failed and Cancel, and the screens themselves, refreshed together while work runs.
Everything shown comes from core, so a page reload shows the same state."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from core.errors import InvalidInput
from core.media.batch import MediaProgress, media_progress, retry_failed_media
from ui.errors import attempt
from ui.flash import flash
from ui.job_actions import cancel_button
from ui.live import poll_every, stop_polling
from ui.services import services
from ui.session import current_user_id

PARTS = (("image", "Images"), ("voice", "Voice"))
ACTIVE = ("queued", "running")


def batch_section(script_id: int, show_screens: Callable[[MediaProgress | None], None]) -> None:
    """The progress bars and `show_screens`, refreshed every second while work is queued."""
    progress = load_progress(script_id)
    watching = progress is not None and progress.active
    every = poll_every(_key(script_id), 1, watching=watching)
    st.fragment(run_every=every)(_live)(script_id, watching, show_screens)


def load_progress(script_id: int) -> MediaProgress | None:
    """Where the screens stand; None while the script is not finalized (the page says so)."""
    svc = services()
    try:
        return media_progress(
            uow=svc.uow(), files=svc.files, user_id=current_user_id(), script_id=script_id
        )
    except InvalidInput:
        return None


def _live(
    script_id: int, watching: bool, show_screens: Callable[[MediaProgress | None], None]
) -> None:
    progress = load_progress(script_id)
    if progress is not None and progress.total:
        for part, label in PARTS:
            failed = progress.failed(part)
            text = f"{label} {progress.done(part)}/{progress.total}"
            if failed:
                text += f" · {failed} failed"
            st.progress(progress.percent(part) / 100, text=text)
        _actions(script_id, progress)
    show_screens(progress)
    if watching and (progress is None or not progress.active):
        failures = sum(progress.failed(part) for part, _ in PARTS) if progress else 0
        plural = "failure" if failures == 1 else "failures"
        toast = f"Batch finished with {failures} {plural}" if failures else "Batch finished"
        stop_polling(_key(script_id), toast, "⚠️" if failures else "✅")


def _actions(script_id: int, progress: MediaProgress) -> None:
    retry, cancel, _ = st.columns([1, 1, 4])
    if progress.jobs("failed") and retry.button(
        "Retry failed", key=f"screens_retry_{script_id}", icon="🔁"
    ):
        svc = services()
        again = attempt(
            lambda: retry_failed_media(
                uow=svc.uow(), queue=svc.queue, files=svc.files,
                user_id=current_user_id(), script_id=script_id,
            )
        )  # fmt: skip
        if again:
            flash(f"Retrying {len(again)} failed jobs.", "🔁")
            st.rerun()
    active = [job.id for job in progress.jobs(*ACTIVE)]
    cancel_button(active, key=f"screens_cancel_{script_id}", where=cancel)


def _key(script_id: int) -> str:
    return f"screens_live_{script_id}"
