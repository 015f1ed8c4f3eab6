"""Accounts made safe, through the service layer against a migrated SQLite database:
passwords as typed, throttled guessing, no timing hint of who exists, who may register."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import fakeredis
import pytest
from sqlalchemy import update

from core.accounts.invitations import create_invitation
from core.accounts.registration import LAPTOP, Registration, RegistrationPolicy, check_registration
from core.accounts.throttle import LoginThrottle
from core.accounts.users import (
    UserView,
    change_password,
    create_admin,
    list_users,
    register_user,
    verify_login,
)
from core.bootstrap import Services
from core.errors import InvalidInput, PermissionDenied, QuotaExceeded
from db.models import Invitation

SERVER_OPEN = RegistrationPolicy(Registration.OPEN, first_user_admin=False)
INVITE = RegistrationPolicy(Registration.INVITE, first_user_admin=False)
CLOSED = RegistrationPolicy(Registration.CLOSED, first_user_admin=False)


@pytest.fixture
def throttle() -> LoginThrottle:
    return LoginThrottle(fakeredis.FakeRedis())


def signs_in(services: Services, throttle: LoginThrottle, username: str, password: str) -> bool:
    try:
        verify_login(uow=services.uow(), throttle=throttle, username=username, password=password)
    except InvalidInput:
        return False
    return True


def sign_up(services: Services, username: str, token: str = "") -> UserView:
    """Register by invitation (the server's policy: STUDIO_REGISTRATION=invite)."""
    return register_user(
        uow=services.uow(),
        username=username,
        password="correct horse",
        policy=INVITE,
        invite_token=token,
    )


# --- passwords are used exactly as typed ------------------------------------------------


def test_spaces_around_a_password_count_at_registration_login_and_change(
    services: Services, throttle: LoginThrottle
) -> None:
    user = register_user(
        uow=services.uow(), username="dora", password="  two spaces ", policy=LAPTOP
    )
    assert signs_in(services, throttle, "dora", "  two spaces ")
    assert not signs_in(services, throttle, "dora", "two spaces")
    assert not signs_in(services, throttle, "dora", "  two spaces")

    with pytest.raises(InvalidInput, match="current password is wrong"):
        change_password(
            uow=services.uow(),
            user_id=user.id,
            current_password="two spaces",
            new_password="new one ",
        )
    change_password(
        uow=services.uow(),
        user_id=user.id,
        current_password="  two spaces ",
        new_password=" new one\t",
    )
    assert signs_in(services, throttle, "dora", " new one\t")
    assert not signs_in(services, throttle, "dora", "new one")
    assert not signs_in(services, throttle, "dora", "  two spaces ")


# --- guessing is slowed down ------------------------------------------------------------


def test_the_sixth_quick_wrong_password_is_refused_unchecked_and_says_so(
    services: Services, alice: UserView
) -> None:
    clock = [1_000.0]
    throttle = LoginThrottle(fakeredis.FakeRedis(), clock=lambda: clock[0])
    for _ in range(5):
        assert not signs_in(services, throttle, "alice", "wrong horse")
    # Refused before the password is looked at: even the right one waits.
    with pytest.raises(QuotaExceeded) as refused:
        verify_login(
            uow=services.uow(), throttle=throttle, username="Alice", password="correct horse"
        )
    assert str(refused.value) == "Too many failed sign-ins for Alice: wait 1 s and try again."
    clock[0] += 1
    assert signs_in(services, throttle, "alice", "correct horse")
    for _ in range(5):  # the success wiped the slate
        assert not signs_in(services, throttle, "alice", "wrong horse")


def test_an_unknown_user_costs_the_same_bcrypt_time_as_a_known_one(
    services: Services, alice: UserView
) -> None:
    """The property is the time, so it is timed: medians of interleaved runs."""
    throttle = LoginThrottle(fakeredis.FakeRedis(), user_free_failures=1_000)
    signs_in(services, throttle, "nobody", "warm up")  # first use makes the dummy hash

    def seconds(attempt: Callable[[], bool]) -> float:
        start = time.perf_counter()
        assert not attempt()
        return time.perf_counter() - start

    known, unknown = [], []
    for _ in range(7):
        known.append(seconds(lambda: signs_in(services, throttle, "alice", "wrong horse")))
        unknown.append(seconds(lambda: signs_in(services, throttle, "nobody", "wrong horse")))
    ratio = statistics.median(unknown) / statistics.median(known)
    assert 0.5 <= ratio <= 2.0, (known, unknown)


# --- who may register --------------------------------------------------------------------


def test_closed_registration_is_refused_by_the_service_layer(services: Services) -> None:
    with pytest.raises(PermissionDenied, match="Registration is closed"):
        check_registration(uow=services.uow(), policy=CLOSED, invite_token="")
    with pytest.raises(PermissionDenied, match="Registration is closed"):
        register_user(uow=services.uow(), username="erin", password="correct horse", policy=CLOSED)
    assert not signs_in(services, LoginThrottle(fakeredis.FakeRedis()), "erin", "correct horse")


def test_on_a_server_the_first_to_register_is_not_admin(services: Services) -> None:
    first = register_user(
        uow=services.uow(), username="mallory", password="correct horse", policy=SERVER_OPEN
    )
    assert first.role == "user"


def test_on_a_laptop_the_first_to_register_is_admin(services: Services) -> None:
    first = register_user(
        uow=services.uow(), username="owner", password="correct horse", policy=LAPTOP
    )
    second = register_user(
        uow=services.uow(), username="guest", password="correct horse", policy=LAPTOP
    )
    assert (first.role, second.role) == ("admin", "user")


def test_the_command_line_makes_admins_whatever_the_policy(
    services: Services, alice: UserView, throttle: LoginThrottle
) -> None:
    root = create_admin(uow=services.uow(), username="root", password=" as typed ")
    assert root.is_admin
    assert verify_login(
        uow=services.uow(), throttle=throttle, username="ROOT", password=" as typed "
    )
    with pytest.raises(InvalidInput, match="'Alice' is taken"):
        create_admin(uow=services.uow(), username="Alice", password="correct horse")


def test_an_invitation_admits_once_and_says_why_it_no_longer_does(
    services: Services, alice: UserView
) -> None:
    with pytest.raises(PermissionDenied, match="by invitation only"):
        sign_up(services, "erin")
    invite = create_invitation(uow=services.uow(), requester_id=alice.id, days=2)
    check_registration(uow=services.uow(), policy=INVITE, invite_token=invite.token)

    with pytest.raises(InvalidInput, match="'Alice' is taken"):  # a failed sign-up ...
        sign_up(services, "Alice", invite.token)
    erin = sign_up(services, "erin", invite.token)  # ... gave the use back
    assert erin.role == "user"
    for attempt in (
        lambda: check_registration(uow=services.uow(), policy=INVITE, invite_token=invite.token),
        lambda: sign_up(services, "frank", invite.token),
    ):
        with pytest.raises(InvalidInput, match=r"already been used\. Ask an admin for a new link"):
            attempt()
    with pytest.raises(InvalidInput, match=r"not valid\. Check that you copied all of it"):
        check_registration(uow=services.uow(), policy=INVITE, invite_token=invite.token[:-2])
    users = list_users(uow=services.uow(), requester_id=alice.id)
    assert [u.username for u in users] == ["alice", "erin"]


def test_an_expired_invitation_says_when_it_expired(services: Services, alice: UserView) -> None:
    invite = create_invitation(uow=services.uow(), requester_id=None, days=1)
    past = datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    with services.uow() as uow:
        uow.session.execute(update(Invitation).values(expires_at=past))
        uow.commit()
    with pytest.raises(InvalidInput, match=r"expired on 2026-01-02 03:04 UTC\. Ask an admin"):
        sign_up(services, "erin", invite.token)


def test_only_admins_make_invitations_and_tokens_are_stored_hashed(
    services: Services, alice: UserView, bob: UserView
) -> None:
    with pytest.raises(PermissionDenied, match="Only admins"):
        create_invitation(uow=services.uow(), requester_id=bob.id)
    invite = create_invitation(uow=services.uow(), requester_id=alice.id, days=7)
    assert invite.link("https://studio.example.com/") == (
        f"https://studio.example.com/register?invite={invite.token}"
    )
    assert invite.expires_at - datetime.now(UTC) > timedelta(days=6.9)
    with services.uow() as uow:
        [row] = uow.session.query(Invitation).all()
        assert invite.token not in row.token_hash and len(row.token_hash) == 64
        assert (row.created_by, row.uses, row.max_uses, row.role) == (alice.id, 0, 1, "user")
