"""The real login and register pages, driven through AppTest, signed out, against a migrated
SQLite database and a real Valkey (the throttle's counts live there)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from redis import Redis
from sqlalchemy import update
from streamlit.testing.v1 import AppTest

from core.accounts.invitations import create_invitation
from core.accounts.registration import LAPTOP
from core.accounts.sessions import session_user_id
from core.accounts.users import UserView, register_user
from core.bootstrap import Services, build_services
from core.settings import Settings
from db.migrate import upgrade
from db.models import Invitation, User
from tests.helpers import ROOT, no_exception
from ui.auth import COOKIE_NAME
from ui.services import services as app_services

LOG_IN = "FormSubmitter:login_form-Log in"
REGISTER = "FormSubmitter:register_form-Create account"


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, valkey_url: str) -> pytest.MonkeyPatch:
    """The app's environment: its own data dir, the test Valkey (emptied), local mode."""
    for var in ("DATABASE_URL", "STUDIO_MODE", "STUDIO_REGISTRATION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("REDIS_URL", valkey_url)
    with Redis.from_url(valkey_url) as redis:
        redis.flushdb()
    return monkeypatch


@pytest.fixture
def svc(env: pytest.MonkeyPatch) -> Iterator[Services]:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    built = build_services(settings)
    app_services.clear()  # the app builds its own services from this test's environment
    yield built
    app_services().engine.dispose()
    app_services.clear()
    built.engine.dispose()


@pytest.fixture
def alice(svc: Services) -> UserView:
    return register_user(uow=svc.uow(), username="alice", password="correct horse", policy=LAPTOP)


def opened(page: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "Home.py"), default_timeout=30)
    at.run()
    if page:
        at.switch_page(page)
        at.query_params.update(query)
        at.run()
    return no_exception(at)


def authenticated(at: AppTest) -> bool:
    """Whether the session counts as signed in (the key is absent before anyone tried)."""
    return "authentication_status" in at.session_state and bool(
        at.session_state["authentication_status"]
    )


def log_in(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="login_username").input(username)
    at.text_input(key="login_password").input(password)
    return no_exception(at.button(key=LOG_IN).click().run())


def register(at: AppTest, username: str, password: str) -> AppTest:
    at.text_input(key="register_username").input(username)
    at.text_input(key="register_password").input(password)
    at.text_input(key="register_repeat").input(password)
    return no_exception(at.button(key=REGISTER).click().run())


def said(at: AppTest) -> list[str]:
    return [m.value for m in (*at.success, *at.info, *at.warning, *at.error)]


def written_cookie(at: AppTest) -> str:
    """The sign-in token the page's script stores in the browser's cookie."""
    scripts = [h.proto.body for h in at.get("html") if COOKIE_NAME in h.proto.body]
    assert len(scripts) == 1, scripts
    match = re.search(rf"{COOKIE_NAME}=([^;]*);", scripts[0])
    assert match is not None
    return match.group(1)


def signed_in_as(at: AppTest) -> str | None:
    captions = [c.value for c in at.sidebar.caption if c.value.startswith("Signed in as")]
    return captions[0] if captions else None


# --- logging in -------------------------------------------------------------------------


def test_a_wrong_password_on_the_login_form_is_refused(alice: UserView) -> None:
    at = log_in(opened(), "alice", "wrong horse")
    assert said(at) == ["Wrong username or password."]
    assert not authenticated(at)
    at = no_exception(at.run())  # a rerun keeps the message
    assert said(at) == ["Wrong username or password."]
    at = log_in(at, "nobody", "correct horse")
    assert said(at) == ["Wrong username or password."]  # same words: no hint who exists
    assert signed_in_as(no_exception(at.run())) is None


def test_logging_in_as_ALICE_signs_in_alice_by_id(svc: Services, alice: UserView) -> None:
    at = log_in(opened(), "ALICE", "correct horse")
    assert signed_in_as(at) == "Signed in as **alice** (alice)"  # at once, no second run
    token = written_cookie(at)
    assert session_user_id(token=token, secret=svc.settings.secret_key) == alice.id


def test_the_sixth_quick_wrong_password_is_slowed_down_and_says_so(alice: UserView) -> None:
    at = opened()
    for _ in range(5):
        at = log_in(at, "alice", "wrong horse")
        assert said(at) == ["Wrong username or password."]
    at = log_in(at, "alice", "wrong horse")
    assert said(at) == ["Too many failed sign-ins for alice: wait 1 s and try again."]
    at = log_in(at, "alice", "correct horse")  # not even checked while it must wait
    assert said(at) and "Too many failed sign-ins for alice" in said(at)[0]
    assert not authenticated(at)


