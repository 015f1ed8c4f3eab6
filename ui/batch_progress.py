"""Batch generate on the screens page: the button, and a live section ("Images 7/12",
"Voice 5/12") with Retry failed and Cancel. Everything shown comes from core, so a page
reload shows the same state."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import streamlit as st

from core import batch, tasks
from core.batch import MediaProgress
from core.errors import InvalidInput
from ui.errors import succeeded
from ui.flash import flash
from ui.live import poll_every, rerun_page_once
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
    try:
        return batch.media_progress(
            uow=services().uow(), user_id=current_user_id(), script_id=script_id
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
        rerun_page_once(_key(script_id), toast, "⚠️" if failures else "✅")


def _actions(script_id: int, progress: MediaProgress) -> None:
    failed = _job_ids(progress, ("failed",))
    active = _job_ids(progress, ACTIVE)
    if not failed and not active:
        return
    svc, user_id = services(), current_user_id()
    retry, cancel, _ = st.columns([1, 1, 4])
    if failed and retry.button("Retry failed", key=f"screens_retry_{script_id}", icon="🔁"):
        done = [
            succeeded(
                partial(
                    tasks.retry_task, uow=svc.uow(), queue=svc.queue, user_id=user_id, job_id=job_id
                )
            )
            for job_id in failed
        ]
        if any(done):
            flash(f"Retrying {sum(done)} failed jobs.", "🔁")
            st.rerun()
    if active and cancel.button("Cancel", key=f"screens_cancel_{script_id}", icon="⏹️"):
        done = [
            succeeded(
                partial(
                    tasks.cancel_task,
                    uow=svc.uow(),
                    queue=svc.queue,
                    user_id=user_id,
                    job_id=job_id,
                )
            )
            for job_id in active
        ]
        flash(f"Canceled {sum(done)} jobs.", "⏹️")
        st.rerun()


def _job_ids(progress: MediaProgress, states: tuple[str, ...]) -> list[int]:
    """The ids of the screens' latest image and voice jobs that are in one of `states`."""
    ids = []
    for screen in progress.screens:
        for state, job in ((screen.image, screen.image_job), (screen.voice, screen.voice_job)):
            if state in states and job is not None:
                ids.append(job.id)
    return ids


def _key(script_id: int) -> str:
    return f"screens_live_{script_id}"
