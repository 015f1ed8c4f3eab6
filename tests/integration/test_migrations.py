"""Migrations build exactly the schema the models describe, up and down, on SQLite and PostgreSQL.

PostgreSQL tests run when TEST_POSTGRES_URL is set, e.g.
postgresql+psycopg://postgres@127.0.0.1:5432/test; each gets a fresh database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, create_engine, inspect, make_url, text

from core import accounts, generation, ideas, screens, scripts, tasks
from core.bootstrap import build_services
from core.settings import Settings
from db.migrate import downgrade, upgrade
from db.models import Base
from tests.fakes import FakeQueue

PG_URL = os.environ.get("TEST_POSTGRES_URL", "")
needs_postgres = pytest.mark.skipif(not PG_URL, reason="TEST_POSTGRES_URL is not set")
MODEL_TABLES = set(Base.metadata.tables)


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


def schema_differences(url: str, metadata: MetaData = Base.metadata) -> list[Any]:
    """What autogenerate would put in a new migration (empty: models and migrations agree)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True}
            )
            return list(compare_metadata(context, metadata))
    finally:
        engine.dispose()


def check_round_trip(url: str) -> None:
    upgrade(url)
    assert tables(url) == MODEL_TABLES | {"alembic_version"}
    assert schema_differences(url) == []
    downgrade(url)
    assert tables(url) <= {"alembic_version"}
    upgrade(url)
    assert tables(url) == MODEL_TABLES | {"alembic_version"}
    assert schema_differences(url) == []


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'studio.db'}"


def test_sqlite_upgrade_downgrade_upgrade(sqlite_url: str) -> None:
    assert tables(sqlite_url) == set()
    check_round_trip(sqlite_url)


def test_a_model_change_without_a_migration_is_noticed(sqlite_url: str) -> None:
    """The comparison above can fail: a column only the models know about shows up."""
    upgrade(sqlite_url)
    changed = MetaData(naming_convention=Base.metadata.naming_convention)
    for table in Base.metadata.tables.values():
        table.to_metadata(changed)
    changed.tables["ideas"].append_column(Column("mood", String(20)))
    diffs = schema_differences(sqlite_url, changed)
    assert [(d[0], d[2], d[3].name) for d in diffs] == [("add_column", "ideas", "mood")]


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    base = make_url(PG_URL)
    name = f"test_mig_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.mark.postgres
@needs_postgres
def test_postgres_upgrade_downgrade_upgrade(pg_url: str) -> None:
    assert tables(pg_url) == set()
    check_round_trip(pg_url)


@pytest.mark.postgres
@needs_postgres
def test_core_use_cases_work_on_postgres(pg_url: str, tmp_path: Path) -> None:
    upgrade(pg_url)
    settings = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path / "data", database_url=pg_url, _env_file=None
    )
    queue = FakeQueue()
    services = build_services(settings, queue=queue)
    try:
        uow = services.uow
        user = accounts.register_user(uow=uow(), username="alice", password="correct horse")
        assert accounts.verify_login(uow=uow(), username="alice", password="correct horse") == user
        idea = ideas.create_idea(uow=uow(), user_id=user.id, title="Octopus minds")
        ws = ideas.execute_idea(uow=uow(), user_id=user.id, idea_id=idea.id)
        script = scripts.create_script(
            uow=uow(), user_id=user.id, workspace_id=ws.id, topic="octopus", scene_count=4
        )
        job = generation.request_generation(
            uow=uow(), queue=queue, user_id=user.id, script_id=script.id
        )
        queue.run_all(services)
        v1 = scripts.get_version(uow=uow(), user_id=user.id, script_id=script.id)
        assert v1.number == 1 and len(v1.content.scenes) == 4
        edited = v1.content.model_copy(deep=True)
        edited.scenes[0].narration = "Eight arms, one idea."
        scripts.save_version(
            uow=uow(), user_id=user.id, script_id=script.id, content=edited, base_version=1
        )
        finalized = screens.finalize_script(uow=uow(), user_id=user.id, script_id=script.id)
        assert len(finalized) == 4 and finalized[0].narration == "Eight arms, one idea."
        after = scripts.get_script(uow=uow(), user_id=user.id, script_id=script.id)
        assert after.status == "finalized" and after.finalized_version == 2
        done = tasks.get_job(uow=uow(), user_id=user.id, job_id=job.id)
        assert done.status == "succeeded" and done.progress == 100
        assert ideas.get_idea(uow=uow(), user_id=user.id, idea_id=idea.id).status == "in_progress"
    finally:
        services.engine.dispose()
