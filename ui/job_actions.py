"""The Cancel and Retry buttons every page with jobs shows: one job or many, a toast after,
and a rerun of the whole page (a job that now runs, or no longer does, changes it)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import streamlit as st

from core.tasks.records import JobView, cancel_task, retry_task
from ui.errors import succeeded
from ui.flash import flash
from ui.services import services
from ui.session import current_user_id

Action = Callable[..., JobView]


def cancel_button(job_ids: list[int], *, key: str, label: str = "Cancel", where: Any = st) -> None:
    """A Cancel button that stops the jobs (and those waiting for them)."""
    if job_ids and where.button(label, key=key, icon="⏹️"):
        _act(cancel_task, job_ids, "Canceled", "⏹️")


def retry_button(job_ids: list[int], *, key: str, label: str = "Retry", where: Any = st) -> None:
    """A Retry button that queues the failed or canceled jobs again."""
    if job_ids and where.button(label, key=key, icon="🔁"):
        _act(retry_task, job_ids, "Queued again", "🔁")


def _act(action: Action, job_ids: list[int], done: str, icon: str) -> None:
    svc, user_id = services(), current_user_id()
    worked = sum(
        succeeded(partial(action, uow=svc.uow(), queue=svc.queue, user_id=user_id, job_id=job_id))
        for job_id in job_ids
    )
    if worked:
        flash(f"{done}: {worked} job{'s' if worked != 1 else ''}.", icon)
        st.rerun()
