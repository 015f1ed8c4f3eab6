"""Activity: every job the user started, with filters, retry and cancel; live while any runs."""

from __future__ import annotations

import streamlit as st

from core.tasks.kinds import labels
from core.tasks.records import JobView, list_jobs
from ui.errors import attempt
from ui.job_actions import cancel_button, retry_button
from ui.listing import md
from ui.live import poll_every, stop_polling
from ui.services import services
from ui.session import current_user_id

STATUSES = {
    "queued": "⏳ Queued",
    "running": "⚙️ Running",
    "succeeded": "✅ Succeeded",
    "failed": "⚠️ Failed",
    "canceled": "⏹️ Canceled",
}
TARGETS = {"script": "Script", "screen": "Screen", "render": "Video"}
LABELS = labels()

svc = services()
user_id = current_user_id()
st.title("📋 Activity", anchor=False)
st.caption(
    "Every job you started: writing and translating scripts, images, voice-overs, previews "
    "and videos."
)


def load_jobs() -> list[JobView]:
    return attempt(lambda: list_jobs(uow=svc.uow(), user_id=user_id)) or []


def job_row(job: JobView) -> None:
    with st.container(border=True, key=f"activity_job_{job.id}"):
        what, state, action = st.columns([3, 3, 1], vertical_alignment="center")
        what.markdown(f"**{job.label}**")  # our own words, not user text
        target = job.target_name or f"{TARGETS.get(job.target_type, job.target_type)} (deleted)"
        what.caption(f"{md(target)} · started {job.created_at:%Y-%m-%d %H:%M}")
        state.markdown(STATUSES.get(job.status, job.status))
        if job.active:
            state.progress(max(0, min(100, job.progress)) / 100, text=md(job.message))
        elif job.error or job.message:
            state.caption(md(job.error or job.message))
        if job.status in ("failed", "canceled"):
            retry_button([job.id], key=f"activity_retry_{job.id}", where=action)
        if job.active:
            cancel_button([job.id], key=f"activity_cancel_{job.id}", where=action)


def job_list(statuses: list[str], kinds: list[str], watching: bool) -> None:
    jobs = load_jobs()
    shown = [
        job
        for job in jobs
        if (not statuses or job.status in statuses) and (not kinds or job.kind in kinds)
    ]
    if not jobs:
        st.info("No jobs yet: generating a script, an image or a voice-over starts one.")
    elif not shown:
        st.info("No job matches these filters.")
    else:
        st.caption(f"{len(shown)} of {len(jobs)} jobs · newest first")
    for job in shown:
        job_row(job)
    if watching and not any(job.active for job in jobs):
        stop_polling("activity")  # everything ended: stop refreshing


status_filter, kind_filter = st.columns(2)
statuses = status_filter.multiselect(
    "Status",
    list(STATUSES),
    format_func=STATUSES.__getitem__,
    key="activity_status",
    placeholder="All statuses",
)
kinds = kind_filter.multiselect(
    "Kind",
    list(LABELS),
    format_func=LABELS.__getitem__,
    key="activity_kind",
    placeholder="All kinds",
)
watching = any(job.active for job in load_jobs())
every = poll_every("activity", 2, watching=watching)
st.fragment(run_every=every)(job_list)(statuses, kinds, watching)
