"""Input rules shared by the use cases; each failure is an InvalidInput for people."""

from __future__ import annotations

import re

from core.errors import InvalidInput

MAX_TITLE = 200
MAX_DESCRIPTION = 5000
USERNAME_RE = re.compile(r"^[A-Za-z0-9_.-]{3,32}$")
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def clean_title(value: str, what: str = "Title") -> str:
    value = " ".join(value.split())
    if not value:
        raise InvalidInput(f"{what} must not be empty.")
    if len(value) > MAX_TITLE:
        raise InvalidInput(f"{what} is too long ({len(value)} characters; at most {MAX_TITLE}).")
    return value


def clean_description(value: str) -> str:
    value = value.strip()
    if len(value) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"Description is too long ({len(value)} characters; at most {MAX_DESCRIPTION})."
        )
    return value


def clean_username(value: str) -> str:
    value = value.strip()
    if not USERNAME_RE.match(value):
        raise InvalidInput(
            "Username must be 3–32 characters: letters, digits, dot, dash or underscore."
        )
    return value


def clean_email(value: str) -> str:
    value = value.strip()
    if value and not EMAIL_RE.match(value):
        raise InvalidInput(f"{value!r} is not an email address.")
    return value


def check_password(value: str) -> str:
    if len(value) < 8:
        raise InvalidInput("Password must have at least 8 characters.")
    if len(value.encode()) > 72:
        raise InvalidInput("Password must be at most 72 bytes long.")
    return value


def clean_int(value: int, what: str, low: int, high: int) -> int:
    if not low <= value <= high:
        raise InvalidInput(f"{what} must be between {low} and {high} (got {value}).")
    return value
