"""Who may create an account here (STUDIO_REGISTRATION), and with which role.

    open     anyone (the default in local mode)
    invite   whoever holds a valid sign-up link from an admin
    closed   nobody (the default in production)

In local mode the first account becomes admin: it is the laptop's owner. A server never
does that (whoever registers first would own it); its first admin is made with
`python3 studio.py admin create NAME`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from core.accounts.invitations import usable_invitation, use_invitation
from core.errors import PermissionDenied
from core.settings import Settings
from core.uow import UnitOfWork
from db.models import Role

CLOSED_MESSAGE = "Registration is closed on this server. Ask an admin if you need an account."
INVITE_ONLY_MESSAGE = (
    "Registration here is by invitation only. Ask an admin for a sign-up link "
    "and open the link they send you."
)


class Registration(enum.StrEnum):
    OPEN = "open"
    INVITE = "invite"
    CLOSED = "closed"


@dataclass(frozen=True)
class RegistrationPolicy:
    mode: Registration
    first_user_admin: bool

    @classmethod
    def from_settings(cls, settings: Settings) -> RegistrationPolicy:
        # Settings fills `registration` in by mode; closed is the safe reading of a gap.
        mode = Registration(settings.registration or Registration.CLOSED)
        return cls(mode, first_user_admin=settings.mode == "local")


LAPTOP = RegistrationPolicy(Registration.OPEN, first_user_admin=True)


def check_registration(*, uow: UnitOfWork, policy: RegistrationPolicy, invite_token: str) -> None:
    """Raise, with a message for the visitor, unless they may register now."""
    if _needs_invitation(policy, invite_token):
        with uow:
            usable_invitation(uow, invite_token)


def admit(uow: UnitOfWork, policy: RegistrationPolicy, invite_token: str, *, first: bool) -> Role:
    """The role of the account about to be created, using up an invitation if one is
    needed (inside the caller's transaction); raises if it may not be created."""
    if _needs_invitation(policy, invite_token):
        return use_invitation(uow, invite_token)
    return Role.ADMIN if first and policy.first_user_admin else Role.USER


def _needs_invitation(policy: RegistrationPolicy, invite_token: str) -> bool:
    """Whether an invitation decides; raises when registration is shut to this visitor."""
    if policy.mode == Registration.CLOSED:
        raise PermissionDenied(CLOSED_MESSAGE)
    if policy.mode == Registration.INVITE and not invite_token.strip():
        raise PermissionDenied(INVITE_ONLY_MESSAGE)
    return policy.mode == Registration.INVITE
