"""Workspaces: a project holding scripts and every asset made under it."""

from __future__ import annotations

from sqlalchemy import func, or_, select

from core.assets import collect_garbage
from core.files import FileStore
from core.models import WorkspaceView
from core.ownership import load_owned
from core.uow import UnitOfWork
from core.validation import clean_description, clean_title
from db.models import Favorite, Script, Workspace


def create_workspace(
    *, uow: UnitOfWork, user_id: int, title: str, description: str = ""
) -> WorkspaceView:
    """Add an empty workspace."""
    title, description = clean_title(title), clean_description(description)
    with uow:
        workspace = Workspace(user_id=user_id, title=title, description=description)
        uow.session.add(workspace)
        uow.commit()
        return workspace_view(uow, workspace)


def update_workspace(
    *, uow: UnitOfWork, user_id: int, workspace_id: int, title: str, description: str
) -> WorkspaceView:
    """Rename or re-describe a workspace."""
    title, description = clean_title(title), clean_description(description)
    with uow:
        workspace = load_owned(uow, Workspace, workspace_id, user_id, "Workspace")
        workspace.title, workspace.description = title, description
        uow.commit()
        return workspace_view(uow, workspace)


def delete_workspace(*, uow: UnitOfWork, files: FileStore, user_id: int, workspace_id: int) -> None:
    """Delete a workspace, its scripts and the files made under it."""
    with uow:
        workspace = load_owned(uow, Workspace, workspace_id, user_id, "Workspace")
        uow.session.delete(workspace)
        uow.session.flush()
        unused = collect_garbage(uow=uow, files=files, user_id=user_id)
        uow.commit()
    for path in unused:  # its images, voices and videos, once the rows are gone for good
        path.unlink(missing_ok=True)


def get_workspace(*, uow: UnitOfWork, user_id: int, workspace_id: int) -> WorkspaceView:
    with uow:
        return workspace_view(uow, load_owned(uow, Workspace, workspace_id, user_id, "Workspace"))


def list_workspaces(
    *, uow: UnitOfWork, user_id: int, search: str = "", favorites_only: bool = False
) -> list[WorkspaceView]:
    """The user's workspaces, favourites first, then most recently changed."""
    with uow:
        query = select(Workspace).where(Workspace.user_id == user_id)
        if search.strip():
            like = f"%{search.strip()}%"
            query = query.where(or_(Workspace.title.ilike(like), Workspace.description.ilike(like)))
        rows = uow.session.scalars(query.order_by(Workspace.updated_at.desc())).all()
        views = [workspace_view(uow, w) for w in rows]
        if favorites_only:
            views = [v for v in views if v.favorite]
        return sorted(views, key=lambda v: not v.favorite)


def set_favorite(*, uow: UnitOfWork, user_id: int, workspace_id: int, favorite: bool) -> None:
    """Mark or unmark a workspace as favourite."""
    with uow:
        load_owned(uow, Workspace, workspace_id, user_id, "Workspace")
        row = _favorite(uow, user_id, workspace_id)
        if favorite and row is None:
            uow.session.add(Favorite(user_id=user_id, workspace_id=workspace_id))
        elif not favorite and row is not None:
            uow.session.delete(row)
        uow.commit()


def workspace_view(uow: UnitOfWork, workspace: Workspace) -> WorkspaceView:
    count = uow.session.scalar(
        select(func.count(Script.id)).where(Script.workspace_id == workspace.id)
    )
    return WorkspaceView(
        id=workspace.id,
        title=workspace.title,
        description=workspace.description,
        favorite=_favorite(uow, workspace.user_id, workspace.id) is not None,
        script_count=count or 0,
        updated_at=workspace.updated_at,
    )


def _favorite(uow: UnitOfWork, user_id: int, workspace_id: int) -> Favorite | None:
    return uow.session.scalar(
        select(Favorite).where(Favorite.user_id == user_id, Favorite.workspace_id == workspace_id)
    )
