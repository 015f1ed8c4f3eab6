"""Job records: retrying failed jobs, which attempt of a job may write its record, and
which failures RQ may retry on its own."""

from __future__ import annotations

import dataclasses
import os
import socket
import subprocess
from pathlib import Path

import pytest

from core.accounts.users import UserView
from core.bootstrap import Services
from core.errors import Conflict, ContentRejected, NotFound
from core.media.files import FileStore
from core.tasks.kinds import Task, TaskBody, kind_of
from core.tasks.records import WAITING, JobView, cancel_task, get_job, retry_task, submit_task
from core.tasks.runner import run_task
from core.workspaces.ideas import create_idea, list_ideas
from db.models import Idea, JobRecord
from tests.fakes import FakeQueue


def submit(services: Services, user: UserView, target_id: int = 1, batch: str = "") -> JobView:
    return submit_task(
        uow=services.uow(),
        queue=services.queue,
        user_id=user.id,
        kind="screen.preview",
        target_id=target_id,
        batch_id=batch,
    )


def refuse(_task: Task) -> str:
    raise ContentRejected("The model refused.")


def crash(_task: Task) -> str:
    raise RuntimeError("bug")


def done(task: Task) -> str:
    task.progress(50, "Halfway")
    return "Done"


def run(
    services: Services, job: JobView, body: TaskBody, *, paid: bool = False, **kwargs: object
) -> None:
    kind = dataclasses.replace(kind_of(job.kind), body=body, paid=paid)
    run_task(services=services, kind=kind, record_id=job.id, **kwargs)  # type: ignore[arg-type]


def get(services: Services, user: UserView, job: JobView) -> JobView:
    return get_job(uow=services.uow(), user_id=user.id, job_id=job.id)


def rq_id(services: Services, job: JobView) -> str:
    with services.uow() as uow:
        record = uow.session.get(JobRecord, job.id)
        assert record is not None
        return record.rq_job_id


def retry(services: Services, user: UserView, job: JobView) -> JobView:
    return retry_task(uow=services.uow(), queue=services.queue, user_id=user.id, job_id=job.id)


def test_retrying_a_failed_job_queues_it_again_from_scratch(
    services: Services, alice: UserView, fake_queue: FakeQueue
) -> None:
    job = submit(services, alice)
    fake_queue.queued.clear()
    run(services, job, refuse)
    assert get(services, alice, job).status == "failed"

    again = retry(services, alice, job)

    assert (again.status, again.progress, again.error) == ("queued", 0, "")
    assert again.message == WAITING
    assert fake_queue.queued == [("screen.preview", job.id)]
    run(services, job, done)
    finished = get(services, alice, job)
    assert (finished.status, finished.attempts) == ("succeeded", 2)


def test_a_canceled_job_can_be_retried(
    services: Services, alice: UserView, fake_queue: FakeQueue
) -> None:
    job = submit(services, alice)
    cancel_task(uow=services.uow(), queue=services.queue, user_id=alice.id, job_id=job.id)
    assert retry(services, alice, job).status == "queued"


@pytest.mark.parametrize("body", [None, done])
def test_only_failed_or_canceled_jobs_can_be_retried(
    services: Services, alice: UserView, fake_queue: FakeQueue, body: TaskBody | None
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
    assert fake_queue.queued == []


def test_an_exclusive_kind_queues_one_job_per_target(
    services: Services, alice: UserView, fake_queue: FakeQueue
) -> None:
    first = submit(services, alice, target_id=3)
    with pytest.raises(Conflict, match="already queued or running"):
        submit(services, alice, target_id=3)
    other = submit(services, alice, target_id=4)  # another target is free
    assert fake_queue.queued == [("screen.preview", first.id), ("screen.preview", other.id)]
    run(services, first, refuse)  # an ended job lets go of the target
    assert submit(services, alice, target_id=3).status == "queued"


def test_an_unexpected_error_with_attempts_left_says_retrying(
    services: Services, alice: UserView
) -> None:
    job = submit(services, alice)
    with pytest.raises(RuntimeError):
        run(services, job, crash, attempts_left=1)
    view = get(services, alice, job)
    assert view.status == "queued" and view.message.startswith("Retrying soon")
    assert "press Retry" not in view.message  # nothing for the user to do yet
    run(services, job, done)  # RQ's retry then runs it again
    assert get(services, alice, job).status == "succeeded"


def test_an_unexpected_error_on_the_last_attempt_fails_the_job(
    services: Services, alice: UserView
) -> None:
    job = submit(services, alice)
    with pytest.raises(RuntimeError):
        run(services, job, crash)
    view = get(services, alice, job)
    assert (view.status, view.error) == ("failed", "Unexpected error: RuntimeError; press Retry.")


def test_a_paid_job_is_not_retried_blindly_after_an_unexpected_error(
    services: Services, alice: UserView
) -> None:
    """Nothing kept from the vendor: a retry might pay again, so the user decides."""
    job = submit(services, alice)
    run(services, job, crash, paid=True, attempts_left=3)  # not re-raised: RQ won't retry
    view = get(services, alice, job)
    assert (view.status, view.error) == ("failed", "Unexpected error: RuntimeError; press Retry.")


def test_a_paid_job_whose_answer_is_kept_is_retried(services: Services, alice: UserView) -> None:
    job = submit(services, alice)

    def answered_then_crashed(task: Task) -> str:
        task.paid_call(lambda: "the vendor's answer", dump=lambda a: ({"a": a}, b""),
                       load=lambda f, _d: str(f["a"]))  # fmt: skip
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        run(services, job, answered_then_crashed, paid=True, attempts_left=3)
    assert get(services, alice, job).status == "queued"
    assert services.answers.has(job.id)
    run(services, job, done, paid=True)
    assert not services.answers.has(job.id)  # a finished job keeps nothing


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
    store = FileStore(tmp_path / "media")
    store.write_atomic("workspaces/1/a.bin", b"whole")
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
    assert store.path("workspaces/1/a.bin").read_bytes() == b"whole"


def test_progress_is_written_on_its_own_and_never_commits_the_bodys_work(
    services: Services, alice: UserView
) -> None:
    idea = create_idea(uow=services.uow(), user_id=alice.id, title="Octopus minds")
    job = submit(services, alice)

    def renames_then_fails(task: Task) -> str:
        row = task.uow.session.get(Idea, idea.id)
        assert row is not None
        row.title = "Half-written"  # the body's own, unfinished work
        task.progress(40, "Almost")
        seen = get_job(uow=services.uow(), user_id=alice.id, job_id=job.id)
        assert (seen.progress, seen.message) == (40, "Almost")  # visible at once
        raise ContentRejected("The model refused.")

    run(services, job, renames_then_fails)
    assert [i.title for i in list_ideas(uow=services.uow(), user_id=alice.id)] == ["Octopus minds"]
    assert get(services, alice, job).status == "failed"
