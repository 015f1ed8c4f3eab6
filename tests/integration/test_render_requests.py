"""Render requests are atomic, a render that ffmpeg refuses is not tried again, and deleting
a workspace stops its render first and leaves nothing behind. Real workers, real ffmpeg."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Callable

import pytest
from redis import Redis
from rq.registry import StartedJobRegistry

from core.accounts.registration import LAPTOP
from core.accounts.users import UserView, register_user
from core.bootstrap import Services, build_services
from core.errors import Conflict
from core.media.screen import list_screens
from core.media.sweep import sweep_unreferenced
from core.render.spec import ExportSettings
from core.settings import Settings
from core.tasks.records import JobView, get_job, list_jobs
from core.video.renders import list_renders, request_render
from core.workspaces.workspace import delete_workspace
from db.migrate import upgrade
from db.models import Asset
from tests.fakes import FakeQueue
from tests.helpers import wait_for
from tests.integration.test_media_offline import NARRATIONS, with_media

SMALL = ExportSettings(resolution="720p", fps=24, quality="small", preset="ultrafast")


def request(services: Services, user: UserView, script_id: int, export: ExportSettings) -> int:
    view = request_render(
        uow=services.uow(), queue=services.queue, files=services.files, studio=services.settings,
        user_id=user.id, script_id=script_id, export=export,
    )  # fmt: skip
    assert view.job is not None
    return view.job.id


def job(services: Services, user: UserView, job_id: int) -> JobView:
    return get_job(uow=services.uow(), user_id=user.id, job_id=job_id)


def concurrent_requests(
    services: Services, user: UserView, script_id: int, tries: int
) -> list[str]:
    """`tries` people press Render at the same moment; what each of them got."""
    start = threading.Barrier(tries)
    outcomes: list[str] = []

    def press() -> None:
        start.wait()
        try:
            request(services, user, script_id, SMALL)
            outcomes.append("queued")
        except Conflict as exc:
            outcomes.append(f"conflict: {exc}")

    threads = [threading.Thread(target=press) for _ in range(tries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def check_one_render(services: Services, queue: FakeQueue, user: UserView) -> None:
    _, script_id = with_media(services, queue, user, NARRATIONS[:2])
    queue.queued.clear()
    outcomes = concurrent_requests(services, user, script_id, tries=4)
    assert sorted(o.split(":")[0] for o in outcomes) == ["conflict"] * 3 + ["queued"]
    assert "already queued or running" in next(o for o in outcomes if o != "queued")
    found = list_renders(
        uow=services.uow(), files=services.files, user_id=user.id, script_id=script_id
    )
    assert len(found) == 1 and found[0].status == "queued"  # the others left no row behind
    assert [kind for kind, _ in queue.queued] == ["script.render"]


def test_two_clicks_or_tabs_queue_one_render(
    services: Services, fake_queue: FakeQueue, alice: UserView
) -> None:
    check_one_render(services, fake_queue, alice)


@pytest.mark.postgres
def test_two_clicks_or_tabs_queue_one_render_on_postgres(pg_url: str, settings: Settings) -> None:
    upgrade(pg_url)
    queue = FakeQueue()
    services = build_services(settings.model_copy(update={"database_url": pg_url}), queue=queue)
    try:
        user = register_user(
            uow=services.uow(), username="alice", password="correct horse", policy=LAPTOP
        )
        check_one_render(services, queue, user)
    finally:
        services.engine.dispose()


def test_a_render_ffmpeg_refuses_fails_once_and_says_why(
    services: Services,
    fake_queue: FakeQueue,
    real_services: Services,
    alice: UserView,
    workers: Callable[..., subprocess.Popen[bytes]],
) -> None:
    _, script_id = with_media(services, fake_queue, alice, NARRATIONS[:3])
    [_, second, _] = list_screens(
        uow=services.uow(), files=services.files, user_id=alice.id, script_id=script_id
    )
    assert second.audio is not None
    second.audio.write_bytes(b"not sound at all" * 64)  # the file is there, its content is bad
    job_id = request(real_services, alice, script_id, SMALL)
    workers("--with-scheduler", queues=("render",), name="render")

    wait_for(lambda: job(real_services, alice, job_id).status == "failed", 120, "the render failed")
    time.sleep(8)  # longer than RQ's first retry interval: nothing may run it again
    failed = job(real_services, alice, job_id)
    assert (failed.status, failed.attempts) == ("failed", 1)
    assert failed.error == "The voice-over of screen 2 is not audio that can be played."


def test_deleting_a_workspace_while_its_render_runs_stops_it_and_leaves_no_file(
    services: Services,
    fake_queue: FakeQueue,
    real_services: Services,
    alice: UserView,
    redis: Redis,
    workers: Callable[..., subprocess.Popen[bytes]],
) -> None:
    workspace_id, script_id = with_media(services, fake_queue, alice, NARRATIONS)
    job_id = request(real_services, alice, script_id, ExportSettings())  # 1080p: it takes a while
    workers(queues=("render",), name="render")
    wait_for(lambda: job(real_services, alice, job_id).progress >= 10, 120, "the render running")

    delete_workspace(
        uow=real_services.uow(), queue=real_services.queue, files=real_services.files,
        user_id=alice.id, workspace_id=workspace_id,
    )  # fmt: skip

    assert job(real_services, alice, job_id).status == "canceled"
    assert StartedJobRegistry("render", connection=redis).get_job_count(cleanup=False) == 0
    assert not real_services.files.workspace_dir(workspace_id).exists()
    with real_services.uow() as uow:
        assert uow.session.query(Asset).filter_by(workspace_id=workspace_id).count() == 0
    scratch = real_services.files.scratch
    wait_for(lambda: not any(scratch.glob("*")), 30, "the killed render's scratch swept")
    time.sleep(3)  # the stopped render writes nothing more
    assert not real_services.files.workspace_dir(workspace_id).exists()
    assert sweep_unreferenced(uow=real_services.uow(), files=real_services.files, min_age_s=0) == 0
    assert [
        j.status for j in list_jobs(uow=real_services.uow(), user_id=alice.id) if j.active
    ] == []
