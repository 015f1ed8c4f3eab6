"""The one RQ job function, and the services a worker process builds once."""

from __future__ import annotations

from functools import cache

from rq import get_current_job

from core.bootstrap import Services, build_services
from core.tasks.kinds import kind_of
from core.tasks.runner import run_task


@cache
def worker_services() -> Services:
    return build_services()


def run_job(kind: str, record_id: int) -> None:
    """Run one attempt of a job record; RQ retries what `run_task` re-raises."""
    job = get_current_job()
    services = worker_services()
    services.engine.dispose(close=False)  # a forked work horse must not reuse the parent's
    run_task(
        services=services,
        kind=kind_of(kind),
        record_id=record_id,
        attempts_left=(job.retries_left or 0) if job is not None else 0,
    )


def warm_up() -> None:
    """Load in the worker process what every job needs, before RQ forks work horses.

    RQ runs each job in a fresh fork; whatever the parent has not loaded, every horse
    loads again. The vendor SDKs import most of their modules lazily, on first use.
    """
    import openai
    from elevenlabs.client import ElevenLabs

    kind_of("script.render")  # the table of kinds, and with it every job body
    services = worker_services()
    services.engine.dispose(close=False)
    client = openai.OpenAI(api_key="warm-up", base_url="http://127.0.0.1:9/v1")
    _ = (client.chat.completions, client.images, client.models)
    voice = ElevenLabs(api_key="warm-up", base_url="http://127.0.0.1:9")
    _ = (voice.text_to_speech, voice.voices, voice.user)
    client.close()
