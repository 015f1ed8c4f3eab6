"""Failed sign-ins slow down further guesses, per username and per client address.

The first few failures cost nothing extra: people mistype. After that, every attempt must
wait twice as long as the one before (1 s, 2 s, 4 s … up to 15 minutes) after the last
failure, and is refused without checking the password. The counts live in Redis, shared
by every web process, under `studio:login:`; they are forgotten a day after the last
failure, and a successful sign-in clears the username's count (not the address's, or one
account of one's own would wipe the slate for guessing at others).

Usernames are stored only as a hash: people sometimes type their password into that box.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from redis import Redis
from redis.exceptions import RedisError

from core.errors import ProviderUnavailable, QuotaExceeded

PREFIX = "studio:login:"
USER_FREE_FAILURES = 5
CLIENT_FREE_FAILURES = 20  # one address may be a whole office behind one router
MAX_WAIT_S = 15 * 60
FORGET_AFTER_S = 24 * 3600
UNAVAILABLE = (
    "Signing in is not possible right now: the app's queue server (Redis), which counts "
    "sign-in attempts, does not answer. Try again in a moment, or ask the admin."
)


@dataclass(frozen=True)
class Bucket:
    key: str
    free_failures: int
    who: str  # for the message: "for alice", "from your address"


class LoginThrottle:
    """Counts failed sign-ins in Redis and refuses attempts that come too soon."""

    def __init__(
        self,
        redis: Redis,
        *,
        user_free_failures: int = USER_FREE_FAILURES,
        client_free_failures: int = CLIENT_FREE_FAILURES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._redis = redis
        self._user_free = user_free_failures
        self._client_free = client_free_failures
        self._clock = clock

    def check(self, *, username: str, client: str | None) -> None:
        """Raise QuotaExceeded, saying how long to wait, if this attempt comes too soon.

        Without Redis nothing can be counted, so nobody signs in (ProviderUnavailable):
        an outage must not open the door to unlimited guessing."""
        now = self._clock()
        for bucket in self._buckets(username, client):
            failures, last = self._read(bucket.key)
            wait = last + delay_after(failures, bucket.free_failures) - now
            if wait > 0:
                raise QuotaExceeded(
                    f"Too many failed sign-ins {bucket.who}: wait {_duration(wait)} and try again."
                )

    def failed(self, *, username: str, client: str | None) -> None:
        """Count one failed attempt against the username and the client."""
        now = self._clock()
        pipe = self._redis.pipeline(transaction=True)
        for bucket in self._buckets(username, client):
            pipe.hincrby(bucket.key, "failures", 1)
            pipe.hset(bucket.key, "last", repr(now))
            pipe.expire(bucket.key, FORGET_AFTER_S)
        try:
            pipe.execute()
        except RedisError as exc:
            raise ProviderUnavailable(UNAVAILABLE) from exc

    def succeeded(self, *, username: str) -> None:
        """Forget the username's failures (the client's are kept)."""
        try:
            self._redis.delete(_user_key(username))
        except RedisError as exc:
            raise ProviderUnavailable(UNAVAILABLE) from exc

    def _buckets(self, username: str, client: str | None) -> list[Bucket]:
        name = username.strip()[:64]
        buckets = [Bucket(_user_key(username), self._user_free, f"for {name}")]
        # Streamlit gives no address for clients on this machine, which is also what
        # every visitor looks like behind a local proxy: then only the username counts.
        if client:
            buckets.append(
                Bucket(f"{PREFIX}client:{client}", self._client_free, "from your address")
            )
        return buckets

    def _read(self, key: str) -> tuple[int, float]:
        try:
            failures, last = self._redis.hmget(key, ["failures", "last"])
        except RedisError as exc:
            raise ProviderUnavailable(UNAVAILABLE) from exc
        return int(failures or 0), float(last or 0.0)


def delay_after(failures: int, free_failures: int) -> float:
    """Seconds the next attempt must wait after the last failure."""
    if failures < free_failures:
        return 0.0
    return float(min(2 ** min(failures - free_failures, 20), MAX_WAIT_S))


def _user_key(username: str) -> str:
    digest = hashlib.sha256(username.strip().lower().encode()).hexdigest()
    return f"{PREFIX}user:{digest}"


def _duration(seconds: float) -> str:
    whole = math.ceil(seconds)
    if whole < 60:
        return f"{whole} s"
    minutes, rest = divmod(whole, 60)
    return f"{minutes} min {rest} s" if rest else f"{minutes} min"
