"""The dashboard's recent scripts and workspaces: favourites first, then the most recently
changed, each with the picture that stands for it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import and_, case, func, select

from core import access
from core.dashboard.thumbnails import script_thumbnails
from core.media.files import FileStore
from core.uow import UnitOfWork
from db.models import Favorite, Script, Workspace

LIMIT = 6


@dataclass(frozen=True)
class ScriptCard:
    id: int
    title: str
    workspace_id: int
    workspace_title: str
    status: str  # empty, draft, finalized
    version: int  # the current version's number; 0 before the first is written
    favorite: bool
    changed_at: datetime
    thumbnail: Path | None


@dataclass(frozen=True)
class WorkspaceCard:
    id: int
    title: str
    favorite: bool
    script_count: int
    active_at: datetime  # the latest change to it or to one of its scripts
    thumbnail: Path | None  # the picture of its most recently changed script that has one


def recent_scripts(
    *, uow: UnitOfWork, files: FileStore, user_id: int, limit: int = LIMIT
) -> list[ScriptCard]:
    """The user's starred scripts, then the most recently changed, up to `limit`."""
    starred = Favorite.id.is_not(None)
    with uow:
        rows = uow.session.execute(
            select(Script, Workspace.title, starred)
            .join(Workspace, Workspace.id == Script.workspace_id)
            .outerjoin(Favorite, and_(
                Favorite.script_id == Script.id, access.visible(Favorite, user_id)
            ))
            .where(access.visible(Script, user_id))
            .order_by(starred.desc(), Script.updated_at.desc(), Script.id.desc())
            .limit(limit)
        ).all()  # fmt: skip
        pictures = script_thumbnails(uow, files, [script.id for script, _, _ in rows])
        return [
            ScriptCard(
                id=script.id,
                title=script.title,
                workspace_id=script.workspace_id,
                workspace_title=workspace_title,
                status=script.status.value,
                version=script.current_version,
                favorite=bool(favorite),
                changed_at=script.updated_at,
                thumbnail=pictures.get(script.id),
            )
            for script, workspace_title, favorite in rows
        ]


def last_changed_script(*, uow: UnitOfWork, user_id: int) -> tuple[int, str] | None:
    """The id and title of the script the user changed last, to carry on with."""
    with uow:
        row = uow.session.execute(
            select(Script.id, Script.title)
            .where(access.visible(Script, user_id))
            .order_by(Script.updated_at.desc(), Script.id.desc())
            .limit(1)
        ).first()
    return (int(row[0]), str(row[1])) if row is not None else None


def recent_workspaces(
    *, uow: UnitOfWork, files: FileStore, user_id: int, limit: int = LIMIT
) -> list[WorkspaceCard]:
    """The user's starred workspaces, then the most recently active, up to `limit`."""
    in_it = Script.workspace_id == Workspace.id
    last_script = select(func.max(Script.updated_at)).where(in_it).scalar_subquery()
    active = case((last_script > Workspace.updated_at, last_script), else_=Workspace.updated_at)
    count = select(func.count(Script.id)).where(in_it).scalar_subquery()
    starred = Favorite.id.is_not(None)
    with uow:
        rows = uow.session.execute(
            select(Workspace.id, Workspace.title, starred, count, active)
            .outerjoin(Favorite, and_(
                Favorite.workspace_id == Workspace.id, access.visible(Favorite, user_id)
            ))
            .where(access.visible(Workspace, user_id))
            .order_by(starred.desc(), active.desc(), Workspace.id.desc())
            .limit(limit)
        ).all()  # fmt: skip
        scripts = uow.session.execute(
            select(Script.id, Script.workspace_id)
            .where(Script.workspace_id.in_([row[0] for row in rows]))
            .order_by(Script.updated_at.desc(), Script.id.desc())
        ).all()
        pictures = script_thumbnails(uow, files, [script_id for script_id, _ in scripts])
    cover: dict[int, Path] = {}
    for script_id, workspace_id in scripts:  # newest first: the first picture found wins
        if script_id in pictures:
            cover.setdefault(workspace_id, pictures[script_id])
    return [
        WorkspaceCard(
            id=ws_id,
            title=title,
            favorite=bool(favorite),
            script_count=int(scripts_in or 0),
            active_at=active_at,
            thumbnail=cover.get(ws_id),
        )
        for ws_id, title, favorite, scripts_in, active_at in rows
    ]
