"""Job records: retrying failed jobs, and which attempt of a job may write its record."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core import tasks
from core.bootstrap import Services
from core.errors import Conflict, ContentRejected, InvalidInput, NotFound
from core.models import JobView, UserView
from core.tasks import ProgressFn
from core.uow import UnitOfWork
from db.models import JobRecord
from tests.fakes import FakeQueue


def submit(services: Services, user: UserView, target_id: int = 1, batch: str = "") -> JobView:
    return tasks.submit_task(
        uow=services.uow(),
        queue=services.queue,
        user_id=user.id,
        kind="script.generate",
        target_type="script",
        target_id=target_id,
        batch_id=batch,
    )


def refuse(*_: object) -> str:
    raise ContentRejected("The model refused.")


def crash(*_: object) -> str:
    raise RuntimeError("bug")


def done(_uow: UnitOfWork, _record: JobRecord, progress: ProgressFn) -> str:
    progress(50, "Halfway")
    return "Done"


def run(services: Services, job: JobView, body: object, **kwargs: object) -> None:
    tasks.run_task(uow_factory=services.uow, record_id=job.id, body=body, **kwargs)  # type: ignore[arg-type]


def get(services: Services, user: UserView, job: JobView) -> JobView:
    return tasks.get_job(uow=services.uow(), user_id=user.id, job_id=job.id)


def rq_id(services: Services, job: JobView) -> str:
    with services.uow() as uow:
        record = uow.session.get(JobRecord, job.id)
        assert record is not None
        return record.rq_job_id


def retry(services: Services, user: UserView, job: JobView) -> JobView:
    return tasks.retry_task(
        uow=services.uow(), queue=services.queue, user_id=user.id, job_id=job.id
    )


def test_retrying_a_failed_job_queues_it_again_from_scratch(
    services: Services, alice: UserView, fake_queue: FakeQueue
) -> None:
    job = submit(services, alice)
    fake_queue.queued.clear()
    run(services, job, refuse)
    assert get(services, alice, job).status == "failed"

    again = retry(services, alice, job)

    assert (again.status, again.progress, again.error) == ("queued", 0, "")
    assert again.message == tasks.WAITING
    assert fake_queue.queued == [("script.generate", job.id)]
    run(services, job, done)
    assert get(services, alice, job).status == "succeeded"


def test_a_canceled_job_can_be_retried(
    services: Services, alice: UserView, fake_queue: FakeQueue
) -> None:
    job = submit(services, alice)
    tasks.cancel_task(uow=services.uow(), queue=services.queue, user_id=alice.id, job_id=job.id)
    assert retry(services, alice, job).status == "queued"


@pytest.mark.parametrize("body", [None, done])
def test_only_failed_or_canceled_jobs_can_be_retried(
    services: Services, alice: UserView, fake_queue: FakeQueue, body: object
) -> None:
    job = submit(services, alice)
    if body is not None:
        run(services, job, body)
    fake_queue.queued.clear()
    with pytest.raises(Conflict):
        retry(services, alice, job)
    assert fake_queue.queued == []


def test_nobody_retries_someone_elses_job(
    services: Services, alice: UserView, bob: UserView, fake_queue: FakeQueue
) -> None:
    job = submit(services, alice)
    run(services, job, refuse)
    fake_queue.queued.clear()
    with pytest.raises(NotFound):
        retry(services, bob, job)
    assert fake_queue.queued == [] and get(services, alice, job).status == "failed"


def test_a_job_replaced_by_a_newer_one_is_not_retried(
    services: Services, alice: UserView, fake_queue: FakeQueue
) -> None:
    old = submit(services, alice, target_id=7, batch="b1")
    run(services, old, refuse)
    newer = submit(services, alice, target_id=7)
    run(services, newer, done)
    fake_queue.queued.clear()

    with pytest.raises(Conflict):
        retry(services, alice, old)
    assert (
        tasks.retry_failed(
            uow=services.uow(), queue=services.queue, user_id=alice.id, batch_id="b1"
        )
        == []
    )
    assert fake_queue.queued == []


def test_retry_failed_retries_the_failed_jobs_of_a_batch_only(
    services: Services, alice: UserView, bob: UserView, fake_queue: FakeQueue
) -> None:
    failed = [submit(services, alice, target_id=n, batch="b1") for n in (1, 2)]
    ok = submit(services, alice, target_id=3, batch="b1")
    elsewhere = submit(services, alice, target_id=4, batch="b2")
    bobs = submit(services, bob, target_id=5, batch="b1")
    for job in [*failed, elsewhere, bobs]:
        run(services, job, refuse)
    run(services, ok, done)
    fake_queue.queued.clear()

    again = tasks.retry_failed(
        uow=services.uow(), queue=services.queue, user_id=alice.id, batch_id="b1"
    )

    assert [j.id for j in again] == [j.id for j in failed]
    assert {j.status for j in again} == {"queued"}
    assert fake_queue.queued == [("script.generate", j.id) for j in failed]
    assert get(services, alice, elsewhere).status == "failed"
    assert get(services, bob, bobs).status == "failed"


def test_retry_failed_needs_a_batch_or_a_target(services: Services, alice: UserView) -> None:
    with pytest.raises(InvalidInput):
        tasks.retry_failed(uow=services.uow(), queue=services.queue, user_id=alice.id)


def test_an_unexpected_error_with_attempts_left_says_retrying(
    services: Services, alice: UserView
) -> None:
    job = submit(services, alice)
    with pytest.raises(RuntimeError):
        run(services, job, crash, attempts_left=1)
    view = get(services, alice, job)
    assert view.status == "queued" and view.message.startswith("Retrying soon")
    run(services, job, done)  # RQ's retry then runs it again
    assert get(services, alice, job).status == "succeeded"


def test_an_unexpected_error_on_the_last_attempt_fails_the_job(
    services: Services, alice: UserView
) -> None:
    job = submit(services, alice)
    with pytest.raises(RuntimeError):
        run(services, job, crash)
    view = get(services, alice, job)
    assert (view.status, view.error) == ("failed", "Unexpected error: RuntimeError")


def test_an_attempt_replaced_by_a_retry_does_nothing(services: Services, alice: UserView) -> None:
    job = submit(services, alice)
    current = rq_id(services, job)
    run(services, job, done, attempt_id="an-older-attempt")
    assert get(services, alice, job).status == "queued"
    run(services, job, done, attempt_id=current)
    assert get(services, alice, job).status == "succeeded"


def test_a_failed_record_runs_again_only_for_its_own_attempt(
    services: Services, alice: UserView
) -> None:
    job = submit(services, alice)
    run(services, job, refuse)
    run(services, job, done)  # no attempt id: an earlier outcome stands
    assert get(services, alice, job).status == "failed"
    run(services, job, done, attempt_id=rq_id(services, job))  # RQ re-runs this attempt
    assert get(services, alice, job).status == "succeeded"


def test_sweep_removes_only_partial_files_of_dead_writers(tmp_path: Path) -> None:
    import socket
    import subprocess

    from core.files import FileStore

    store = FileStore(tmp_path / "media")
    store.write_atomic("users/1/a.bin", b"whole")
    proc = subprocess.Popen(["true"])  # its pid is a writer that has exited
    proc.wait()
    host = socket.gethostname()
    store.scratch.mkdir(exist_ok=True)
    orphan = store.scratch / f"{host}~{proc.pid}~abc"
    orphan.write_bytes(b"half")
    mine = store.scratch / f"{host}~{os.getpid()}~def"
    mine.write_bytes(b"being written")
    other_host = store.scratch / f"elsewhere~{proc.pid}~ghi"
    other_host.write_bytes(b"not ours to judge")
    assert store.sweep_partials() == 1
    assert not orphan.exists() and mine.exists() and other_host.exists()
    assert store.path("users/1/a.bin").read_bytes() == b"whole"
