"""The job-kind table: a kind added in one place runs through the real queue and worker, and
every paid kind's vendor budget fits inside its job timeout."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from redis import Redis

from core.accounts.users import UserView
from core.bootstrap import Services
from core.providers.base import RevealedCredential
from core.providers.registry import VENDORS, Role
from core.tasks.catalog import KINDS
from core.tasks.kinds import Task, TaskKind
from core.tasks.records import get_job, submit_task
from db.models import Script
from jobs import run
from jobs.worker import StudioWorker
from tests.integration.test_worker_queue import new_script

MARGIN_S = 60  # what a job needs besides its vendor calls: reading, saving, progress


def echo_body(task: Task) -> str:
    """The new kind's body: it reads its target and reports progress like any other."""
    task.progress(50, "Halfway there")
    script = task.uow.session.get(Script, task.record.target_id)
    assert script is not None
    return f"Echoed “{script.title}” in process {os.getpid()}"


@pytest.fixture
def worker_env(real_services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """This process as a worker machine: the test's data directory, database and Redis."""
    settings = real_services.settings
    monkeypatch.setenv("STUDIO_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    monkeypatch.setenv("REDIS_URL", settings.redis_url)
    run.worker_services.cache_clear()
    yield
    run.worker_services().engine.dispose()
    run.worker_services.cache_clear()


def test_a_kind_added_in_one_place_runs_through_the_real_queue_and_worker(
    real_services: Services, alice: UserView, redis: Redis, worker_env: None
) -> None:
    KINDS["test.echo"] = TaskKind(  # the one place
        "test.echo", "Echoing", target="script", queue="default", timeout=30, retries=0,
        body=echo_body,
    )  # fmt: skip
    try:
        script_id = new_script(real_services, alice, "octopus echoes", scene_count=2)
        job = submit_task(
            uow=real_services.uow(), queue=real_services.queue, user_id=alice.id,
            kind="test.echo", target_id=script_id,
        )  # fmt: skip
        assert (job.label, job.status) == ("Echoing", "queued")
        # Our worker class, forking a work horse per job as in production (burst: it stops
        # when the queue is empty); the horse inherits this process's table of kinds.
        StudioWorker(["default"], connection=redis).work(burst=True)
        done = get_job(uow=real_services.uow(), user_id=alice.id, job_id=job.id)
    finally:
        del KINDS["test.echo"]
    assert (done.status, done.progress, done.attempts) == ("succeeded", 100, 1), done.error
    assert done.message.startswith("Echoed “octopus echoes” in process ")
    assert not done.message.endswith(f" {os.getpid()}")  # ran in a work horse


@pytest.mark.parametrize("name", [n for n, k in KINDS.items() if k.paid])
def test_a_paid_kinds_vendor_budget_fits_inside_its_timeout(name: str) -> None:
    kind = KINDS[name]
    assert kind.budget is not None, f"{name} calls a vendor without a budget"
    assert kind.budget.seconds + MARGIN_S <= kind.timeout, (
        f"{name}: {kind.budget.calls} call(s) × {kind.budget.timeout} s × "
        f"{kind.budget.retries + 1} tries = {kind.budget.seconds} s; "
        f"the job may run {kind.timeout} s"
    )


@pytest.mark.parametrize(
    ("vendor", "role", "kind"),
    [
        ("openai", Role.SCRIPT, "script.generate"),
        ("openai", Role.TRANSLATE, "script.translate"),
        ("openai", Role.IMAGE, "screen.image"),
        ("openai_compatible", Role.SCRIPT, "script.generate"),
    ],
)
def test_a_provider_built_for_a_job_uses_its_kinds_budget(
    services: Services, vendor: str, role: Role, kind: str
) -> None:
    """The SDK client the job's provider holds has the budget's timeout and retries."""
    budget = KINDS[kind].budget
    assert budget is not None
    key = RevealedCredential(vendor, "sk-test", "http://127.0.0.1:9/v1", "llama3.1")
    provider = VENDORS[vendor].makers[role](key, services.settings, budget)
    client = provider._chat._client if hasattr(provider, "_chat") else provider._client
    assert (client.timeout, client.max_retries) == (budget.timeout, budget.retries)


def test_the_voice_provider_built_for_a_job_uses_its_kinds_budget(services: Services) -> None:
    budget = KINDS["screen.voice"].budget
    assert budget is not None
    key = RevealedCredential("elevenlabs", "xi-test", "", "")
    voice = VENDORS["elevenlabs"].makers[Role.VOICE](key, services.settings, budget)
    http = voice._client._client_wrapper.httpx_client.httpx_client
    assert http.timeout.read == budget.timeout  # and the SDK's own retries are off per call
