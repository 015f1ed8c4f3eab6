"""Services on SQLite and on PostgreSQL: a test module that imports `services` from here
runs each of its tests on both databases (PostgreSQL through conftest's `pg_url`)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from core.bootstrap import Services, build_services
from core.settings import Settings
from db.migrate import upgrade
from tests.fakes import FakeQueue, FakeRenderer


@pytest.fixture
def renderer() -> FakeRenderer:
    return FakeRenderer()


@pytest.fixture(params=["sqlite", "postgresql"])
def services(
    request: pytest.FixtureRequest, settings: Settings, fake_queue: FakeQueue
) -> Iterator[Services]:
    """The test's services on each database; a test that asks for `renderer` renders with
    that fake."""
    fake = request.getfixturevalue("renderer") if "renderer" in request.fixturenames else None
    if request.param == "postgresql":
        settings = settings.model_copy(update={"database_url": request.getfixturevalue("pg_url")})
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    built = build_services(settings, queue=fake_queue, renderer=fake)
    assert built.engine.dialect.name == request.param
    yield built
    built.engine.dispose()
