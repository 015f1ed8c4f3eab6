"""A test-only RQ job for test_queue_robustness.py: slow on purpose, streaming its output.

Like a render, it streams into a `.part-` file beside its output and renames it at
the end, so a killed attempt leaves a `.part-` file and never a partial output. Each
attempt first sweeps what a killed earlier attempt left (safe: the folder is the
record's own, and one attempt at a time owns a record). It works until the test
creates `release` in that folder, then finishes within a second.
"""

from __future__ import annotations

import dataclasses
import os
import tempfile
import time
from pathlib import Path

from rq import get_current_job

from core.tasks.kinds import Task, kind_of
from core.tasks.runner import run_task
from jobs.run import worker_services

CHUNK = b"x" * 1024
END = b"END"
STEP_S = 0.2
MAX_STEPS = 300  # a minute: the tests kill it long before


def output_dir(media_root: Path, record_id: int) -> Path:
    return media_root / "slow" / str(record_id)


def slow_write(record_id: int) -> None:
    """Like jobs.run.run_job, for a script.generate record whose body is this slow one."""
    job = get_current_job()
    services = worker_services()
    services.engine.dispose(close=False)
    kind = dataclasses.replace(kind_of("script.generate"), body=_body, paid=False)
    retries = (job.retries_left or 0) if job is not None else 0
    run_task(services=services, kind=kind, record_id=record_id, attempts_left=retries)


def _body(task: Task) -> str:
    progress = task.progress
    folder = output_dir(task.services.settings.media_root, task.record.id)
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob(".part-*"):
        stale.unlink()
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".part-")
    with os.fdopen(fd, "wb") as out:
        for step in range(MAX_STEPS):
            out.write(CHUNK)
            out.flush()
            progress(min(95, 5 + step), f"Step {step}")
            if step >= 3 and (folder / "release").exists():
                break
            time.sleep(STEP_S)
        out.write(END)
    os.replace(tmp, folder / "out.bin")
    return "Wrote out.bin"
