"""Accounts: register, verify, profile and password. Passwords are bcrypt hashes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import bcrypt
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from core.errors import InvalidInput, NotFound, PermissionDenied
from core.models import UserView
from core.uow import UnitOfWork
from core.validation import check_password, clean_email, clean_title, clean_username
from db.models import Role, User


def hash_password(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt()).decode()


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
    admin_username: str = "",
) -> UserView:
    """Create an account; the first user (or the one named in settings) is admin."""
    username = clean_username(username)
    check_password(password)
    email = clean_email(email)
    display_name = clean_title(display_name or username, "Display name")
    with uow:
        if _by_name(uow, username) is not None:
            raise InvalidInput(f"The username {username!r} is taken; choose another.")
        first = (uow.session.scalar(select(func.count(User.id))) or 0) == 0
        is_admin = first or (bool(admin_username) and username == admin_username)
        user = User(
            username=username,
            password_hash=hash_password(password),
            display_name=display_name,
            email=email,
            role=Role.ADMIN if is_admin else Role.USER,
        )
        uow.session.add(user)
        try:
            uow.commit()
        except IntegrityError as exc:  # two registrations racing for one name
            raise InvalidInput(f"The username {username!r} is taken; choose another.") from exc
        return _view(user)


def verify_login(*, uow: UnitOfWork, username: str, password: str) -> UserView:
    """Return the user when the password matches; one vague message otherwise."""
    with uow:
        user = _by_name(uow, username.strip())
        if user is None or not _matches(password, user.password_hash):
            raise InvalidInput("Wrong username or password.")
        return _view(user)


def get_user(*, uow: UnitOfWork, user_id: int) -> UserView:
    with uow:
        return _view(_load(uow, user_id))


def find_user(*, uow: UnitOfWork, username: str) -> UserView:
    with uow:
        user = _by_name(uow, username)
        if user is None:
            raise NotFound("No such user.")
        return _view(user)


def login_directory(*, uow: UnitOfWork) -> dict[str, Any]:
    """Credentials in the shape streamlit-authenticator reads (bcrypt hashes only)."""
    with uow:
        users = uow.session.scalars(select(User)).all()
        return {
            "usernames": {
                u.username: {
                    "name": u.display_name,
                    "email": u.email,
                    "password": u.password_hash,
                    "roles": [u.role.value],
                }
                for u in users
            }
        }


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
    return uow.session.scalar(select(User).where(User.username == username))


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


def require_admin(*, uow: UnitOfWork, user_id: int) -> None:
    """Raise PermissionDenied unless the user has the admin role."""
    with uow:
        if _load(uow, user_id).role != Role.ADMIN:
            raise PermissionDenied("Only admins can do this.")


def list_users(*, uow: UnitOfWork, requester_id: int) -> list[UserSummary]:
    """Every account, oldest first; admins only."""
    require_admin(uow=uow, user_id=requester_id)
    with uow:
        users = uow.session.scalars(select(User).order_by(User.created_at, User.id)).all()
        return [
            UserSummary(u.id, u.username, u.display_name, u.role.value, u.created_at) for u in users
        ]
