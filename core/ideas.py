"""Ideas: the raw material. Execute turns one into a workspace."""

from __future__ import annotations

from sqlalchemy import or_, select

from core.models import IdeaView, WorkspaceView
from core.ownership import load_owned
from core.uow import UnitOfWork
from core.validation import clean_description, clean_title
from core.workspaces import workspace_view
from db.models import Idea, IdeaStatus, Workspace


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
        idea = load_owned(uow, Idea, idea_id, user_id, "Idea")
        idea.title, idea.description = title, description
        uow.commit()
        return _view(idea)


def delete_idea(*, uow: UnitOfWork, user_id: int, idea_id: int) -> None:
    """Delete an idea (its workspace, if any, stays)."""
    with uow:
        uow.session.delete(load_owned(uow, Idea, idea_id, user_id, "Idea"))
        uow.commit()


def get_idea(*, uow: UnitOfWork, user_id: int, idea_id: int) -> IdeaView:
    with uow:
        return _view(load_owned(uow, Idea, idea_id, user_id, "Idea"))


def list_ideas(*, uow: UnitOfWork, user_id: int, search: str = "") -> list[IdeaView]:
    """The user's ideas, newest first, optionally filtered by a search text."""
    with uow:
        query = select(Idea).where(Idea.user_id == user_id)
        if search.strip():
            like = f"%{search.strip()}%"
            query = query.where(or_(Idea.title.ilike(like), Idea.description.ilike(like)))
        rows = uow.session.scalars(query.order_by(Idea.created_at.desc(), Idea.id.desc()))
        return [_view(i) for i in rows]


def execute_idea(*, uow: UnitOfWork, user_id: int, idea_id: int) -> WorkspaceView:
    """Turn an idea into a workspace (or return the one it already has)."""
    with uow:
        idea = load_owned(uow, Idea, idea_id, user_id, "Idea")
        workspace = uow.session.get(Workspace, idea.workspace_id) if idea.workspace_id else None
        if workspace is None:
            workspace = Workspace(user_id=user_id, title=idea.title, description=idea.description)
            uow.session.add(workspace)
            uow.session.flush()
            idea.workspace_id = workspace.id
        idea.status = IdeaStatus.IN_PROGRESS
        uow.commit()
        return workspace_view(uow, workspace)


def _view(idea: Idea) -> IdeaView:
    return IdeaView(
        id=idea.id,
        title=idea.title,
        description=idea.description,
        status=idea.status.value,
        workspace_id=idea.workspace_id,
        created_at=idea.created_at,
    )
