"""Shared fixtures: a migrated SQLite database per test and services wired with fakes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.accounts import register_user
from core.bootstrap import Services, build_services
from core.models import UserView
from core.settings import Settings
from db.migrate import upgrade
from tests.fakes import FakeQueue


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
def alice(services: Services) -> UserView:
    return register_user(uow=services.uow(), username="alice", password="correct horse")


@pytest.fixture
def bob(services: Services, alice: UserView) -> UserView:
    return register_user(uow=services.uow(), username="bob", password="battery staple")
