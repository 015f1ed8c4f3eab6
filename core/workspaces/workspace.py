"""Workspaces: a project holding scripts and every file made under it. Create, rename,
list, favourite, and delete one (its jobs are stopped first, then its rows and folder go)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import delete, func, or_, select

from core import access
from core.access import Action
from core.media.files import FileStore
from core.scripts.script import job_targets
from core.tasks.queue import TaskQueue
from core.tasks.records import stop_jobs
from core.uow import UnitOfWork
from core.validation import clean_description, clean_title
from core.workspaces.styles import new_workspace
from db.models import Asset, Favorite, Script, Workspace


class WorkspaceView(BaseModel):
    id: int
    title: str
    description: str
    favorite: bool
    script_count: int
    updated_at: datetime


def create_workspace(
    *, uow: UnitOfWork, user_id: int, title: str, description: str = ""
) -> WorkspaceView:
    """Add an empty workspace."""
    title, description = clean_title(title), clean_description(description)
    with uow:
        workspace = new_workspace(uow, user_id=user_id, title=title, description=description)
        uow.commit()
        return workspace_view(uow, workspace, user_id)


def update_workspace(
    *, uow: UnitOfWork, user_id: int, workspace_id: int, title: str, description: str
) -> WorkspaceView:
    """Rename or re-describe a workspace."""
    title, description = clean_title(title), clean_description(description)
    with uow:
        workspace = access.load(uow, Workspace, workspace_id, user_id=user_id, action=Action.EDIT)
        workspace.title, workspace.description = title, description
        uow.commit()
        return workspace_view(uow, workspace, user_id)


def delete_workspace(
    *, uow: UnitOfWork, queue: TaskQueue, files: FileStore, user_id: int, workspace_id: int
) -> None:
    """Delete a workspace, its scripts and every file made under it. Its queued and running
    jobs are canceled first (a running one is stopped), so none writes into it afterwards."""
    with uow:
        access.load(uow, Workspace, workspace_id, user_id=user_id, action=Action.DELETE)
        targets = job_targets(uow, select(Script.id).where(Script.workspace_id == workspace_id))
    stop_jobs(uow, queue, targets)
    with uow:
        workspace = access.load(uow, Workspace, workspace_id, user_id=user_id, action=Action.DELETE)
        uow.session.execute(delete(Asset).where(Asset.workspace_id == workspace_id))
        uow.session.delete(workspace)
        uow.commit()
    files.remove_workspace(workspace_id)  # its images, voices and videos, now unreferenced


def get_workspace(*, uow: UnitOfWork, user_id: int, workspace_id: int) -> WorkspaceView:
    with uow:
        workspace = access.load(uow, Workspace, workspace_id, user_id=user_id, action=Action.VIEW)
        return workspace_view(uow, workspace, user_id)


def list_workspaces(
    *, uow: UnitOfWork, user_id: int, search: str = "", favorites_only: bool = False
) -> list[WorkspaceView]:
    """The workspaces the user may see, favourites first, then most recently changed."""
    with uow:
        query = select(Workspace).where(access.visible(Workspace, user_id))
        if search.strip():
            like = f"%{search.strip()}%"
            query = query.where(or_(Workspace.title.ilike(like), Workspace.description.ilike(like)))
        rows = uow.session.scalars(query.order_by(Workspace.updated_at.desc())).all()
        views = [workspace_view(uow, w, user_id) for w in rows]
        if favorites_only:
            views = [v for v in views if v.favorite]
        return sorted(views, key=lambda v: not v.favorite)


def set_favorite(*, uow: UnitOfWork, user_id: int, workspace_id: int, favorite: bool) -> None:
    """Mark or unmark a workspace as one of the user's favourites."""
    with uow:
        access.load(uow, Workspace, workspace_id, user_id=user_id, action=Action.VIEW)
        row = _favorite(uow, user_id, workspace_id)
        if favorite and row is None:
            uow.session.add(Favorite(user_id=user_id, workspace_id=workspace_id))
        elif not favorite and row is not None:
            uow.session.delete(row)
        uow.commit()


def workspace_view(uow: UnitOfWork, workspace: Workspace, user_id: int) -> WorkspaceView:
    """The workspace as `user_id` sees it (their favourite or not)."""
    count = uow.session.scalar(
        select(func.count(Script.id)).where(Script.workspace_id == workspace.id)
    )
    return WorkspaceView(
        id=workspace.id,
        title=workspace.title,
        description=workspace.description,
        favorite=_favorite(uow, user_id, workspace.id) is not None,
        script_count=count or 0,
        updated_at=workspace.updated_at,
    )


def _favorite(uow: UnitOfWork, user_id: int, workspace_id: int) -> Favorite | None:
    return uow.session.scalar(
        select(Favorite).where(
            access.visible(Favorite, user_id), Favorite.workspace_id == workspace_id
        )
    )
