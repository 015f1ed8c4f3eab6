"""`python3 studio.py admin ...`: a server's first admin comes from the command line, and
admins can print sign-up links there. Run as `studio.py _admin`, what `admin` re-executes
in the venv (running `admin` itself could pip-install into the venv first)."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import fakeredis
import pytest
import sqlalchemy as sa
from cryptography.fernet import Fernet

import studio
from core.accounts.registration import Registration, RegistrationPolicy
from core.accounts.throttle import LoginThrottle
from core.accounts.users import register_user, verify_login
from core.bootstrap import Services, build_services
from core.errors import InvalidInput
from core.settings import Settings
from db.models import User

ROOT = Path(__file__).resolve().parents[2]
INVITE = RegistrationPolicy(Registration.INVITE, first_user_admin=False)


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    """A production server's settings (the case that matters), in this process and for
    the command's."""
    for name in list(os.environ):
        if name.startswith("STUDIO_") or name in ("DATABASE_URL", "REDIS_URL"):
            monkeypatch.delenv(name)
    settings = {
        "STUDIO_MODE": "production",
        "STUDIO_SECRET_KEY": "f3Jq9vX2pL8sR4tY6uW1zA5bC7dE0gH",
        "STUDIO_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "STUDIO_DATA_DIR": str(tmp_path / "data"),
        "STUDIO_REGISTRATION": "invite",
        "STUDIO_PUBLIC_URL": "https://studio.example.com",
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    return dict(os.environ)


@pytest.fixture
def svc(env: dict[str, str]) -> Iterator[Services]:
    """Services on the database the command creates (run the command first)."""
    built = build_services(
        Settings(_env_file=None),  # type: ignore[call-arg]
        throttle=LoginThrottle(fakeredis.FakeRedis()),
    )
    yield built
    built.engine.dispose()


def admin(env: dict[str, str], *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "studio.py", "_admin", *args],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_admin_create_makes_the_first_admin_with_the_password_as_typed(
    env: dict[str, str], svc: Services
) -> None:
    done = admin(env, "create", "Root", "--password-stdin", stdin=" root's secret \n")
    assert done.returncode == 0, done.stderr
    assert "admin Root created; they can log in at https://studio.example.com" in done.stdout
    assert " root's secret " not in done.stdout + done.stderr

    root = verify_login(
        uow=svc.uow(), throttle=svc.throttle, username="root", password=" root's secret "
    )
    assert root.username == "Root" and root.is_admin
    with pytest.raises(InvalidInput):
        verify_login(
            uow=svc.uow(), throttle=svc.throttle, username="root", password="root's secret"
        )

    again = admin(env, "create", "ROOT", "--password-stdin", stdin="another secret\n")
    assert again.returncode == 1 and "The username 'ROOT' is taken" in again.stderr


def test_admin_create_refuses_a_short_password_and_creates_nothing(
    env: dict[str, str], svc: Services
) -> None:
    done = admin(env, "create", "root", "--password-stdin", stdin="short\n")
    assert done.returncode == 1
    assert "studio: Password must have at least 8 characters." in done.stderr
    assert account(svc, "root") is None


def converse(command: list[str], env: dict[str, str], answers: dict[str, str]) -> str:
    """Run `command` on a terminal of its own; type each answer when its prompt shows."""
    leader, follower = pty.openpty()
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        start_new_session=True,  # no other terminal: getpass talks to this one
    )
    os.close(follower)
    seen, pending = "", list(answers.items())
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if pending and pending[0][0] in seen:
            seen = seen.replace(pending[0][0], f"<{pending[0][0]}>", 1)
            os.write(leader, pending.pop(0)[1].encode() + b"\n")
        if not select.select([leader], [], [], 0.2)[0]:
            if proc.poll() is not None:
                break
            continue
        try:
            seen += os.read(leader, 1024).decode()
        except OSError:  # the command ended and closed its side
            break
    proc.wait(10)
    os.close(leader)
    return seen


def test_admin_create_asks_for_the_password_twice_without_echo(
    env: dict[str, str], svc: Services
) -> None:
    command = [sys.executable, "studio.py", "_admin", "create", "root"]
    seen = converse(
        command, env, {"Password for root:": "typed twice", "Repeat it:": "typed twice"}
    )
    assert "admin root created" in seen and "typed twice" not in seen
    found = account(svc, "root")
    assert found is not None and found.role == "admin"

    seen = converse(command, env, {"Password for root:": "one secret", "Repeat it:": "another"})
    assert "the two passwords differ; nothing was created" in seen


def test_admin_invite_prints_a_link_that_admits_one_person(
    env: dict[str, str], svc: Services
) -> None:
    done = admin(env, "invite", "--days", "2")
    assert done.returncode == 0, done.stderr
    [link] = done.stdout.splitlines()  # alone on stdout, for scripts
    assert link.startswith("https://studio.example.com/register?invite=")
    assert "admits one person until" in done.stderr

    token = link.split("invite=", 1)[1]
    erin = register_user(
        uow=svc.uow(), username="erin", password="correct horse", policy=INVITE, invite_token=token
    )
    assert erin.role == "user"
    with pytest.raises(InvalidInput, match="already been used"):
        register_user(
            uow=svc.uow(),
            username="fay",
            password="correct horse",
            policy=INVITE,
            invite_token=token,
        )


def test_admin_invite_says_when_links_are_not_checked(env: dict[str, str]) -> None:
    env["STUDIO_REGISTRATION"] = "closed"
    done = admin(env, "invite")
    assert done.returncode == 0
    assert "registration is closed: set STUDIO_REGISTRATION=invite" in done.stderr


def test_admin_arguments_reach_the_venv_command() -> None:
    assert studio.VENV_COMMANDS["admin"] == "_admin"
    argv = studio.venv_argv("_admin", ["create", "root", "--password-stdin"])
    assert argv == [
        str(studio.VENV_PYTHON),
        str(ROOT / "studio.py"),
        "_admin",
        "create",
        "root",
        "--password-stdin",
    ]


def account(svc: Services, username: str) -> User | None:
    """The account of that name, as stored (tests read the row itself)."""
    with svc.uow() as uow:
        query = sa.select(User).where(sa.func.lower(User.username) == username.lower())
        row = uow.session.scalar(query)
        if row is not None:
            uow.session.expunge(row)
        return row
