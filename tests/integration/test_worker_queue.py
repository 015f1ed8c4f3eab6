"""Jobs go through a real Redis-compatible server (Valkey) to a real `rq worker` process.

The worker builds its own services from the environment, as in production: the
test only shares the data directory, the database URL and the Redis URL with it.
"""

from __future__ import annotations

import contextlib
import zlib
from pathlib import Path

import pytest
from redis import Redis
from rq.job import Job
from sqlalchemy import select

from core.accounts.keys import save_key
from core.accounts.users import UserView
from core.bootstrap import Services
from core.scripts.script import create_script, delete_script
from core.scripts.versions import get_version, list_versions
from core.scripts.writing import request_generation
from core.tasks.records import JobView, get_job
from core.workspaces.ideas import create_idea, execute_idea
from db.models import JobRecord
from tests.helpers import run_burst_worker
from tests.standins.fixtures import openai_standin_fixture  # noqa: F401
from tests.standins.openai_server import OpenAIStandin

ROOT = Path(__file__).resolve().parents[2]
KEY = "fake-openai-key-NEVER-IN-REDIS-8d1f3b5a7c9e2d4fKEYZ"


def run_worker(services: Services, **extra_env: str) -> None:
    """One `rq worker --burst` on queue llm: it works off everything queued, then exits."""
    run_burst_worker(services.settings, "llm", **extra_env)


def new_script(services: Services, user: UserView, topic: str, scene_count: int) -> int:
    idea = create_idea(uow=services.uow(), user_id=user.id, title=topic)
    ws = execute_idea(uow=services.uow(), user_id=user.id, idea_id=idea.id)
    return create_script(
        uow=services.uow(),
        user_id=user.id,
        workspace_id=ws.id,
        topic=topic,
        scene_count=scene_count,
    ).id


def request(services: Services, user: UserView, script_id: int) -> JobView:
    return request_generation(
        uow=services.uow(), queue=services.queue, user_id=user.id, script_id=script_id
    )


def job_state(services: Services, user: UserView, job: JobView) -> JobView:
    return get_job(uow=services.uow(), user_id=user.id, job_id=job.id)


def rq_job_id(services: Services, job: JobView) -> str:
    with services.uow() as uow:
        rq_id = uow.session.scalar(select(JobRecord.rq_job_id).where(JobRecord.id == job.id))
    assert rq_id
    return rq_id


def everything_in(redis: Redis) -> bytes:
    """Every key and value on the server, with zlib-compressed values (RQ's job data) opened."""
    blobs: list[bytes] = []
    for key in redis.scan_iter(count=1000):
        kind = redis.type(key).decode()
        if kind == "string":
            values = [redis.get(key)]
        elif kind == "hash":
            values = [b for pair in redis.hgetall(key).items() for b in pair]
        elif kind == "list":
            values = redis.lrange(key, 0, -1)
        elif kind == "set":
            values = list(redis.smembers(key))
        elif kind == "zset":
            values = [member for member, _ in redis.zrange(key, 0, -1, withscores=True)]
        elif kind == "stream":
            values = [b for _, fields in redis.xrange(key) for pair in fields.items() for b in pair]
        else:
            pytest.fail(f"unexpected Redis type {kind} at {key!r}")
        blobs.append(key)
        for value in values:
            raw = value if isinstance(value, bytes) else str(value).encode()
            blobs.append(raw)
            with contextlib.suppress(zlib.error):
                blobs.append(zlib.decompress(raw))
    return b"\n".join(blobs)


def test_worker_writes_the_script_and_finishes_the_record(
    real_services: Services, alice: UserView, redis: Redis
) -> None:
    script_id = new_script(real_services, alice, "how octopuses think", scene_count=5)
    job = request(real_services, alice, script_id)
    assert job_state(real_services, alice, job).status == "queued"
    rq_job = Job.fetch(rq_job_id(real_services, job), connection=redis)
    assert rq_job.args == ("script.generate", job.id) and rq_job.kwargs == {}  # never keys
    assert rq_job.func_name == "jobs.run.run_job"  # one job function for every kind

    run_worker(real_services)

    done = job_state(real_services, alice, job)
    assert (done.status, done.progress, done.error) == ("succeeded", 100, "")
    assert "5 scenes" in done.message
    version = get_version(uow=real_services.uow(), user_id=alice.id, script_id=script_id)
    assert version.number == 1 and version.source == "generated"
    assert len(version.content.scenes) == 5
    rq_job.refresh()
    assert rq_job.get_status() == "finished"
    assert rq_job.meta == {}  # progress lives in the job record only


def test_deleting_a_script_cancels_its_job_and_the_next_job_still_runs(
    real_services: Services, alice: UserView
) -> None:
    doomed = new_script(real_services, alice, "ink clouds", scene_count=3)
    kept = new_script(real_services, alice, "camouflage", scene_count=4)
    doomed_job = request(real_services, alice, doomed)
    delete_script(
        uow=real_services.uow(),
        files=real_services.files,
        queue=real_services.queue,
        user_id=alice.id,
        script_id=doomed,
    )
    kept_job = request(real_services, alice, kept)

    run_worker(real_services)

    assert job_state(real_services, alice, doomed_job).status == "canceled"
    ok = job_state(real_services, alice, kept_job)
    assert (ok.status, ok.progress) == ("succeeded", 100)
    history = list_versions(uow=real_services.uow(), user_id=alice.id, script_id=kept)
    assert [len(v.content.scenes) for v in history] == [4]


def test_job_for_a_deleted_script_never_writes_into_a_newer_script(
    real_services: Services, alice: UserView
) -> None:
    doomed = new_script(real_services, alice, "ink clouds", scene_count=3)
    doomed_job = request(real_services, alice, doomed)
    delete_script(
        uow=real_services.uow(),
        files=real_services.files,
        queue=real_services.queue,
        user_id=alice.id,
        script_id=doomed,
    )
    newer = new_script(real_services, alice, "camouflage", scene_count=4)

    run_worker(real_services)

    assert job_state(real_services, alice, doomed_job).status == "canceled"
    assert list_versions(uow=real_services.uow(), user_id=alice.id, script_id=newer) == []


def test_api_key_is_used_by_the_worker_but_never_stored_in_redis(
    real_services: Services, alice: UserView, redis: Redis, openai_standin: OpenAIStandin
) -> None:
    save_key(
        uow=real_services.uow(),
        cipher=real_services.cipher,
        user_id=alice.id,
        vendor="openai",
        secret=KEY,
    )
    scenes = [{"narration": f"Fact {n}.", "visual": f"Octopus shot {n}"} for n in range(3)]
    openai_standin.reply_structured({"title": "Three hearts", "scenes": scenes})
    script_id = new_script(real_services, alice, "octopus hearts", scene_count=3)
    job = request(real_services, alice, script_id)

    run_worker(real_services, STUDIO_OPENAI_BASE_URL=openai_standin.base_url)

    done = job_state(real_services, alice, job)
    assert (done.status, done.progress) == ("succeeded", 100), done.error
    version = get_version(uow=real_services.uow(), user_id=alice.id, script_id=script_id)
    assert [s.narration for s in version.content.scenes] == ["Fact 0.", "Fact 1.", "Fact 2."]
    [call] = openai_standin.requests  # the worker decrypted the key and used it...
    assert call.headers["authorization"] == f"Bearer {KEY}"
    stored = everything_in(redis)  # ...but it never passed through Redis
    assert b"jobs.run.run_job" in stored  # the scan does read job data
    assert KEY.encode() not in stored
    assert KEY[8:40].encode() not in stored
