"""Sign-up links made by admins: a random token in the URL, only its sha256 in the database."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import urlencode

from sqlalchemy import select, update

from core.access import require_admin
from core.errors import InvalidInput
from core.uow import UnitOfWork
from db.models import Invitation, Role

MAX_DAYS = 90


@dataclass(frozen=True)
class NewInvitation:
    """Shown once, when made: the token cannot be read back from the database."""

    token: str
    role: str
    expires_at: datetime
    max_uses: int

    def link(self, base_url: str) -> str:
        """The sign-up address to send, e.g. https://studio.example.com/register?invite=…"""
        return f"{base_url.rstrip('/')}/register?{urlencode({'invite': self.token})}"


def create_invitation(
    *, uow: UnitOfWork, requester_id: int | None, days: float = 7, max_uses: int = 1
) -> NewInvitation:
    """A new sign-up link valid for `days`; `requester_id` must be an admin's, or None for
    the server's command line (`studio.py admin invite`), whose user is trusted already."""
    if not 0 < days <= MAX_DAYS:
        raise InvalidInput(f"An invitation lasts from a few hours to {MAX_DAYS} days.")
    if max_uses < 1:
        raise InvalidInput("An invitation must admit at least one person.")
    if requester_id is not None:
        require_admin(uow=uow, user_id=requester_id)
    token = secrets.token_urlsafe(32)
    expires_at = datetime.now(UTC) + timedelta(days=days)
    with uow:
        uow.session.add(
            Invitation(
                token_hash=_hash(token),
                role=Role.USER,
                expires_at=expires_at,
                max_uses=max_uses,
                created_by=requester_id,
            )
        )
        uow.commit()
    return NewInvitation(token, Role.USER.value, expires_at, max_uses)


def usable_invitation(uow: UnitOfWork, token: str) -> Invitation:
    """The invitation behind a token, if it can still admit someone (inside `with uow`)."""
    invitation = uow.session.scalar(
        select(Invitation).where(Invitation.token_hash == _hash(token.strip()))
    )
    if invitation is None:
        raise InvalidInput(
            "This invitation link is not valid. Check that you copied all of it, "
            "or ask an admin for a new one."
        )
    expires_at = _aware(invitation.expires_at)
    if expires_at <= datetime.now(UTC):
        raise InvalidInput(
            f"This invitation expired on {expires_at:%Y-%m-%d %H:%M} UTC. "
            "Ask an admin for a new link."
        )
    if invitation.uses >= invitation.max_uses:
        raise InvalidInput("This invitation has already been used. Ask an admin for a new link.")
    return invitation


def use_invitation(uow: UnitOfWork, token: str) -> Role:
    """Count one sign-up against the invitation (inside the caller's transaction, so that a
    sign-up that fails gives the use back); the role the new account gets."""
    invitation = usable_invitation(uow, token)
    # Two people racing for the last use: only one UPDATE finds it still free.
    taken = uow.session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.uses < Invitation.max_uses)
        .values(uses=Invitation.uses + 1)
    )
    if taken.rowcount != 1:  # type: ignore[attr-defined]
        raise InvalidInput("This invitation has already been used. Ask an admin for a new link.")
    return invitation.role


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)  # SQLite drops the zone
