"""A user's preferences: defaults for new work, the theme, and which notifications to get.

Stored as one JSON value on the user; what is missing takes its default, and a value
that no longer validates (a preset since deleted, a kind since renamed) falls back too,
so an old row never stops a page from opening.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, ValidationError

from core.errors import InvalidInput, NotFound
from core.render.spec import CaptionStyle
from core.uow import UnitOfWork
from db.models import User

Theme = Literal["light", "dark"]
DEFAULT_STYLE = "cinematic digital illustration, soft light, rich colour"


class Preferences(BaseModel):
    """What a new workspace, script and video start from, and how the studio looks."""

    language: str = Field(default="en", max_length=12)
    voice: str = Field(default="", max_length=120)  # "" = the provider's default voice
    aspect: Literal["9:16", "16:9", "1:1"] = "9:16"
    # The default style preset of a new workspace: its image style beside aspect and voice.
    image_style: str = Field(default=DEFAULT_STYLE, max_length=500)
    captions: CaptionStyle = Field(default_factory=CaptionStyle)
    theme: Theme = "light"
    # Notification kinds switched off in the notification centre (core/notifications).
    muted: list[str] = Field(default_factory=list)
    wanted: list[str] = Field(default_factory=list)  # kinds that are off until switched on
    email: bool = False  # also send notifications by e-mail (when the server has SMTP)


def get_preferences(*, uow: UnitOfWork, user_id: int) -> Preferences:
    """The user's preferences, defaults filled in."""
    with uow:
        return preferences_of(uow, user_id)


def preferences_of(uow: UnitOfWork, user_id: int) -> Preferences:
    """The user's preferences, inside a unit of work the caller holds."""
    return _parse(_user(uow, user_id).preferences)


def save_preferences(*, uow: UnitOfWork, user_id: int, preferences: Preferences) -> Preferences:
    """Replace the user's preferences."""
    with uow:
        user = _user(uow, user_id)
        user.preferences = preferences.model_dump(mode="json")
        uow.commit()
    return preferences


def update_preferences(*, uow: UnitOfWork, user_id: int, **changes: object) -> Preferences:
    """Change some preferences, keeping the rest; bad values raise InvalidInput."""
    current = get_preferences(uow=uow, user_id=user_id).model_dump()
    try:
        changed = Preferences.model_validate(current | changes)
    except ValidationError as exc:
        raise InvalidInput(f"Invalid preference: {exc.errors()[0]['msg']}") from exc
    return save_preferences(uow=uow, user_id=user_id, preferences=changed)


def _parse(stored: dict[str, object] | None) -> Preferences:
    try:
        return Preferences.model_validate(stored or {})
    except ValidationError:
        valid = {}
        for name, value in (stored or {}).items():
            try:
                Preferences.model_validate({name: value})
            except ValidationError:
                continue
            valid[name] = value
        return Preferences.model_validate(valid)


def _user(uow: UnitOfWork, user_id: int) -> User:
    user = uow.session.get(User, user_id)  # one's own row: no one else's is ever asked for
    if user is None:
        raise NotFound("No such user.")
    return user
