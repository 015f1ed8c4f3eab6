"""The sign-in cookie is read on the server: only a token we signed, naming an id, counts."""

from __future__ import annotations

import time

import jwt

from core.accounts.sessions import session_user_id

SECRET = "a-long-random-secret-for-signing-cookies"


def token(claims: dict[str, object], secret: str = SECRET) -> str:
    return jwt.encode(claims, secret, algorithm="HS256")


def test_a_valid_token_names_its_user() -> None:
    fresh = token({"username": "42", "exp_date": time.time() + 60})
    assert session_user_id(token=fresh, secret=SECRET) == 42


def test_expired_forged_or_name_holding_tokens_name_nobody() -> None:
    later = time.time() + 60
    forged = token({"username": "42", "exp_date": later}, "another-long-random-secret-not-ours")
    for bad in [
        token({"username": "42", "exp_date": time.time() - 1}),  # expired
        forged,
        token({"username": "alice", "exp_date": later}),  # an older cookie held names
        token({"username": "42"}),  # no expiry
        "garbage",
        None,
    ]:
        assert session_user_id(token=bad, secret=SECRET) is None
