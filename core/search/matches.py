"""Find the user's ideas, workspaces and scripts that contain a piece of text.

Matching is case-insensitive and literal (a `%` or `_` in the query is that character) on
SQLite and PostgreSQL alike. Scripts match on their title, topic, or the narration of a
scene of their current version: the text the editor shows (an edit on the screens page is
saved as a new version too). Only the rows `access.visible` lets the user see are read.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ColumnElement, Integer, and_, column, func, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.selectable import FromClause

from core import access
from core.search.snippets import Snippet, clean_query, like_pattern, snippet
from core.uow import UnitOfWork
from db.models import Idea, Script, ScriptVersion, Workspace

LIMIT = 20  # results of each kind
SCENE_ROWS = 500  # matching scenes read at most (a script can match in many)


@dataclass(frozen=True)
class Match:
    kind: str  # "idea", "workspace" or "script"
    id: int
    title: str
    where: str  # what matched: "title", "description", "topic" or "scene 3"
    snippet: Snippet | None  # the text around the match; None when only the title matched
    parent: str = ""  # a script's workspace title
    workspace_id: int | None = None  # an executed idea's workspace, a script's workspace
    more_scenes: int = 0  # a script's other scenes that match too


@dataclass(frozen=True)
class SearchResults:
    query: str
    ideas: list[Match] = field(default_factory=list)
    workspaces: list[Match] = field(default_factory=list)
    scripts: list[Match] = field(default_factory=list)
    truncated: bool = False  # some kind had more than LIMIT results

    @property
    def count(self) -> int:
        return len(self.ideas) + len(self.workspaces) + len(self.scripts)


def search_studio(*, uow: UnitOfWork, user_id: int, text: str) -> SearchResults:
    """Everything of the user's that contains `text`, newest first within each kind."""
    query = clean_query(text)
    with uow:
        contains = _matcher(uow, query)
        ideas = _ideas(uow, user_id, query, contains)
        workspaces = _workspaces(uow, user_id, query, contains)
        scripts = _scripts(uow, user_id, query, contains)
    return SearchResults(
        query,
        ideas=ideas[:LIMIT],
        workspaces=workspaces[:LIMIT],
        scripts=scripts[:LIMIT],
        truncated=any(len(found) > LIMIT for found in (ideas, workspaces, scripts)),
    )


class _Contains:
    """`contains(column)`: a WHERE clause true when the column holds the query, any case."""

    def __init__(self, sqlite: bool, query: str) -> None:
        self.sqlite, self.pattern = sqlite, like_pattern(query)

    def __call__(
        self, expr: ColumnElement[Any] | InstrumentedAttribute[str]
    ) -> ColumnElement[bool]:
        if self.sqlite:  # SQLite's own lower() knows only ASCII: db/engine.py adds this one
            return func.unicode_lower(expr).like(self.pattern.lower(), escape="\\")
        return expr.ilike(self.pattern, escape="\\")


def _matcher(uow: UnitOfWork, query: str) -> _Contains:
    return _Contains(uow.session.get_bind().dialect.name == "sqlite", query)


def _first(fields: list[tuple[str, str]], query: str) -> tuple[str, Snippet | None]:
    """Which field matched first, and the snippet around it (none for a title)."""
    for name, value in fields:
        found = snippet(value, query)
        if found is not None:
            return name, None if name == "title" else found
    return fields[0][0], None  # matched in a way Python's case folding does not see


def _named(
    kind: str, item_id: int, title: str, description: str, query: str, workspace_id: int | None
) -> Match:
    """An idea or workspace found by its title or description."""
    where, around = _first([("title", title), ("description", description)], query)
    return Match(kind, item_id, title, where, around, workspace_id=workspace_id)


def _ideas(uow: UnitOfWork, user_id: int, query: str, contains: _Contains) -> list[Match]:
    rows = uow.session.scalars(
        select(Idea)
        .where(access.visible(Idea, user_id), or_(contains(Idea.title), contains(Idea.description)))
        .order_by(Idea.updated_at.desc(), Idea.id.desc())
        .limit(LIMIT + 1)
    )
    return [
        _named("idea", idea.id, idea.title, idea.description, query, idea.workspace_id)
        for idea in rows
    ]


def _workspaces(uow: UnitOfWork, user_id: int, query: str, contains: _Contains) -> list[Match]:
    rows = uow.session.scalars(
        select(Workspace)
        .where(
            access.visible(Workspace, user_id),
            or_(contains(Workspace.title), contains(Workspace.description)),
        )
        .order_by(Workspace.updated_at.desc(), Workspace.id.desc())
        .limit(LIMIT + 1)
    )
    return [_named("workspace", ws.id, ws.title, ws.description, query, ws.id) for ws in rows]


def _scripts(uow: UnitOfWork, user_id: int, query: str, contains: _Contains) -> list[Match]:
    """Scripts by the narration of a scene of their current version, or by title or topic:
    one result per script (a scene's snippet rather than the title), newest first."""
    scenes, position, narration = _scenes(uow)
    columns = (Script.id, Script.title, Workspace.title, Script.workspace_id, Script.updated_at)
    by_scene = uow.session.execute(
        select(*columns, position, narration)
        .join(Workspace, Workspace.id == Script.workspace_id)
        .join(ScriptVersion, and_(
            ScriptVersion.script_id == Script.id, ScriptVersion.number == Script.current_version
        ))
        .join(scenes, true())
        .where(access.visible(Script, user_id), contains(narration))
        .order_by(Script.updated_at.desc(), Script.id.desc(), position)
        .limit(SCENE_ROWS)
    ).all()  # fmt: skip
    by_name = uow.session.execute(
        select(*columns, Script.topic)
        .join(Workspace, Workspace.id == Script.workspace_id)
        .where(access.visible(Script, user_id), or_(contains(Script.title), contains(Script.topic)))
        .order_by(Script.updated_at.desc(), Script.id.desc())
        .limit(LIMIT + 1)
    ).all()
    found: dict[int, tuple[datetime, Match]] = {}
    for script_id, title, parent, workspace_id, changed, number, text in by_scene:
        if script_id in found:
            match = found[script_id][1]
            found[script_id] = changed, replace(match, more_scenes=match.more_scenes + 1)
        else:
            where, around = f"scene {int(number) + 1}", snippet(text or "", query)
            found[script_id] = (
                changed,
                Match("script", script_id, title, where, around, parent, workspace_id),
            )
    for script_id, title, parent, workspace_id, changed, topic in by_name:
        if script_id not in found:
            where, around = _first([("title", title), ("topic", topic)], query)
            found[script_id] = (
                changed,
                Match("script", script_id, title, where, around, parent, workspace_id),
            )
    newest = sorted(found.items(), key=lambda item: (item[1][0], item[0]), reverse=True)
    return [match for _, (_, match) in newest]


def _scenes(uow: UnitOfWork) -> tuple[FromClause, ColumnElement[Any], ColumnElement[Any]]:
    """The scenes of ScriptVersion.content as rows: (table to join, 0-based position,
    narration). Each database spells "the elements of a JSON array" its own way."""
    table: FromClause
    if uow.session.get_bind().dialect.name == "sqlite":
        table = func.json_each(ScriptVersion.content, "$.scenes").table_valued(
            column("key", Integer), column("value", JSON)
        )
        position: ColumnElement[Any] = table.c.key
    else:
        table = (
            func.json_array_elements(ScriptVersion.content["scenes"])
            .table_valued(column("value", JSON), with_ordinality="number")
            .render_derived()
            .lateral()
        )
        position = table.c.number - 1
    return table, position, table.c.value["narration"].as_string()
