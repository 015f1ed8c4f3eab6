"""One settings object for the whole app, read from the environment and `.env`.

Local mode (the default) invents and keeps its own secrets under the data
directory so that `python3 studio.py start` needs no set-up. Production mode
refuses missing or placeholder secrets with a clear message.
"""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Literal

from cryptography.fernet import Fernet
from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

# Values from .env.example; a real secret is compared whole, never searched for these.
PLACEHOLDERS = {"change-me", "changeme", "placeholder", "secret", "your-secret-key"}


def is_placeholder(value: str) -> bool:
    v = value.strip().lower()
    return v in PLACEHOLDERS or v.startswith(("change-me", "your-"))


class SettingsError(ValueError):
    """A setting is missing or unusable; the message says which and how to fix it."""


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="STUDIO_", env_file=".env", extra="ignore", populate_by_name=True
    )

    mode: Literal["local", "production"] = "local"
    data_dir: Path = Path("data")
    database_url: str = Field(default="", validation_alias="DATABASE_URL")
    redis_url: str = Field(default="", validation_alias="REDIS_URL")
    redis_port: int = 6479  # the embedded Valkey's port, used when REDIS_URL is empty
    port: int = 8501  # Streamlit
    # Streamlit listens on this machine only unless told otherwise (a server puts an HTTPS
    # proxy in front, or sets 0.0.0.0 knowingly).
    host: str = "127.0.0.1"
    public_url: str = ""  # how people reach the app, for sign-up links; see app_url
    registration: Literal["open", "invite", "closed"] | None = None  # None: by mode
    secret_key: str = ""
    encryption_keys: str = ""  # comma-separated Fernet keys, newest first
    admin_username: str = Field(default="", exclude=True)  # retired: refused when set
    cookie_expiry_days: float = 7.0
    openai_model: str = "gpt-5-mini"
    openai_base_url: str = ""  # empty: api.openai.com; tests point it at a stand-in
    elevenlabs_base_url: str = ""
    openai_image_model: str = "gpt-image-2"
    embedded_redis: bool = Field(default=True, exclude=True)
    dashboard_host: str = "127.0.0.1"  # rq-dashboard; reachable from this machine only
    dashboard_port: int = 9181
    dashboard_username: str = "admin"
    dashboard_password: str = ""  # see dashboard_secret()
    # Limits that protect the disk the database shares.
    max_voice_seconds: int = Field(default=120, ge=5)  # one screen's voice-over
    max_video_seconds: int = Field(default=900, ge=10)  # one video (15 minutes)
    render_free_disk_mb: int = Field(default=500, ge=0)  # headroom a render must leave
    # E-mail for notifications (core/notifications): an empty host sends none.
    smtp_host: str = ""
    smtp_port: int = Field(default=587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")  # shown as ********** in any repr or log
    smtp_sender: str = ""  # the From address, e.g. "Faceless Studio <studio@example.com>"
    smtp_starttls: bool = True  # upgrade the connection to TLS before logging in

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        self.data_dir = self.data_dir.expanduser().resolve()
        if not self.database_url:
            self.database_url = f"sqlite:///{self.data_dir / 'studio.db'}"
        self.embedded_redis = not self.redis_url
        if self.embedded_redis:
            self.redis_url = f"redis://127.0.0.1:{self.redis_port}/0"
        if self.mode == "production":
            _require_real_secret("STUDIO_SECRET_KEY", self.secret_key)
            _require_real_secret("STUDIO_ENCRYPTION_KEYS", self.encryption_keys)
        else:  # local mode: a placeholder copied from .env.example counts as unset
            self.secret_key = _unless_placeholder(self.secret_key)
            self.encryption_keys = _unless_placeholder(self.encryption_keys)
            self.secret_key = self.secret_key or _local_secret(self.data_dir, "secret_key")
            self.encryption_keys = self.encryption_keys or _local_secret(
                self.data_dir, "encryption_key", Fernet.generate_key().decode()
            )
        _check_fernet_keys(self.encryption_keys)
        if self.registration is None:
            self.registration = "open" if self.mode == "local" else "closed"
        if self.admin_username:
            raise SettingsError(
                "STUDIO_ADMIN_USERNAME no longer makes anyone admin (whoever registered under "
                "that name first would have been). Remove it, and create admins with: "
                "python3 studio.py admin create NAME"
            )
        _check_smtp(self)
        if not self.dashboard_username.strip():  # rq-dashboard skips basic auth without one
            raise SettingsError("STUDIO_DASHBOARD_USERNAME must not be empty.")
        return self

    @property
    def app_url(self) -> str:
        """Where people open the app: STUDIO_PUBLIC_URL, else this machine's address."""
        return self.public_url.rstrip("/") or f"http://localhost:{self.port}"

    @property
    def media_root(self) -> Path:
        return self.data_dir / "media"

    @property
    def fernet_keys(self) -> list[str]:
        return [k.strip() for k in self.encryption_keys.split(",") if k.strip()]

    @property
    def dashboard_password_file(self) -> Path | None:
        """Where local mode keeps the generated dashboard password (None: it comes from env)."""
        if self.mode == "production" or _unless_placeholder(self.dashboard_password):
            return None
        return self.data_dir / "secrets" / "dashboard_password"

    def dashboard_secret(self) -> str:
        """The rq-dashboard password: required in production, made and kept in local mode.

        Checked here rather than at start-up so that workers on other machines, which never
        serve the dashboard, do not need it.
        """
        if self.mode == "production":
            _require_real_secret("STUDIO_DASHBOARD_PASSWORD", self.dashboard_password)
            return self.dashboard_password
        return _unless_placeholder(self.dashboard_password) or _local_secret(
            self.data_dir, "dashboard_password", secrets.token_urlsafe(24)
        )


def _require_real_secret(name: str, value: str) -> None:
    if not value:
        raise SettingsError(f"{name} is not set; production mode needs a real secret.")
    if is_placeholder(value) or any(is_placeholder(k) for k in value.split(",")):
        raise SettingsError(
            f"{name} still holds the placeholder from .env.example; set a real secret."
        )


def _check_smtp(settings: Settings) -> None:
    if not settings.smtp_host:
        return
    if not settings.smtp_sender.strip():
        raise SettingsError(
            "STUDIO_SMTP_SENDER must be set when STUDIO_SMTP_HOST is: the From address of "
            'notification e-mails, e.g. "Faceless Studio <studio@example.com>".'
        )
    password = settings.smtp_password.get_secret_value()
    if password and is_placeholder(password):
        raise SettingsError(
            "STUDIO_SMTP_PASSWORD still holds the placeholder from .env.example; set the real "
            "one, or leave it empty for a server that needs no login."
        )


def _unless_placeholder(value: str) -> str:
    return (
        "" if is_placeholder(value) or any(is_placeholder(k) for k in value.split(",")) else value
    )


def _check_fernet_keys(keys: str) -> None:
    for key in (k.strip() for k in keys.split(",") if k.strip()):
        try:
            Fernet(key.encode())
        except ValueError as exc:
            raise SettingsError(
                "STUDIO_ENCRYPTION_KEYS must be Fernet keys (32 url-safe base64 bytes): "
                'generate one with python -c "from cryptography.fernet import Fernet; '
                'print(Fernet.generate_key().decode())"'
            ) from exc


def _local_secret(data_dir: Path, name: str, fresh: str | None = None) -> str:
    """Read a secret kept under the data dir, creating it on first use (local mode only)."""
    path = data_dir / "secrets" / name
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.parent.chmod(0o700)
    value = fresh or secrets.token_urlsafe(48)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(value)
    tmp.chmod(0o600)
    tmp.replace(path)
    return value
