"""Failed sign-ins slow down the next attempts: 5 free per username, 20 per address, then
1 s, 2 s, 4 s … (at most 15 minutes) after the last failure. Fake Redis, fake clock."""

from __future__ import annotations

import fakeredis
import pytest

from core.accounts.throttle import MAX_WAIT_S, LoginThrottle, delay_after
from core.errors import QuotaExceeded


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def redis() -> fakeredis.FakeRedis:
    return fakeredis.FakeRedis()


@pytest.fixture
def throttle(redis: fakeredis.FakeRedis, clock: Clock) -> LoginThrottle:
    return LoginThrottle(redis, clock=clock)


def fail(
    throttle: LoginThrottle, times: int, username: str = "alice", client: str | None = None
) -> None:
    for _ in range(times):
        throttle.check(username=username, client=client)
        throttle.failed(username=username, client=client)


def test_five_failures_cost_nothing_extra(throttle: LoginThrottle) -> None:
    fail(throttle, 5)  # each check passed at once, on the same instant


def test_the_sixth_quick_attempt_must_wait_a_second(throttle: LoginThrottle, clock: Clock) -> None:
    fail(throttle, 5)
    with pytest.raises(QuotaExceeded) as refused:
        throttle.check(username="alice", client=None)
    assert str(refused.value) == "Too many failed sign-ins for alice: wait 1 s and try again."
    clock.now += 1
    throttle.check(username="alice", client=None)


def test_each_further_failure_doubles_the_wait(throttle: LoginThrottle, clock: Clock) -> None:
    fail(throttle, 5)
    for wait in (1, 2, 4, 8):
        clock.now += wait  # exactly the wait: this attempt is let through, and fails
        fail(throttle, 1)
        with pytest.raises(QuotaExceeded, match=f"alice: wait {2 * wait} s and try again"):
            throttle.check(username="alice", client=None)


def test_the_wait_is_capped_at_fifteen_minutes() -> None:
    assert [delay_after(n, 5) for n in (0, 4, 5, 6, 9, 14, 15, 100)] == [
        0, 0, 1, 2, 16, 512, 900, 900
    ]  # fmt: skip
    assert MAX_WAIT_S == 900


def test_long_waits_are_said_in_minutes(throttle: LoginThrottle, clock: Clock) -> None:
    done = 0
    for failures, said in ((14, "8 min 32 s"), (15, "15 min")):  # 2^9 s; 2^10 s, capped
        while done < failures:
            clock.now += 1000  # long after any wait so far
            fail(throttle, 1)
            done += 1
        with pytest.raises(QuotaExceeded, match=f"alice: wait {said} and try again"):
            throttle.check(username="alice", client=None)


def test_names_count_whatever_their_case_and_others_are_not_slowed(
    throttle: LoginThrottle,
) -> None:
    fail(throttle, 3, "alice")
    fail(throttle, 2, "ALICE ")
    with pytest.raises(QuotaExceeded, match="for Alice: wait 1 s"):
        throttle.check(username="Alice", client=None)
    throttle.check(username="bob", client=None)


def test_a_success_forgets_the_name_but_not_the_address(throttle: LoginThrottle) -> None:
    fail(throttle, 5, client="203.0.113.9")
    throttle.succeeded(username="alice")
    throttle.check(username="alice", client="203.0.113.9")
    for n in range(15):  # guessing at many names: 20 failures from that address now
        fail(throttle, 1, f"user{n}", client="203.0.113.9")
    with pytest.raises(QuotaExceeded) as refused:
        throttle.check(username="carol", client="203.0.113.9")
    assert str(refused.value) == (
        "Too many failed sign-ins from your address: wait 1 s and try again."
    )
    throttle.check(username="carol", client="198.51.100.7")  # another address is not slowed


def test_counts_expire_and_keep_no_username_in_clear(
    throttle: LoginThrottle, redis: fakeredis.FakeRedis
) -> None:
    fail(throttle, 1, "my password by mistake", client="203.0.113.9")
    keys = sorted(k.decode() for k in redis.keys("*"))
    assert [k.rsplit(":", 1)[0] for k in keys] == ["studio:login:client", "studio:login:user"]
    assert not any("password" in k for k in keys)
    assert all(0 < redis.ttl(k) <= 24 * 3600 for k in keys)


def test_without_redis_nobody_signs_in_and_the_message_says_why() -> None:
    """An outage must not turn the throttle off: nothing can be counted, so nothing passes."""
    from redis import Redis

    from core.accounts.throttle import UNAVAILABLE
    from core.errors import ProviderUnavailable
    from tests.helpers import free_port

    nowhere = LoginThrottle(Redis(port=free_port(), socket_connect_timeout=0.5))
    with pytest.raises(ProviderUnavailable) as refused:
        nowhere.check(username="alice", client="10.0.0.7")
    assert str(refused.value) == UNAVAILABLE and "Redis" in UNAVAILABLE
