"""SQLAlchemy models for the whole domain (DESIGN.md §3).

Tables that later capabilities fill in (renders, publications, billing) are
declared now so that the schema and its migrations grow in one line.
"""

from __future__ import annotations

import enum
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def utcnow() -> datetime:
    return datetime.now(UTC)


# Every integer-id table gets `sqlite_autoincrement` so SQLite never reuses the id of a
# deleted row: a job queued for a deleted script must not land on the next new one.


class Base(DeclarativeBase):
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def _enum(cls: type[enum.Enum]) -> Enum:
    return Enum(cls, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])


class Role(enum.StrEnum):
    USER = "user"
    ADMIN = "admin"


class IdeaStatus(enum.StrEnum):
    NEW = "new"
    IN_PROGRESS = "in_progress"


class ScriptStatus(enum.StrEnum):
    EMPTY = "empty"
    DRAFT = "draft"
    FINALIZED = "finalized"


class VersionSource(enum.StrEnum):
    GENERATED = "generated"
    EDITED = "edited"
    TRANSLATED = "translated"
    RESTORED = "restored"


class JobStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


def _id() -> Mapped[int]:
    return mapped_column(Integer, primary_key=True)


def _owner() -> Mapped[int]:
    return mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)


def _created() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), default=utcnow)


def _updated() -> Mapped[datetime]:
    return mapped_column(DateTime(timezone=True), default=utcnow, onupdate=utcnow)


class User(Base):
    __tablename__ = "users"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = _id()
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(128))
    display_name: Mapped[str] = mapped_column(String(120), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    role: Mapped[Role] = mapped_column(_enum(Role), default=Role.USER)
    offline_mode: Mapped[bool] = mapped_column(Boolean, default=False)
    onboarded: Mapped[bool] = mapped_column(Boolean, default=False)
    # Defaults for new work, theme and notification choices (core/accounts/preferences.py
    # validates them): one JSON column, so a new preference needs no migration.
    # NULL means all defaults (a nullable column: SQLite adds it without rebuilding `users`).
    preferences: Mapped[dict[str, Any] | None] = mapped_column(JSON, default=None)
    created_at: Mapped[datetime] = _created()


# Usernames are kept as typed but unique whatever their case: `Alice` and `alice` would be
# one person to everyone reading them. Look users up by lower(username) to use this index.
Index("ix_users_username_lower", func.lower(User.username), unique=True)


class Invitation(Base):
    """A sign-up link: only the sha256 of its token is stored, so a database dump opens nothing.

    Teams will add a nullable team_id here (join that team on sign-up).
    """

    __tablename__ = "invitations"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = _id()
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role), default=Role.USER)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    uses: Mapped[int] = mapped_column(Integer, default=0)
    max_uses: Mapped[int] = mapped_column(Integer, default=1)
    # NULL: made on the server's command line (`studio.py admin invite`), or by a deleted admin.
    created_by: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = _created()


class ApiCredential(Base):
    __tablename__ = "api_credentials"
    __table_args__ = (UniqueConstraint("user_id", "provider"), {"sqlite_autoincrement": True})
    id: Mapped[int] = _id()
    user_id: Mapped[int] = _owner()
    provider: Mapped[str] = mapped_column(String(32))
    secret_encrypted: Mapped[bytes] = mapped_column(LargeBinary)
    last4: Mapped[str] = mapped_column(String(4))
    base_url: Mapped[str] = mapped_column(String(500), default="")
    model: Mapped[str] = mapped_column(String(120), default="")
    updated_at: Mapped[datetime] = _updated()


