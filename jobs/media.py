"""Media jobs (queue `media`): one image or one voice-over for one screen."""

from __future__ import annotations

from jobs.runtime import run, worker_services


def generate_image(record_id: int) -> None:
    run(record_id, worker_services().task_body("screen.image"))


def generate_voice(record_id: int) -> None:
    run(record_id, worker_services().task_body("screen.voice"))
