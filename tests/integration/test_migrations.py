"""Migrations build exactly the schema the models describe, up and down, on SQLite and
PostgreSQL (each PostgreSQL test gets a fresh database: the `pg_url` fixture), and carry the
data and files of an older layout along."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import fakeredis
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, String, create_engine, inspect, text

from core.accounts.registration import LAPTOP
from core.accounts.throttle import LoginThrottle
from core.accounts.users import register_user, verify_login
from core.bootstrap import build_services
from core.media.assets import EXTENSIONS, asset_file
from core.media.sweep import sweep_unreferenced
from core.scripts.finalize import finalize_script
from core.scripts.script import create_script, get_script
from core.scripts.versions import get_version, save_version
from core.scripts.writing import request_generation
from core.settings import Settings
from core.tasks.records import get_job
from core.workspaces.ideas import create_idea, execute_idea, list_ideas
from db.migrate import downgrade, upgrade
from db.models import Base, Render, Screen
from tests.fakes import FakeQueue

MODEL_TABLES = set(Base.metadata.tables)


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return set(inspect(conn).get_table_names())
    finally:
        engine.dispose()


# SQLite cannot reflect indexes on expressions, so autogenerate skips these there, with
# a warning; PostgreSQL compares them. test_usernames.py checks on both that each exists
# and does its job. Only these names are let through, and only on SQLite.
SQLITE_UNCOMPARED_INDEXES = ("ix_users_username_lower",)


def schema_differences(url: str, metadata: MetaData = Base.metadata) -> list[Any]:
    """What autogenerate would put in a new migration (empty: models and migrations agree)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn, warnings.catch_warnings():
            if url.startswith("sqlite"):
                for name in SQLITE_UNCOMPARED_INDEXES:
                    pattern = rf".*expression-based index '?{re.escape(name)}'?(;|$)"
                    warnings.filterwarnings("ignore", message=pattern)
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


@pytest.mark.postgres
def test_postgres_upgrade_downgrade_upgrade(pg_url: str) -> None:
    assert tables(pg_url) == set()
    check_round_trip(pg_url)


@pytest.mark.postgres
def test_core_use_cases_work_on_postgres(pg_url: str, tmp_path: Path) -> None:
    upgrade(pg_url)
    settings = Settings(  # type: ignore[call-arg]
        data_dir=tmp_path / "data", database_url=pg_url, _env_file=None
    )
    queue = FakeQueue()
    services = build_services(settings, queue=queue, throttle=LoginThrottle(fakeredis.FakeRedis()))
    try:
        uow = services.uow
        user = register_user(uow=uow(), username="alice", password="correct horse", policy=LAPTOP)
        signed_in = verify_login(
            uow=uow(), throttle=services.throttle, username="alice", password="correct horse"
        )
        assert signed_in == user
        idea = create_idea(uow=uow(), user_id=user.id, title="Octopus minds")
        ws = execute_idea(uow=uow(), user_id=user.id, idea_id=idea.id)
        script = create_script(
            uow=uow(), user_id=user.id, workspace_id=ws.id, topic="octopus", scene_count=4
        )
        job = request_generation(uow=uow(), queue=queue, user_id=user.id, script_id=script.id)
        queue.run_all(services)
        v1 = get_version(uow=uow(), user_id=user.id, script_id=script.id)
        assert v1.number == 1 and len(v1.content.scenes) == 4
        edited = v1.content.model_copy(deep=True)
        edited.scenes[0].narration = "Eight arms, one idea."
        save_version(
            uow=uow(), user_id=user.id, script_id=script.id, content=edited, base_version=1
        )
        finalized = finalize_script(
            uow=uow(), files=services.files, user_id=user.id, script_id=script.id
        )
        assert len(finalized) == 4 and finalized[0].narration == "Eight arms, one idea."
        after = get_script(uow=uow(), user_id=user.id, script_id=script.id)
        assert after.status == "finalized" and after.finalized_version == 2
        done = get_job(uow=uow(), user_id=user.id, job_id=job.id)
        assert done.status == "succeeded" and done.progress == 100
        assert list_ideas(uow=uow(), user_id=user.id)[0].status == "in_progress"
    finally:
        services.engine.dispose()


# --- 0003: assets move from users/<id>/ to workspaces/<id>/ ---------------------------------

