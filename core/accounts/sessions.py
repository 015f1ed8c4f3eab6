"""The sign-in cookie: a signed token naming a user by id, until it expires.

The token is the one streamlit-authenticator writes (HS256 over {"username", "exp_date"},
"username" holding the user's id as text), so the authenticator's cookie component can
keep writing and deleting it while the server reads it here, from the request, with no
component at all: a signed-out page then renders nothing that reruns it a moment later
(which undid a click made in that instant). Issue 9 replaces it with server-side sessions.
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
