"""Render jobs (queue `render`): one script's video."""

from __future__ import annotations

from jobs.runtime import run, worker_services


def render_video(record_id: int) -> None:
    run(record_id, worker_services().task_body("script.render"))


def render_preview(record_id: int) -> None:
    run(record_id, worker_services().task_body("screen.preview"))
