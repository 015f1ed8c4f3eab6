"""Settings: local mode keeps its own secrets; production mode refuses missing or fake ones."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from pydantic import ValidationError

from core.settings import Settings, SettingsError

REAL_SECRET = "f3Jq9vX2pL8sR4tY6uW1zA5bC7dE0gH"
# Fixed Fernet keys: tests must not depend on what a random key happens to contain.
KEY_1 = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
KEY_2 = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="
# A real Fernet key (as Fernet.generate_key() may return, ~1 in 800) containing "xxx".
KEY_WITH_XXX = "D8i-bV33gEaY1aHCOiJ_W-bHxUXxxdpJFx5I7yzg_Ew="


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only what a test sets explicitly reaches Settings."""
    for name in list(os.environ):
        if name.startswith("STUDIO_") or name in ("DATABASE_URL", "REDIS_URL"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)


def make(data_dir: Path, **kwargs: object) -> Settings:
    return Settings(data_dir=data_dir, _env_file=None, **kwargs)  # type: ignore[call-arg]


def refusal(excinfo: pytest.ExceptionInfo[ValueError]) -> SettingsError:
    """The SettingsError raised, whether or not pydantic wrapped it in a ValidationError."""
    error = excinfo.value
    if isinstance(error, ValidationError):
        error = error.errors()[0].get("ctx", {}).get("error")
    assert isinstance(error, SettingsError), f"expected a SettingsError, got {excinfo.value!r}"
    assert str(error) in str(excinfo.value)  # what the launcher prints names it too
    return error


def test_local_mode_creates_its_secrets_and_reuses_them(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = make(data_dir)
    secrets_dir = data_dir / "secrets"
    assert (secrets_dir / "secret_key").read_text().strip() == first.secret_key
    assert (secrets_dir / "encryption_key").read_text().strip() == first.encryption_keys
    assert len(first.secret_key) >= 32
    [key] = first.fernet_keys
    Fernet(key.encode())  # a usable Fernet key
    for path in secrets_dir.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path
    assert stat.S_IMODE(secrets_dir.stat().st_mode) == 0o700

    second = make(data_dir)
    assert (second.secret_key, second.encryption_keys) == (first.secret_key, first.encryption_keys)
    elsewhere = make(tmp_path / "other")
    assert elsewhere.secret_key != first.secret_key
    assert elsewhere.encryption_keys != first.encryption_keys


def test_local_mode_uses_given_secrets_instead_of_inventing_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_SECRET_KEY", REAL_SECRET)
    monkeypatch.setenv("STUDIO_ENCRYPTION_KEYS", KEY_1)
    settings = make(tmp_path / "data")
    assert (settings.secret_key, settings.fernet_keys) == (REAL_SECRET, [KEY_1])
    assert not (tmp_path / "data" / "secrets").exists()


def test_local_mode_treats_placeholders_from_env_example_as_unset(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_SECRET_KEY", "change-me")
    monkeypatch.setenv("STUDIO_ENCRYPTION_KEYS", "change-me")
    settings = make(tmp_path / "data")
    assert "change-me" not in (settings.secret_key, settings.encryption_keys)
    assert (tmp_path / "data" / "secrets" / "secret_key").read_text() == settings.secret_key


@pytest.mark.parametrize(
    ("secret", "keys", "named"),
    [
        ("", "GOOD", "STUDIO_SECRET_KEY"),
        (REAL_SECRET, "", "STUDIO_ENCRYPTION_KEYS"),
        ("change-me", "GOOD", "STUDIO_SECRET_KEY"),
        (REAL_SECRET, "change-me", "STUDIO_ENCRYPTION_KEYS"),
    ],
    ids=["empty-secret", "empty-keys", "placeholder-secret", "placeholder-keys"],
)
def test_production_refuses_missing_or_placeholder_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, secret: str, keys: str, named: str
) -> None:
    monkeypatch.setenv("STUDIO_MODE", "production")
    monkeypatch.setenv("STUDIO_SECRET_KEY", secret)
    monkeypatch.setenv("STUDIO_ENCRYPTION_KEYS", KEY_1 if keys == "GOOD" else keys)
    with pytest.raises(ValueError) as excinfo:
        make(tmp_path / "data")
    message = str(refusal(excinfo))
    assert named in message
    assert ("placeholder" in message) == (secret == "change-me" or keys == "change-me")
    assert not (tmp_path / "data" / "secrets").exists()  # nothing invented in production


def test_production_accepts_real_secrets(tmp_path: Path) -> None:
    keys = f"{KEY_1},{KEY_2}"
    settings = make(
        tmp_path / "data", mode="production", secret_key=REAL_SECRET, encryption_keys=keys
    )
    assert settings.fernet_keys == keys.split(",")


@pytest.mark.parametrize("mode", ["local", "production"])
def test_malformed_encryption_keys_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    monkeypatch.setenv("STUDIO_ENCRYPTION_KEYS", f"{KEY_1},not-a-fernet-key")
    with pytest.raises(ValueError) as excinfo:
        make(tmp_path / "data", mode=mode, secret_key=REAL_SECRET)
    message = str(refusal(excinfo))
    assert "STUDIO_ENCRYPTION_KEYS" in message and "Fernet" in message
    assert "generate" in message  # says how to make a good one


@pytest.mark.parametrize("mode", ["local", "production"])
def test_a_real_key_that_happens_to_contain_xxx_is_used(tmp_path: Path, mode: str) -> None:
    Fernet(KEY_WITH_XXX.encode())  # it is a valid key
    settings = make(
        tmp_path / "data", mode=mode, secret_key=REAL_SECRET, encryption_keys=KEY_WITH_XXX
    )
    assert settings.fernet_keys == [KEY_WITH_XXX]


def test_smtp_is_off_by_default_and_needs_a_sender_when_on(tmp_path: Path) -> None:
    assert make(tmp_path).smtp_host == ""
    with pytest.raises(ValueError) as excinfo:
        make(tmp_path, smtp_host="mail.example.com")
    assert "STUDIO_SMTP_SENDER" in str(refusal(excinfo))
    with pytest.raises(ValueError) as excinfo:
        make(tmp_path, smtp_host="mail.example.com", smtp_sender="s@example.com",
             smtp_password="change-me")  # fmt: skip
    assert "STUDIO_SMTP_PASSWORD" in str(refusal(excinfo))


def test_the_smtp_password_never_shows_in_a_repr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUDIO_SMTP_PASSWORD", "smtp-secret-9f8e7d")
    settings = make(tmp_path, smtp_host="mail.example.com", smtp_sender="s@example.com")
    assert settings.smtp_password.get_secret_value() == "smtp-secret-9f8e7d"
    assert "smtp-secret-9f8e7d" not in f"{settings!r} {settings} {settings.model_dump()}"
