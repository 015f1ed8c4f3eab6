"""Accounts: register, verify, profile and password. Passwords are bcrypt hashes."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from functools import cache

import bcrypt
from pydantic import BaseModel
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.access import require_admin
from core.accounts.registration import RegistrationPolicy, admit
from core.accounts.throttle import LoginThrottle
from core.errors import InvalidInput, NotFound
from core.uow import UnitOfWork
from core.validation import check_password, clean_email, clean_title, clean_username
from db.models import Role, User


class UserView(BaseModel):
    id: int
    username: str
    display_name: str
    email: str
    role: str
    offline_mode: bool
    onboarded: bool

    @property
    def is_admin(self) -> bool:
        return self.role == "admin"


# Passwords are used exactly as typed everywhere (registration, sign-in, change): a space
# at either end is part of the password, never trimmed away.
BCRYPT_ROUNDS = 12


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(BCRYPT_ROUNDS)).decode()


@cache
def _dummy_hash() -> str:
    """A hash of the same cost as real ones, checked for unknown usernames so that a
    wrong name takes as long as a wrong password and answer times reveal no accounts."""
    return hash_password(secrets.token_urlsafe(16))


def _matches(password: str, hashed: str) -> bool:
    try:
        return bcrypt.checkpw(password.encode(), hashed.encode())
    except ValueError:
        return False


def register_user(
    *,
    uow: UnitOfWork,
    username: str,
    password: str,
    display_name: str = "",
    email: str = "",
    policy: RegistrationPolicy,
    invite_token: str = "",
) -> UserView:
    """Create an account if the registration policy lets this visitor in. There is no
    default: every way in says which policy holds (the register page: the settings')."""
    username = clean_username(username)
    check_password(password)
    email = clean_email(email)
    display_name = clean_title(display_name or username, "Display name")
    with uow:
        first = (uow.session.scalar(select(func.count(User.id))) or 0) == 0
        role = admit(uow, policy, invite_token, first=first)
        return _add_user(uow, username, password, display_name, email, role)


def create_admin(*, uow: UnitOfWork, username: str, password: str) -> UserView:
    """A new admin account, whatever the registration policy (for the server's command
    line: `studio.py admin create NAME`)."""
    username = clean_username(username)
    check_password(password)
    with uow:
        return _add_user(uow, username, password, username, "", Role.ADMIN)


def _add_user(
    uow: UnitOfWork, username: str, password: str, display_name: str, email: str, role: Role
) -> UserView:
    taken = InvalidInput(f"The username {username!r} is taken; choose another.")
    if _by_name(uow, username) is not None:
        raise taken
    user = User(
        username=username,
        password_hash=hash_password(password),
        display_name=display_name,
        email=email,
        role=role,
    )
    uow.session.add(user)
    try:
        uow.commit()
    except IntegrityError as exc:  # two registrations racing for one name (in any case)
        raise taken from exc
    return _view(user)


def verify_login(
    *,
    uow: UnitOfWork,
    throttle: LoginThrottle,
    username: str,
    password: str,
    client: str | None = None,
) -> UserView:
    """The user whose name (any case) and password these are; one vague message otherwise.

    Attempts that come too soon after repeated failures are refused before the password
    is checked (QuotaExceeded says how long to wait); `client` is the caller's address.
    """
    throttle.check(username=username, client=client)
    with uow:
        user = _by_name(uow, username.strip())
        matches = _matches(password, user.password_hash if user else _dummy_hash())
        view = _view(user) if user is not None and matches else None
    if view is None:
        throttle.failed(username=username, client=client)
        raise InvalidInput("Wrong username or password.")
    throttle.succeeded(username=username)
    return view


def get_user(*, uow: UnitOfWork, user_id: int) -> UserView:
    with uow:
        return _view(_load(uow, user_id))


def change_password(
    *, uow: UnitOfWork, user_id: int, current_password: str, new_password: str
) -> None:
    """Replace the password after checking the current one."""
    check_password(new_password)
    with uow:
        user = _load(uow, user_id)
        if not _matches(current_password, user.password_hash):
            raise InvalidInput("The current password is wrong; nothing was changed.")
        user.password_hash = hash_password(new_password)
        uow.commit()


def update_profile(*, uow: UnitOfWork, user_id: int, display_name: str, email: str) -> UserView:
    """Change the display name and email."""
    display_name = clean_title(display_name, "Display name")
    email = clean_email(email)
    with uow:
        user = _load(uow, user_id)
        user.display_name = display_name
        user.email = email
        uow.commit()
        return _view(user)


def finish_onboarding(*, uow: UnitOfWork, user_id: int, offline_mode: bool) -> UserView:
    """Remember that the user went through onboarding and whether they chose offline mode."""
    with uow:
        user = _load(uow, user_id)
        user.onboarded = True
        user.offline_mode = offline_mode
        uow.commit()
        return _view(user)


def _by_name(uow: UnitOfWork, username: str) -> User | None:
    """Names are unique whatever their case (ix_users_username_lower serves this query)."""
    return uow.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def _load(uow: UnitOfWork, user_id: int) -> User:
    user = uow.session.get(User, user_id)
    if user is None:
        raise NotFound("No such user.")
    return user


def _view(user: User) -> UserView:
    return UserView(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        email=user.email,
        role=user.role.value,
        offline_mode=user.offline_mode,
        onboarded=user.onboarded,
    )


# --- Admin --------------------------------------------------------------------------


@dataclass(frozen=True)
class UserSummary:
    id: int
    username: str
    display_name: str
    role: str
    created_at: datetime


def list_users(*, uow: UnitOfWork, requester_id: int) -> list[UserSummary]:
    """Every account, oldest first; admins only."""
    require_admin(uow=uow, user_id=requester_id)
    with uow:
        users = uow.session.scalars(select(User).order_by(User.created_at, User.id)).all()
        return [
            UserSummary(u.id, u.username, u.display_name, u.role.value, u.created_at) for u in users
        ]