OLD_ROWS = [
    "INSERT INTO users (id, username, password_hash, display_name, email, role, offline_mode,"
    " onboarded, created_at) VALUES (1, 'alice', 'x', 'Alice', '', 'admin', false, true, :now)",
    "INSERT INTO workspaces (id, user_id, title, description, created_at, updated_at)"
    " VALUES (10, 1, 'Octopus', '', :now, :now), (11, 1, 'Squid', '', :now, :now)",
    "INSERT INTO scripts (id, user_id, workspace_id, title, topic, tone, language,"
    " target_seconds, scene_count, status, current_version, created_at, updated_at)"
    " VALUES (20, 1, 10, 'A', 't', 'calm', 'en', 60, 1, 'finalized', 1, :now, :now),"
    " (21, 1, 11, 'B', 't', 'calm', 'en', 60, 1, 'finalized', 1, :now, :now)",
]
# (id, kind, sha, mime, request): the image is shared by both workspaces' screens
ASSETS = [
    (30, "image", "a" * 64, "image/png", "{}"),
    (31, "audio", "b" * 64, "audio/wav", "{}"),
    (32, "image", "c" * 64, "image/jpeg", "{}"),  # the video's thumbnail
    (33, "video", "d" * 64, "video/mp4", '{"thumbnail_asset_id": 32}'),
]


def old_layout(url: str, media: Path) -> dict[str, bytes]:
    """A database at 0002 and its files under users/1/: two workspaces sharing an image."""
    upgrade(url, "0002")
    engine = create_engine(url)
    now = {"now": "2026-11-30 12:00:00+00:00"}
    contents: dict[str, bytes] = {}
    with engine.begin() as conn:
        for statement in OLD_ROWS:
            conn.execute(text(statement), now)
        for asset_id, kind, sha, mime, request in ASSETS:
            conn.execute(
                text("INSERT INTO assets (id, user_id, kind, sha256, mime, size, provider,"
                     " request_key, request, created_at) VALUES (:id, 1, :kind, :sha, :mime, 5,"
                     " '', '', :request, :now)"),
                {"id": asset_id, "kind": kind, "sha": sha, "mime": mime, "request": request, **now},
            )  # fmt: skip
            name = f"{sha}{EXTENSIONS[mime]}"
            path = media / "users" / "1" / "assets" / sha[:2] / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(kind.encode() * 3)
            contents[name] = kind.encode() * 3
        conn.execute(text(
            "INSERT INTO screens (id, script_id, position, narration, visual_prompt,"
            " image_asset_id, audio_asset_id) VALUES (40, 20, 0, 'n', 'v', 30, 31),"
            " (41, 21, 0, 'n', 'v', 30, NULL)"
        ))  # fmt: skip
        conn.execute(text(
            "INSERT INTO renders (id, user_id, script_id, settings, status, output_asset_id,"
            " input_fingerprint, created_at) VALUES (50, 1, 20, '{}', 'succeeded', 33, '', :now)"
        ), now)  # fmt: skip
    engine.dispose()
    return contents


def stored(url: str) -> list[tuple[int, str]]:
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT workspace_id, sha256 FROM assets ORDER BY id")).all()
    engine.dispose()
    return [(int(ws), sha[:1]) for ws, sha in rows]


def check_assets_move(url: str, media: Path) -> None:
    contents = old_layout(url, media)
    upgrade(url, media_root=media)
    # The shared image became one row per workspace; the thumbnail went with its video.
    assert sorted(stored(url)) == [(10, "a"), (10, "b"), (10, "c"), (10, "d"), (11, "a")]
    services = build_services(
        Settings(data_dir=media.parent, database_url=url, _env_file=None),  # type: ignore[call-arg]
        queue=FakeQueue(),
    )
    try:
        with services.uow() as uow:
            for screen_id, workspace in ((40, 10), (41, 11)):
                screen = uow.session.get(Screen, screen_id)
                assert screen is not None
                image = asset_file(uow, services.files, screen.image_asset_id)
                assert image is not None and image.is_relative_to(media / f"workspaces/{workspace}")
                assert image.read_bytes() == contents[image.name]
            render = uow.session.get(Render, 50)
            assert render is not None
            video = asset_file(uow, services.files, render.output_asset_id)
            assert video is not None and video.read_bytes() == b"videovideovideo"  # still plays
        # Nothing references users/ any more: the sweep takes it (here at once, min age 0).
        assert sweep_unreferenced(uow=services.uow(), files=services.files, min_age_s=0) == 4
        assert not (media / "users").exists()
    finally:
        services.engine.dispose()
    downgrade(url, "0002", media_root=media)
    assert tables(url) >= {"assets"}
    for name, data in contents.items():  # back where the older app looks for them
        assert (media / "users/1/assets" / name[:2] / name).read_bytes() == data


def test_sqlite_moves_assets_into_their_workspaces_and_back(tmp_path: Path) -> None:
    check_assets_move(f"sqlite:///{tmp_path / 'studio.db'}", tmp_path / "media")


@pytest.mark.postgres
def test_postgres_moves_assets_into_their_workspaces_and_back(pg_url: str, tmp_path: Path) -> None:
    check_assets_move(pg_url, tmp_path / "media")
