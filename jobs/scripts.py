"""Script jobs (queue `llm`)."""

from __future__ import annotations

from jobs.runtime import run, worker_services


def generate_script(record_id: int) -> None:
    run(record_id, worker_services().task_body("script.generate"))


def translate_script(record_id: int) -> None:
    run(record_id, worker_services().task_body("script.translate"))