def test_a_session_whose_account_is_gone_is_signed_out(svc: Services, alice: UserView) -> None:
    at = log_in(opened(), "alice", "correct horse")
    assert at.session_state["authentication_status"]
    with svc.uow() as uow:
        uow.session.delete(uow.session.get(User, alice.id))
        uow.commit()
    at = no_exception(at.run())
    assert signed_in_as(at) is None and at.button(key=LOG_IN)
    assert not authenticated(at)


# --- passwords as typed, through all three forms ----------------------------------------


def test_spaces_around_a_password_survive_registration_login_and_change(svc: Services) -> None:
    at = opened("app_pages/register.py")
    at = register(at, "dora", " spaced out ")
    assert signed_in_as(at) == "Signed in as **dora** (dora)"  # registering signs in
    at.button(key="logout_button").click()
    at = no_exception(at.run())
    assert written_cookie(at) == ""  # the page deletes the cookie

    assert said(log_in(opened(), "dora", "spaced out")) == ["Wrong username or password."]
    at = log_in(opened(), "dora", " spaced out ")
    assert signed_in_as(at) == "Signed in as **dora** (dora)"

    at = no_exception(at.run()).switch_page("app_pages/settings.py")  # signed in: the app's pages
    at = no_exception(at.run())
    fields = {t.label: t for t in at.text_input}
    fields["Current password"].input(" spaced out ")
    fields["New password"].input("\tnew secret ")
    fields["Repeat new password"].input("\tnew secret ")
    at = no_exception(
        at.button(key="FormSubmitter:settings_password-Change password").click().run()
    )
    assert said(at) == ["Password changed."]

    assert said(log_in(opened(), "dora", "new secret")) == ["Wrong username or password."]
    assert signed_in_as(log_in(opened(), "dora", "\tnew secret ")) == "Signed in as **dora** (dora)"


# --- who may register -------------------------------------------------------------------


def test_registering_a_name_in_another_case_is_refused(alice: UserView) -> None:
    at = opened("app_pages/register.py")
    at = register(at, "Alice", "another secret")
    assert said(at) == ["The username 'Alice' is taken; choose another."]


def test_closed_registration_shows_a_refusal_and_no_form(
    env: pytest.MonkeyPatch, svc: Services
) -> None:
    env.setenv("STUDIO_REGISTRATION", "closed")
    at = opened("app_pages/register.py")
    assert said(at) == [
        "Registration is closed on this server. Ask an admin if you need an account."
    ]
    assert not at.text_input and not at.button


def test_invite_only_registration_needs_a_usable_link(
    env: pytest.MonkeyPatch, svc: Services, alice: UserView
) -> None:
    env.setenv("STUDIO_REGISTRATION", "invite")
    at = opened("app_pages/register.py")
    assert "by invitation only" in said(at)[0] and not at.text_input

    invite = create_invitation(uow=svc.uow(), requester_id=alice.id, days=1)
    at = opened("app_pages/register.py", invite=invite.token)
    at = register(at, "erin", "correct horse")
    assert signed_in_as(at) == "Signed in as **erin** (erin)"

    at = opened("app_pages/register.py", invite=invite.token)
    assert said(at) == ["This invitation has already been used. Ask an admin for a new link."]
    assert not at.text_input

    expired = create_invitation(uow=svc.uow(), requester_id=alice.id, days=1)
    with svc.uow() as uow:
        past = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
        uow.session.execute(update(Invitation).values(expires_at=past))
        uow.commit()
    at = opened("app_pages/register.py", invite=expired.token)
    assert said(at) == [
        "This invitation expired on 2026-01-02 03:04 UTC. Ask an admin for a new link."
    ]
    assert not at.text_input


def test_an_admin_makes_a_sign_up_link_on_the_admin_page(
    env: pytest.MonkeyPatch, svc: Services, alice: UserView
) -> None:
    env.setenv("STUDIO_REGISTRATION", "invite")
    env.setenv("STUDIO_PUBLIC_URL", "https://studio.example.com")
    at = no_exception(log_in(opened(), "alice", "correct horse").run())  # alice: first, admin
    at = no_exception(at.switch_page("app_pages/admin.py").run())
    at.number_input(key="admin_invite_days").set_value(3)
    at = no_exception(
        at.button(key="FormSubmitter:admin_invite-Create a sign-up link").click().run()
    )
    [link] = [c.value for c in at.code if "/register?invite=" in c.value]
    assert link.startswith("https://studio.example.com/register?invite=")
    assert any("Admits one person until" in c.value for c in at.caption)

    at = opened("app_pages/register.py", invite=link.split("invite=", 1)[1])
    at = register(at, "erin", "correct horse")
    assert signed_in_as(at) == "Signed in as **erin** (erin)"
