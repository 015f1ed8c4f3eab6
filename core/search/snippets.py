"""The text side of search: what a query may be, its LIKE pattern, and the snippet around
a match that a result shows."""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.errors import InvalidInput

MIN_QUERY = 2  # one letter would match nearly everything
MAX_QUERY = 200
ESCAPE = "\\"
CONTEXT = 60  # characters shown on each side of a match


@dataclass(frozen=True)
class Snippet:
    """A piece of text around a match, cut in three so a page can highlight the middle."""

    before: str
    match: str
    after: str


def clean_query(text: str) -> str:
    """The query with its spaces tidied; InvalidInput when it is too short or too long."""
    query = " ".join(text.split())
    if len(query) < MIN_QUERY:
        raise InvalidInput(f"Type at least {MIN_QUERY} characters to search.")
    if len(query) > MAX_QUERY:
        raise InvalidInput(f"A search is at most {MAX_QUERY} characters (got {len(query)}).")
    return query


def like_pattern(query: str) -> str:
    """A LIKE pattern that finds `query` anywhere, its own % and _ taken literally."""
    escaped = query.replace(ESCAPE, ESCAPE * 2).replace("%", f"{ESCAPE}%")
    return f"%{escaped.replace('_', f'{ESCAPE}_')}%"


def snippet(text: str, query: str, context: int = CONTEXT) -> Snippet | None:
    """The words around the first place `query` occurs in `text` (any case); None if absent."""
    flat = " ".join(text.split())
    found = re.search(re.escape(query), flat, re.IGNORECASE)
    if found is None:
        return None
    start, end = found.span()
    before, after = flat[max(0, start - context) : start], flat[end : end + context]
    if start > context:  # cut at a word boundary, and say that text was left out
        before = "…" + before.split(" ", 1)[-1] if " " in before else "…" + before
    if end + context < len(flat):
        after = after.rsplit(" ", 1)[0] + "…" if " " in after else after + "…"
    return Snippet(before, found.group(), after)
