"""Live progress of queued jobs: a fragment that polls the job records every second and
reruns the whole page once when they have all ended, so the page shows the result."""

from __future__ import annotations

from functools import partial

import streamlit as st

from core.tasks.records import JobView, get_job
from ui.errors import attempt
from ui.job_actions import cancel_button, retry_button
from ui.services import services
from ui.session import current_user_id

RERUN_DONE = "jobs_rerun_done"  # job ids whose end already triggered the page rerun
PENDING_TOAST = "jobs_pending_toast"  # shown after that rerun (a toast sent before it is lost)


def job_progress(job_ids: list[int], *, key: str) -> None:
    """Show a progress bar per job; rerun the page once when the active ones have ended."""
    toast = st.session_state.pop(PENDING_TOAST, None)
    if toast:
        st.toast(toast[0], icon=toast[1])
    if not job_ids:
        return
    watching = any(job.active for job in _load(job_ids))
    live = st.fragment(run_every=1 if watching else None)(_live)
    live(list(job_ids), key, watching)


def _live(job_ids: list[int], key: str, watching: bool) -> None:
    jobs = _load(job_ids)
    for job in jobs:
        _render(job, key)
    if not watching or any(job.active for job in jobs):
        return
    done: set[int] = st.session_state.setdefault(RERUN_DONE, set())
    if set(job_ids) <= done:
        return  # this page view already reran for these jobs: never loop
    done.update(job_ids)
    failed = [job for job in jobs if job.status == "failed"]
    if failed:
        st.session_state[PENDING_TOAST] = (f"Failed: {failed[0].error}"[:200], "⚠️")
    elif all(job.status == "succeeded" for job in jobs):
        st.session_state[PENDING_TOAST] = (jobs[-1].message or "Done", "✅")
    st.rerun()


def _render(job: JobView, key: str) -> None:
    label = job.label
    if job.status == "failed":
        st.error(f"{label} failed: {job.error}", icon="⚠️")
        retry_button([job.id], key=f"{key}_retry_{job.id}")
        return
    if job.status == "canceled":
        st.info(f"{label}: canceled.")
        return
    text = f"{label} — {job.message}" if job.message else label
    st.progress(max(0, min(100, job.progress)) / 100, text=text)
    if job.active:
        cancel_button([job.id], key=f"{key}_cancel_{job.id}")


def _load(job_ids: list[int]) -> list[JobView]:
    """The jobs' current state; a job that is gone (its target deleted) is left out."""
    found = []
    for job_id in job_ids:
        job = attempt(
            partial(get_job, uow=services().uow(), user_id=current_user_id(), job_id=job_id)
        )
        if job is not None:
            found.append(job)
    return found
