"""The one answer to "may this user do this action on that object?".

Every core entry point that takes an id loads the object through `load`, and every
list query filters with `visible`; no other module compares a user id with an owner
(tests/unit/test_layers.py checks). An object that the user may not touch is NotFound,
the same answer as for an id that does not exist, so ids leak nothing.

    object          belongs to
    Workspace       its owner
    Script          its workspace
    ScriptVersion   its script
    Screen          its script
    Render          its script
    Asset           its workspace
    Idea            its owner
    JobRecord       whoever started it
    ApiCredential   its owner
    Favorite        its owner
    Notification    its owner (whom it tells)

Today's rule: the owner may do every action, nobody else any. Teams change only this
module and the data model: "a member of the owning team with the right role".
"""

from __future__ import annotations

import enum
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, false, select

from core.errors import NotFound, PermissionDenied
from core.uow import UnitOfWork
from db.models import (
    ApiCredential,
    Asset,
    Favorite,
    Idea,
    JobRecord,
    Notification,
    Render,
    Role,
    Screen,
    Script,
    ScriptVersion,
    User,
    Workspace,
)


class Action(enum.StrEnum):
    VIEW = "view"  # read, play, download
    EDIT = "edit"  # change it, or add things to it
    DELETE = "delete"
    RUN = "run"  # queue, cancel or retry work on it


T = TypeVar("T")

# Every core entry point that takes an object's id, with the action it asks `load` for.
# tests/integration/test_isolation.py is generated from this table: an entry point that
# takes an id and has no row here fails it.
ENTRY_POINTS: dict[str, Action] = {
    "core.workspaces.ideas.update_idea": Action.EDIT,
    "core.workspaces.ideas.delete_idea": Action.DELETE,
    "core.workspaces.ideas.execute_idea": Action.EDIT,
    "core.workspaces.workspace.get_workspace": Action.VIEW,
    "core.workspaces.workspace.update_workspace": Action.EDIT,
    "core.workspaces.workspace.delete_workspace": Action.DELETE,
    "core.workspaces.workspace.set_favorite": Action.VIEW,
    "core.workspaces.styles.get_workspace_style": Action.VIEW,
    "core.workspaces.styles.update_workspace_style": Action.EDIT,
    "core.workspaces.music.workspace_music": Action.VIEW,
    "core.workspaces.music.set_workspace_music": Action.EDIT,
    "core.scripts.script.create_script": Action.EDIT,
    "core.scripts.script.list_scripts": Action.VIEW,
    "core.scripts.script.get_script": Action.VIEW,
    "core.scripts.script.delete_script": Action.DELETE,
    "core.scripts.script.set_script_favorite": Action.VIEW,
    "core.scripts.versions.list_versions": Action.VIEW,
    "core.scripts.versions.get_version": Action.VIEW,
    "core.scripts.versions.save_version": Action.EDIT,
    "core.scripts.versions.restore_version": Action.EDIT,
    "core.scripts.writing.request_generation": Action.RUN,
    "core.scripts.writing.request_translation": Action.RUN,
    "core.scripts.finalize.finalize_script": Action.EDIT,
    "core.media.screen.list_screens": Action.VIEW,
    "core.media.screen.update_screen": Action.EDIT,
    "core.media.uploads.upload_image": Action.EDIT,
    "core.media.uploads.upload_audio": Action.EDIT,
    "core.media.generate.request_image": Action.RUN,
    "core.media.generate.request_voice": Action.RUN,
    "core.media.batch.media_progress": Action.VIEW,
    "core.media.batch.request_batch": Action.RUN,
    "core.media.batch.retry_failed_media": Action.RUN,
    "core.video.renders.request_render": Action.RUN,
    "core.video.renders.queue_render": Action.RUN,
    "core.video.renders.active_render_job": Action.VIEW,
    "core.video.renders.list_renders": Action.VIEW,
    "core.video.renders.latest_good_render": Action.VIEW,
    "core.video.renders.default_export_settings": Action.VIEW,
    "core.video.freshness.video_freshness": Action.VIEW,
    "core.video.preview.request_preview": Action.RUN,
    "core.video.preview.latest_preview": Action.VIEW,
    "core.tasks.records.get_job": Action.VIEW,
    "core.tasks.records.cancel_task": Action.RUN,
    "core.tasks.records.retry_task": Action.RUN,
    "core.notifications.notices.mark_read": Action.EDIT,
}

NAMES: dict[type[Any], str] = {
    Workspace: "Workspace",
    Script: "Script",
    ScriptVersion: "Version",
    Screen: "Screen",
    Render: "Render",
    Asset: "File",
    Idea: "Idea",
    JobRecord: "Job",
    ApiCredential: "Key",
    Favorite: "Favourite",
    Notification: "Notification",
}
# rows with an owner of their own
_PERSONAL = (Idea, JobRecord, ApiCredential, Favorite, Notification)
_IN_A_SCRIPT = (ScriptVersion, Screen, Render)


def load(uow: UnitOfWork, model: type[T], obj_id: int, *, user_id: int, action: Action) -> T:
    """Row `obj_id` of `model` if the user may do `action` on it; else NotFound."""
    row = uow.session.get(model, obj_id)
    if row is None or not may(uow, user_id, action, row):
        raise NotFound(f"{NAMES.get(model, model.__name__)} #{obj_id} was not found.")
    return row


def may(uow: UnitOfWork, user_id: int, action: Action, row: object) -> bool:
    """Whether the user may do `action` on the row (today: whether they own it)."""
    del action  # every action is the owner's alone, until teams bring roles
    return _owner(uow, row) == user_id


def visible(model: type[Any], user_id: int) -> ColumnElement[bool]:
    """A WHERE clause that keeps the rows of `model` the user may view."""
    if model in _PERSONAL:
        return model.user_id == user_id  # type: ignore[no-any-return]
    if model is Workspace:
        return Workspace.user_id == user_id
    if model is Script:
        return Script.workspace_id.in_(select(Workspace.id).where(visible(Workspace, user_id)))
    if model in _IN_A_SCRIPT:
        scripts = select(Script.id).where(visible(Script, user_id))
        return model.script_id.in_(scripts)  # type: ignore[no-any-return]
    if model is Asset:
        return Asset.workspace_id.in_(select(Workspace.id).where(visible(Workspace, user_id)))
    return false()


def started_by(user_id: int) -> ColumnElement[bool]:
    """The jobs this user started (for limits that count one person's work)."""
    return JobRecord.user_id == user_id


def require_admin(*, uow: UnitOfWork, user_id: int) -> None:
    """Raise PermissionDenied unless the user has the site's admin role."""
    with uow:
        user = uow.session.get(User, user_id)
        if user is None or user.role != Role.ADMIN:
            raise PermissionDenied("Only admins can do this.")


def _owner(uow: UnitOfWork, row: object) -> int | None:
    if isinstance(row, _PERSONAL):
        return row.user_id
    if isinstance(row, Workspace):
        return row.user_id
    if isinstance(row, Script):
        return _owner(uow, uow.session.get(Workspace, row.workspace_id))
    if isinstance(row, _IN_A_SCRIPT):
        return _owner(uow, uow.session.get(Script, row.script_id))
    if isinstance(row, Asset):
        return _owner(uow, uow.session.get(Workspace, row.workspace_id))
    return None