class Idea(Base):
    __tablename__ = "ideas"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = _id()
    user_id: Mapped[int] = _owner()
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[IdeaStatus] = mapped_column(_enum(IdeaStatus), default=IdeaStatus.NEW)
    workspace_id: Mapped[int | None] = mapped_column(
        ForeignKey("workspaces.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class StylePreset(Base):
    __tablename__ = "style_presets"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = _id()
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    aspect: Mapped[str] = mapped_column(String(8), default="9:16")
    image_style: Mapped[str] = mapped_column(Text, default="")
    caption_style: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    transition: Mapped[str] = mapped_column(String(32), default="crossfade")
    motion: Mapped[bool] = mapped_column(Boolean, default=True)
    music_asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"))
    voice: Mapped[str] = mapped_column(String(120), default="")
    voice_model: Mapped[str] = mapped_column(String(80), default="")


class Workspace(Base):
    __tablename__ = "workspaces"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = _id()
    user_id: Mapped[int] = _owner()
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    style_preset_id: Mapped[int | None] = mapped_column(
        ForeignKey("style_presets.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    scripts: Mapped[list[Script]] = relationship(
        back_populates="workspace", cascade="all, delete-orphan", passive_deletes=True
    )


class Favorite(Base):
    """A user's star on a workspace or on a script: exactly one of the two is set."""

    __tablename__ = "favorites"
    __table_args__ = (
        UniqueConstraint("user_id", "workspace_id"),
        UniqueConstraint("user_id", "script_id", name="uq_favorites_user_id_script_id"),
        {"sqlite_autoincrement": True},
    )
    id: Mapped[int] = _id()
    user_id: Mapped[int] = _owner()
    workspace_id: Mapped[int | None] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), default=None
    )
    script_id: Mapped[int | None] = mapped_column(
        ForeignKey("scripts.id", ondelete="CASCADE"), default=None
    )


class Script(Base):
    __tablename__ = "scripts"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = _id()
    user_id: Mapped[int] = _owner()
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    topic: Mapped[str] = mapped_column(Text, default="")
    tone: Mapped[str] = mapped_column(String(60), default="informative")
    language: Mapped[str] = mapped_column(String(12), default="en")
    target_seconds: Mapped[int] = mapped_column(Integer, default=60)
    scene_count: Mapped[int] = mapped_column(Integer, default=6)
    status: Mapped[ScriptStatus] = mapped_column(_enum(ScriptStatus), default=ScriptStatus.EMPTY)
    source_script_id: Mapped[int | None] = mapped_column(
        ForeignKey("scripts.id", ondelete="SET NULL")
    )
    current_version: Mapped[int] = mapped_column(Integer, default=0)
    finalized_version: Mapped[int | None] = mapped_column(Integer, default=None)
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()
    workspace: Mapped[Workspace] = relationship(back_populates="scripts")


class ScriptVersion(Base):
    __tablename__ = "script_versions"
    __table_args__ = (UniqueConstraint("script_id", "number"), {"sqlite_autoincrement": True})
    id: Mapped[int] = _id()
    script_id: Mapped[int] = mapped_column(ForeignKey("scripts.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    content: Mapped[dict[str, Any]] = mapped_column(JSON)
    source: Mapped[VersionSource] = mapped_column(_enum(VersionSource))
    note: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = _created()


class Asset(Base):
    """A file under the workspace's folder, named by its content (see core/media/assets.py).

    `workspace_id` has no foreign key (it would close a cycle workspaces → style_presets →
    assets → workspaces): deleting a workspace deletes its assets and their folder itself.
    """

    __tablename__ = "assets"
    __table_args__ = (UniqueConstraint("workspace_id", "sha256"), {"sqlite_autoincrement": True})
    id: Mapped[int] = _id()
    workspace_id: Mapped[int] = mapped_column(Integer, index=True)
    kind: Mapped[str] = mapped_column(String(16))
    sha256: Mapped[str] = mapped_column(String(64))
    mime: Mapped[str] = mapped_column(String(80))
    size: Mapped[int] = mapped_column(BigInteger)
    duration: Mapped[float | None] = mapped_column(Float, default=None)
    width: Mapped[int | None] = mapped_column(Integer, default=None)
    height: Mapped[int | None] = mapped_column(Integer, default=None)
    provider: Mapped[str] = mapped_column(String(40), default="")
    request_key: Mapped[str] = mapped_column(String(64), default="", index=True)
    request: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = _created()


class Screen(Base):
    __tablename__ = "screens"
    __table_args__ = (UniqueConstraint("script_id", "position"), {"sqlite_autoincrement": True})
    id: Mapped[int] = _id()
    script_id: Mapped[int] = mapped_column(ForeignKey("scripts.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    narration: Mapped[str] = mapped_column(Text)
    visual_prompt: Mapped[str] = mapped_column(Text)
    image_asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"))
    audio_asset_id: Mapped[int | None] = mapped_column(ForeignKey("assets.id", ondelete="SET NULL"))
    word_timings: Mapped[list[Any] | None] = mapped_column(JSON, default=None)
    duration: Mapped[float | None] = mapped_column(Float, default=None)


class Render(Base):
    __tablename__ = "renders"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = _id()
    user_id: Mapped[int] = _owner()
    script_id: Mapped[int] = mapped_column(ForeignKey("scripts.id", ondelete="CASCADE"), index=True)
    settings: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus), default=JobStatus.QUEUED)
    output_asset_id: Mapped[int | None] = mapped_column(
        ForeignKey("assets.id", ondelete="SET NULL")
    )
    input_fingerprint: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = _created()


class Publication(Base):
    __tablename__ = "publications"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = _id()
    user_id: Mapped[int] = _owner()
    script_id: Mapped[int] = mapped_column(ForeignKey("scripts.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="planned")
    link: Mapped[str] = mapped_column(String(500), default="")
    comment: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)


class JobRecord(Base):
    __tablename__ = "job_records"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = _id()
    user_id: Mapped[int] = _owner()
    kind: Mapped[str] = mapped_column(String(32))
    target_type: Mapped[str] = mapped_column(String(32))
    target_id: Mapped[int] = mapped_column(Integer)
    rq_job_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    batch_id: Mapped[str] = mapped_column(String(64), default="", index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[JobStatus] = mapped_column(_enum(JobStatus), default=JobStatus.QUEUED)
    progress: Mapped[int] = mapped_column(Integer, default=0)
    message: Mapped[str] = mapped_column(String(300), default="")
    error: Mapped[str] = mapped_column(Text, default="")
    # Set while an exclusive kind is queued or running ("script.render:script:12"): the
    # unique index lets one such job exist per target, however many clicks or tabs ask.
    lock: Mapped[str | None] = mapped_column(String(120), unique=True, default=None)
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # runs started, retries included
    created_at: Mapped[datetime] = _created()
    updated_at: Mapped[datetime] = _updated()


class Notification(Base):
    """One entry in a user's notification centre; `link` is an app path such as video?id=3."""

    __tablename__ = "notifications"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = _id()
    user_id: Mapped[int] = _owner()
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text, default="")
    link: Mapped[str] = mapped_column(String(200), default="")
    # Set for an event that must be told once ("batch:<id>"), however many workers see it end.
    dedupe_key: Mapped[str | None] = mapped_column(String(120), unique=True, default=None)
    read_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_at: Mapped[datetime] = _created()


class Plan(Base):
    __tablename__ = "plans"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = _id()
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(80))
    limits: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    stripe_price_id: Mapped[str] = mapped_column(String(120), default="")


class Subscription(Base):
    __tablename__ = "subscriptions"
    __table_args__ = {"sqlite_autoincrement": True}
    id: Mapped[int] = _id()
    user_id: Mapped[int] = _owner()
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    status: Mapped[str] = mapped_column(String(20), default="active")
    stripe_customer_id: Mapped[str] = mapped_column(String(120), default="")
    stripe_subscription_id: Mapped[str] = mapped_column(String(120), default="")
    current_period_end: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class UsageEvent(Base):
    __tablename__ = "usage_events"
    __table_args__ = (UniqueConstraint("job_record_id", "kind"), {"sqlite_autoincrement": True})
    id: Mapped[int] = _id()
    user_id: Mapped[int] = _owner()
    job_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("job_records.id", ondelete="SET NULL")
    )
    kind: Mapped[str] = mapped_column(String(32))
    quantity: Mapped[float] = mapped_column(Float, default=1.0)
    created_at: Mapped[datetime] = _created()


class StripeEvent(Base):
    __tablename__ = "stripe_events"
    id: Mapped[str] = mapped_column(String(120), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    processed_at: Mapped[datetime] = _created()
