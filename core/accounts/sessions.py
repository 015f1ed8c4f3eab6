"""The sign-in cookie: a signed token naming a user by id, until it expires.

The token keeps the format streamlit-authenticator wrote (HS256 over {"username",
"exp_date"}, "username" holding the user's id as text), so cookies written before still
sign in. The server reads it from the request; the page writes it with a line of
JavaScript (ui/auth.py). Issue 9 replaces it with server-side sessions.
"""

from __future__ import annotations

import time

import jwt


def session_user_id(*, token: str | None, secret: str, now: float | None = None) -> int | None:
    """The user id a valid, unexpired sign-in token names; None for anything else."""
    if not token:
        return None
    try:
        claims = jwt.decode(token, secret, algorithms=["HS256"])
    except jwt.InvalidTokenError:
        return None
    expires = claims.get("exp_date")
    if not isinstance(expires, int | float) or expires < (time.time() if now is None else now):
        return None
    name = str(claims.get("username", ""))
    return int(name) if name.isdigit() else None


def issue_session_token(*, user_id: int, secret: str, days: float, now: float | None = None) -> str:
    """A sign-in token for `user_id` that `session_user_id` accepts for `days` days."""
    expires = (time.time() if now is None else now) + days * 86400
    return jwt.encode({"username": str(user_id), "exp_date": expires}, secret, algorithm="HS256")
