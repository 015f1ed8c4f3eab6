"""Usernames are unique whatever their case, on SQLite and PostgreSQL, and migration 0005
reports existing case collisions instead of guessing who keeps a name.

The PostgreSQL cases use tests/conftest.py's `pg_url` (required in CI).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import fakeredis
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, func, inspect, select, text
from sqlalchemy.exc import IntegrityError

from core.accounts.registration import LAPTOP
from core.accounts.throttle import LoginThrottle
from core.accounts.users import UserView, register_user, verify_login
from core.bootstrap import Services
from core.errors import InvalidInput
from db.migrate import MigrationBlocked, downgrade, upgrade
from db.models import Base, User

INDEX = "ix_users_username_lower"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database of each kind (PostgreSQL: a fresh one, dropped afterwards)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'studio.db'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def engine(db_url: str) -> Iterator[Engine]:
    made = create_engine(db_url)
    yield made
    made.dispose()


def add_user(engine: Engine, username: str) -> None:
    """A row written the way an older version of the app would have written it."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO users (username, password_hash, display_name, email, role, "
                "offline_mode, onboarded, created_at) "
                "VALUES (:name, 'x', :name, '', 'user', false, false, :now)"
            ),
            {"name": username, "now": datetime.now(UTC)},
        )


def revision(engine: Engine) -> str:
    with engine.connect() as conn:
        return str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one())


def test_the_index_exists_and_refuses_a_name_differing_only_in_case(
    db_url: str, engine: Engine
) -> None:
    upgrade(db_url)
    with engine.connect() as conn:
        if engine.dialect.name == "sqlite":
            sql = conn.execute(
                text("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = :n"),
                {"n": INDEX},
            ).scalar_one()
        else:
            sql = conn.execute(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = :n"), {"n": INDEX}
            ).scalar_one()
    assert sql.upper().startswith("CREATE UNIQUE INDEX")
    assert "lowerusername" in re.sub(r"[()\s]|::text", "", sql.lower())
    add_user(engine, "alice")
    with pytest.raises(IntegrityError):
        add_user(engine, "Alice")
    add_user(engine, "bob")  # other names still go in


def test_upgrade_lists_case_collisions_and_changes_nothing(db_url: str, engine: Engine) -> None:
    upgrade(db_url, "0004")
    for name in ("alice", "Alice", "bob", "carol", "CAROL", "Carol"):
        add_user(engine, name)

    with pytest.raises(MigrationBlocked) as refused:
        upgrade(db_url)

    message = str(refused.value)
    assert "differ only in case" in message
    assert "'alice' (id 1), 'Alice' (id 2)" in message
    assert "'carol' (id 4), 'CAROL' (id 5), 'Carol' (id 6)" in message
    assert "bob" not in message
    assert "UPDATE users SET username" in message and "Nothing was changed" in message
    assert revision(engine) == "0004"
    assert "invitations" not in inspect(engine).get_table_names()

    with engine.begin() as conn:  # what the message tells the operator to do
        conn.execute(text("UPDATE users SET username = 'alice2' WHERE id = 2"))
        conn.execute(text("UPDATE users SET username = username || id WHERE id IN (5, 6)"))
    upgrade(db_url, "0005")
    assert revision(engine) == "0005"
    downgrade(db_url, "0004")  # and back: the index and the table go again
    assert "invitations" not in inspect(engine).get_table_names()
    add_user(engine, "ALICE")


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_postgres_drift_check_compares_the_expression_index(db_url: str, engine: Engine) -> None:
    """On PostgreSQL the drift check sees this index (on SQLite it cannot: see above)."""
    upgrade(db_url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP INDEX {INDEX}"))
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diffs = compare_metadata(context, Base.metadata)
    assert [(d[0], d[1].name) for d in diffs] == [("add_index", INDEX)]


# --- through the service layer --------------------------------------------------------


@pytest.fixture
def throttle() -> LoginThrottle:
    return LoginThrottle(fakeredis.FakeRedis())


def test_a_name_differing_only_in_case_cannot_register(services: Services, alice: UserView) -> None:
    for name in ("Alice", "ALICE", " aLiCe "):
        with pytest.raises(InvalidInput, match="is taken; choose another"):
            register_user(
                uow=services.uow(), username=name, password="another secret", policy=LAPTOP
            )
    found = account(services, "ALICE")
    assert found is not None and (found.id, found.username) == (alice.id, "alice")


def test_signing_in_as_ALICE_signs_in_as_alice(
    services: Services, alice: UserView, throttle: LoginThrottle
) -> None:
    signed_in = verify_login(
        uow=services.uow(), throttle=throttle, username="ALICE", password="correct horse"
    )
    assert signed_in == alice and signed_in.username == "alice"


def test_the_name_is_kept_as_typed(services: Services, throttle: LoginThrottle) -> None:
    carol = register_user(
        uow=services.uow(), username="CarolK", password="correct horse", policy=LAPTOP
    )
    assert carol.username == "CarolK"
    found = verify_login(
        uow=services.uow(), throttle=throttle, username="carolk", password="correct horse"
    )
    assert found.username == "CarolK"


def account(svc: Services, username: str) -> User | None:
    """The account of that name, as stored (tests read the row itself)."""
    with svc.uow() as uow:
        row = uow.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
        if row is not None:
            uow.session.expunge(row)
        return row
