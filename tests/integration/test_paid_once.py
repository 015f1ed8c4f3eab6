"""Never pay a vendor twice for the same thing: the vendor's answer is kept under the job's
record the moment it arrives, and every later attempt reuses it. The stand-ins count the
calls that reach them."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from core.accounts.keys import save_key
from core.accounts.users import UserView
from core.bootstrap import Services, build_services
from core.errors import ProviderError
from core.media.generate import request_image
from core.media.screen import list_screens
from core.scripts.finalize import finalize_script
from core.scripts.versions import list_versions
from core.scripts.writing import request_generation
from core.settings import Settings
from core.tasks.answers import INTERRUPTED, AnswerStore
from core.tasks.records import get_job
from db.engine import make_engine
from tests.fakes import FakeQueue
from tests.helpers import wait_for, work_horse
from tests.integration.test_worker_queue import new_script
from tests.standins.fixtures import openai_standin_fixture  # noqa: F401
from tests.standins.openai_server import OpenAIStandin

KEY = "sk-test-paid-once-0001"
SCRIPT = {
    "title": "Octopus minds",
    "scenes": [
        {"narration": "Octopuses have nine brains.", "visual": "octopus close-up"},
        {"narration": "Each arm can taste.", "visual": "arm on a rock"},
    ],
}


def calls(standin: OpenAIStandin, path: str) -> int:
    return sum(1 for r in standin.requests if r.path == path)


@pytest.fixture
def flaky_services(
    services: Services, fake_queue: FakeQueue, openai_standin: OpenAIStandin
) -> Iterator[tuple[Services, list[str]]]:
    """Services whose database refuses the first INSERT INTO assets (a disk hiccup), with
    OpenAI's SDK pointed at the stand-in; the list records the refused statement."""
    engine = make_engine(services.settings.database_url)
    refused: list[str] = []

    def fail_once(*args: Any) -> None:
        statement = str(args[2])
        if statement.startswith("INSERT INTO assets") and not refused:
            refused.append(statement)
            raise sqlite3.OperationalError("disk I/O error")

    event.listen(engine, "before_cursor_execute", fail_once)
    changed = services.settings.model_copy(update={"openai_base_url": openai_standin.base_url})
    built = build_services(changed, engine=engine, queue=fake_queue)
    yield built, refused
    engine.dispose()


def test_an_image_job_whose_database_write_fails_once_pays_once(
    flaky_services: tuple[Services, list[str]],
    fake_queue: FakeQueue,
    alice: UserView,
    openai_standin: OpenAIStandin,
) -> None:
    services, refused = flaky_services
    save_key(
        uow=services.uow(), cipher=services.cipher, user_id=alice.id, vendor="openai", secret=KEY
    )
    script_id = new_script(services, alice, "octopus minds", scene_count=2)
    request_generation(uow=services.uow(), queue=fake_queue, user_id=alice.id, script_id=script_id)
    openai_standin.reply_structured(SCRIPT)
    fake_queue.run_all(services)
    [first, _] = finalize_script(
        uow=services.uow(), files=services.files, user_id=alice.id, script_id=script_id
    )
    job = request_image(uow=services.uow(), queue=fake_queue, user_id=alice.id, screen_id=first.id)

    fake_queue.run_all(services)  # as RQ: the failed attempt is retried

    assert refused, "the database never refused the write: the test proves nothing"
    done = get_job(uow=services.uow(), user_id=alice.id, job_id=job.id)
    assert (done.status, done.attempts) == ("succeeded", 2), done.error
    assert calls(openai_standin, "/v1/images/generations") == 1  # paid once in all
    [screen, _] = list_screens(
        uow=services.uow(), files=services.files, user_id=alice.id, script_id=script_id
    )
    assert screen.image is not None and screen.image.stat().st_size > 0
    assert not services.answers.has(job.id)  # a finished job keeps nothing


def test_a_script_job_killed_after_the_model_answered_pays_once(
    real_services: Services,
    alice: UserView,
    workers: Callable[..., subprocess.Popen[bytes]],
    openai_standin: OpenAIStandin,
) -> None:
    """A real StudioWorker: the model answers, the database is busy, the work horse is
    killed (as the OOM killer would); RQ retries the job, which saves the kept answer."""
    save_key(
        uow=real_services.uow(), cipher=real_services.cipher, user_id=alice.id,
        vendor="openai", secret=KEY,
    )  # fmt: skip
    script_id = new_script(real_services, alice, "octopus minds", scene_count=2)
    openai_standin.reply_structured(SCRIPT, delay=1.5)  # long enough to take the lock below
    worker = workers("--with-scheduler", STUDIO_OPENAI_BASE_URL=openai_standin.base_url)
    job = request_generation(
        uow=real_services.uow(), queue=real_services.queue, user_id=alice.id, script_id=script_id
    )
    wait_for(lambda: calls(openai_standin, "/v1/chat/completions") == 1, 60, "the model asked")
    database = sqlite3.connect(_path(real_services.settings), timeout=30)
    database.execute("BEGIN IMMEDIATE")  # every writer now waits: the job cannot save
    try:
        answer = real_services.answers.root / f"{job.id}.json"
        wait_for(answer.exists, 30, "the model's answer was kept")
        horse = work_horse(worker)
        os.kill(horse, signal.SIGKILL)
    finally:
        database.rollback()
        database.close()

    wait_for(
        lambda: (
            get_job(uow=real_services.uow(), user_id=alice.id, job_id=job.id).status == "succeeded"
        ),
        60,
        "RQ's retry saved the kept answer",
    )
    done = get_job(uow=real_services.uow(), user_id=alice.id, job_id=job.id)
    assert done.attempts == 2
    assert calls(openai_standin, "/v1/chat/completions") == 1  # paid once in all
    [version] = list_versions(uow=real_services.uow(), user_id=alice.id, script_id=script_id)
    assert version.content.scenes[0].narration == "Octopuses have nine brains."


def test_an_attempt_killed_during_the_call_is_not_paid_again_without_the_user(
    tmp_path: Path,
) -> None:
    """RQ's own retry of the killed attempt stops and says why; the user's Retry (a new
    attempt id) asks the vendor again."""
    store = AnswerStore(tmp_path / "answers")
    asked: list[str] = []

    def refuses() -> str:
        raise ProviderError("The model refused.")

    def vendor() -> str:
        asked.append("call")
        return "answer"

    def dump(a: str) -> tuple[dict[str, object], bytes]:
        return {"a": a}, b""

    def load(f: dict[str, object], _d: bytes) -> str:
        return str(f["a"])

    store.root.mkdir(parents=True)
    (store.root / "7.pending").write_text("rq-attempt-1")  # what a killed call leaves
    with pytest.raises(ProviderError, match="Press Retry"):
        store.once(7, "rq-attempt-1", vendor, dump=dump, load=load)
    assert asked == [] and INTERRUPTED.startswith("The worker stopped")
    assert store.once(7, "rq-attempt-2", vendor, dump=dump, load=load) == "answer"
    assert store.once(7, "rq-attempt-2", vendor, dump=dump, load=load) == "answer"
    assert asked == ["call"]  # kept: the second ask did not reach the vendor
    with pytest.raises(ProviderError, match="refused"):
        store.once(8, "a", refuses, dump=dump, load=load)
    assert not store.has(8) and not (store.root / "8.pending").exists()  # no answer, no mark


def _path(settings: Settings) -> str:
    return settings.database_url.removeprefix("sqlite:///")
