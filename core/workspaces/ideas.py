"""Ideas: the raw material. Execute turns one into a workspace."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel
from sqlalchemy import or_, select

from core import access
from core.access import Action
from core.uow import UnitOfWork
from core.validation import clean_description, clean_title
from core.workspaces.styles import new_workspace
from core.workspaces.workspace import WorkspaceView, workspace_view
from db.models import Idea, IdeaStatus, Workspace


class IdeaView(BaseModel):
    id: int
    title: str
    description: str
    status: str
    workspace_id: int | None
    created_at: datetime


def create_idea(*, uow: UnitOfWork, user_id: int, title: str, description: str = "") -> IdeaView:
    """Add an idea."""
    title, description = clean_title(title), clean_description(description)
    with uow:
        idea = Idea(user_id=user_id, title=title, description=description)
        uow.session.add(idea)
        uow.commit()
        return _view(idea)


def update_idea(
    *, uow: UnitOfWork, user_id: int, idea_id: int, title: str, description: str
) -> IdeaView:
    """Change an idea's title and description."""
    title, description = clean_title(title), clean_description(description)
    with uow:
        idea = access.load(uow, Idea, idea_id, user_id=user_id, action=Action.EDIT)
        idea.title, idea.description = title, description
        uow.commit()
        return _view(idea)


def delete_idea(*, uow: UnitOfWork, user_id: int, idea_id: int) -> None:
    """Delete an idea (its workspace, if any, stays)."""
    with uow:
        uow.session.delete(access.load(uow, Idea, idea_id, user_id=user_id, action=Action.DELETE))
        uow.commit()


def list_ideas(*, uow: UnitOfWork, user_id: int, search: str = "") -> list[IdeaView]:
    """The user's ideas, newest first, optionally filtered by a search text."""
    with uow:
        query = select(Idea).where(access.visible(Idea, user_id))
        if search.strip():
            like = f"%{search.strip()}%"
            query = query.where(or_(Idea.title.ilike(like), Idea.description.ilike(like)))
        rows = uow.session.scalars(query.order_by(Idea.created_at.desc(), Idea.id.desc()))
        return [_view(i) for i in rows]


def execute_idea(*, uow: UnitOfWork, user_id: int, idea_id: int) -> WorkspaceView:
    """Turn an idea into a workspace (or return the one it already has)."""
    with uow:
        idea = access.load(uow, Idea, idea_id, user_id=user_id, action=Action.EDIT)
        workspace = uow.session.get(Workspace, idea.workspace_id) if idea.workspace_id else None
        if workspace is None:
            workspace = new_workspace(
                uow, user_id=user_id, title=idea.title, description=idea.description
            )
            idea.workspace_id = workspace.id
        idea.status = IdeaStatus.IN_PROGRESS
        uow.commit()
        return workspace_view(uow, workspace, user_id)


def _view(idea: Idea) -> IdeaView:
    return IdeaView(
        id=idea.id,
        title=idea.title,
        description=idea.description,
        status=idea.status.value,
        workspace_id=idea.workspace_id,
        created_at=idea.created_at,
    )
