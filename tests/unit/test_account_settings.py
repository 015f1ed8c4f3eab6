"""Account settings: who may register by default, where the app listens, and the retired
STUDIO_ADMIN_USERNAME, which is refused rather than silently ignored."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from core.accounts.registration import Registration, RegistrationPolicy
from core.settings import Settings

PRODUCTION = {
    "STUDIO_MODE": "production",
    "STUDIO_SECRET_KEY": "f3Jq9vX2pL8sR4tY6uW1zA5bC7dE0gH",
    "STUDIO_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """Only what a test sets reaches Settings (as environment variables, as deployed)."""
    for name in list(os.environ):
        if name.startswith("STUDIO_") or name in ("DATABASE_URL", "REDIS_URL"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("STUDIO_DATA_DIR", str(tmp_path / "data"))
    return monkeypatch


def settings() -> Settings:
    return Settings(_env_file=None)  # type: ignore[call-arg]


def test_a_laptop_is_open_and_its_first_user_is_admin(env: pytest.MonkeyPatch) -> None:
    policy = RegistrationPolicy.from_settings(settings())
    assert policy == RegistrationPolicy(Registration.OPEN, first_user_admin=True)


def test_a_server_is_closed_and_never_makes_the_first_user_admin(
    env: pytest.MonkeyPatch,
) -> None:
    for name, value in PRODUCTION.items():
        env.setenv(name, value)
    assert RegistrationPolicy.from_settings(settings()) == RegistrationPolicy(
        Registration.CLOSED, first_user_admin=False
    )
    env.setenv("STUDIO_REGISTRATION", "invite")
    assert RegistrationPolicy.from_settings(settings()).mode == Registration.INVITE


def test_registration_takes_only_the_three_modes(env: pytest.MonkeyPatch) -> None:
    env.setenv("STUDIO_REGISTRATION", "closed")
    assert settings().registration == "closed"
    env.setenv("STUDIO_REGISTRATION", "anyone")
    with pytest.raises(ValueError, match=r"open.*invite.*closed"):
        settings()


def test_the_app_listens_on_this_machine_only_unless_told(env: pytest.MonkeyPatch) -> None:
    assert settings().host == "127.0.0.1"
    env.setenv("STUDIO_HOST", "0.0.0.0")
    assert settings().host == "0.0.0.0"


def test_sign_up_links_use_the_public_url(env: pytest.MonkeyPatch) -> None:
    env.setenv("STUDIO_PORT", "8600")
    assert settings().app_url == "http://localhost:8600"
    env.setenv("STUDIO_PUBLIC_URL", "https://studio.example.com/")
    assert settings().app_url == "https://studio.example.com"


def test_admin_username_no_longer_makes_an_admin_and_says_what_to_do(
    env: pytest.MonkeyPatch,
) -> None:
    env.setenv("STUDIO_ADMIN_USERNAME", "admin")
    with pytest.raises(ValueError, match="no longer makes anyone admin") as refused:
        settings()
    assert "python3 studio.py admin create NAME" in str(refused.value)
