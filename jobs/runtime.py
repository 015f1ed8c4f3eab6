"""What every job shares: the worker's services (built once per process) and progress."""

from __future__ import annotations

from functools import cache

from rq import get_current_job

from core.bootstrap import Services, build_services
from core.tasks import ProgressFn, TaskBody, run_task


@cache
def worker_services() -> Services:
    return build_services()


def _meta_progress() -> ProgressFn:
    job = get_current_job()

    def write(pct: int, message: str) -> None:
        if job is not None:
            job.meta.update(progress=pct, message=message)
            job.save_meta()  # type: ignore[no-untyped-call]

    return write


def run(record_id: int, body: TaskBody) -> None:
    """Run a job body for a JobRecord, retrying transient errors while RQ has retries left."""
    job = get_current_job()
    # A forked work horse must not reuse database connections it inherited.
    worker_services().engine.dispose(close=False)
    if job is not None:  # progress starts from zero on every attempt
        job.meta.update(progress=0, message="Started")
        job.save_meta()  # type: ignore[no-untyped-call]
    run_task(
        uow_factory=worker_services().uow,
        record_id=record_id,
        body=body,
        attempts_left=(job.retries_left or 0) if job is not None else 0,
        on_progress=_meta_progress(),
    )


def warm_up() -> None:
    """Load in the worker process what every job needs, before RQ forks work horses.

    RQ runs each job in a fresh fork; whatever the parent has not loaded, every horse
    loads again. The vendor SDKs import most of their modules lazily, on first use.
    """
    import openai
    from elevenlabs.client import ElevenLabs

    services = worker_services()
    services.engine.dispose(close=False)
    client = openai.OpenAI(api_key="warm-up", base_url="http://127.0.0.1:9/v1")
    _ = (client.chat.completions, client.images, client.models)
    voice = ElevenLabs(api_key="warm-up", base_url="http://127.0.0.1:9")
    _ = (voice.text_to_speech, voice.voices, voice.user)
    client.close()
