"""Scripts: each one video project in a workspace. Create, open, list, favourite and delete
them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel
from sqlalchemy import Select, select

from core import access
from core.access import Action
from core.errors import InvalidInput
from core.media.assets import collect_garbage
from core.media.files import FileStore
from core.scripts.content import MAX_SCENES
from core.scripts.languages import clean_language
from core.tasks.queue import TaskQueue
from core.tasks.records import stop_jobs
from core.uow import UnitOfWork
from core.validation import clean_int, clean_title
from db.models import Favorite, JobRecord, Render, Screen, Script, ScriptStatus, Workspace

MAX_TOPIC = 2000


WRITING_KINDS = ("script.generate", "script.translate")


class ScriptView(BaseModel):
    id: int
    workspace_id: int
    title: str
    topic: str
    tone: str
    language: str
    target_seconds: int
    scene_count: int
    status: str
    current_version: int
    finalized_version: int | None
    source_script_id: int | None
    writing: str = ""  # the latest writing job's status while the script is empty
    favorite: bool = False  # the user's star (ScriptViews for that user only)


def create_script(
    *,
    uow: UnitOfWork,
    user_id: int,
    workspace_id: int,
    topic: str,
    tone: str = "informative",
    language: str = "en",
    target_seconds: int = 60,
    scene_count: int = 6,
) -> ScriptView:
    """Add an empty script (a video project) to a workspace."""
    topic = " ".join(topic.split())
    if not topic:
        raise InvalidInput("Topic must not be empty.")
    if len(topic) > MAX_TOPIC:
        raise InvalidInput(f"Topic is too long ({len(topic)} characters; at most {MAX_TOPIC}).")
    language = clean_language(language)
    clean_int(target_seconds, "Target length (seconds)", 10, 600)
    clean_int(scene_count, "Number of scenes", 1, MAX_SCENES)
    tone = clean_title(tone or "informative", "Tone")[:60]
    with uow:
        access.load(uow, Workspace, workspace_id, user_id=user_id, action=Action.EDIT)
        script = Script(
            user_id=user_id,
            workspace_id=workspace_id,
            title=topic[:200],
            topic=topic,
            tone=tone,
            language=language,
            target_seconds=target_seconds,
            scene_count=scene_count,
        )
        uow.session.add(script)
        uow.commit()
        return script_view(script)


def get_script(*, uow: UnitOfWork, user_id: int, script_id: int) -> ScriptView:
    with uow:
        script = access.load(uow, Script, script_id, user_id=user_id, action=Action.VIEW)
        return script_view(script, favorite=script.id in favorite_scripts(uow, user_id))


def list_scripts(*, uow: UnitOfWork, user_id: int, workspace_id: int) -> list[ScriptView]:
    """The scripts of one of the user's workspaces."""
    with uow:
        access.load(uow, Workspace, workspace_id, user_id=user_id, action=Action.VIEW)
        rows = list(
            uow.session.scalars(
                select(Script).where(Script.workspace_id == workspace_id).order_by(Script.id)
            )
        )
        writing = _writing(uow, [s.id for s in rows if s.status == ScriptStatus.EMPTY])
        starred = favorite_scripts(uow, user_id)
        return [
            script_view(s, favorite=s.id in starred).model_copy(
                update={"writing": writing.get(s.id, "")}
            )
            for s in rows
        ]


def set_script_favorite(*, uow: UnitOfWork, user_id: int, script_id: int, favorite: bool) -> None:
    """Mark or unmark a script as one of the user's favourites."""
    with uow:
        access.load(uow, Script, script_id, user_id=user_id, action=Action.VIEW)
        mine = access.visible(Favorite, user_id)
        row = uow.session.scalar(select(Favorite).where(mine, Favorite.script_id == script_id))
        if favorite and row is None:
            uow.session.add(Favorite(user_id=user_id, script_id=script_id))
        elif not favorite and row is not None:
            uow.session.delete(row)
        uow.commit()


def favorite_scripts(uow: UnitOfWork, user_id: int) -> set[int]:
    """The ids of the scripts the user starred (in the caller's transaction)."""
    query = select(Favorite.script_id).where(
        access.visible(Favorite, user_id), Favorite.script_id.is_not(None)
    )
    return {int(script_id) for script_id in uow.session.scalars(query) if script_id is not None}


def delete_script(
    *, uow: UnitOfWork, queue: TaskQueue, files: FileStore, user_id: int, script_id: int
) -> None:
    """Delete a script with its versions, screens and videos, and the files nothing else in
    its workspace uses. Its queued and running jobs are stopped first."""
    with uow:
        access.load(uow, Script, script_id, user_id=user_id, action=Action.DELETE)
        targets = job_targets(uow, select(Script.id).where(Script.id == script_id))
    stop_jobs(uow, queue, targets)
    with uow:
        script = access.load(uow, Script, script_id, user_id=user_id, action=Action.DELETE)
        workspace_id = script.workspace_id
        uow.session.delete(script)
        uow.session.flush()
        unused = collect_garbage(uow=uow, files=files, workspace_id=workspace_id)
        uow.commit()
    for path in unused:  # once the rows are gone for good
        path.unlink(missing_ok=True)


def _writing(uow: UnitOfWork, script_ids: list[int]) -> dict[int, str]:
    """Script id → the status of its latest writing job (generate or translate)."""
    if not script_ids:
        return {}
    jobs = uow.session.execute(
        select(JobRecord.target_id, JobRecord.status)
        .where(
            JobRecord.target_type == "script",
            JobRecord.target_id.in_(script_ids),
            JobRecord.kind.in_(WRITING_KINDS),
        )
        .order_by(JobRecord.id)
    )
    return {target: status.value for target, status in jobs}  # the latest wins


def script_view(script: Script, *, favorite: bool = False) -> ScriptView:
    return ScriptView(
        id=script.id,
        workspace_id=script.workspace_id,
        title=script.title,
        topic=script.topic,
        tone=script.tone,
        language=script.language,
        target_seconds=script.target_seconds,
        scene_count=script.scene_count,
        status=script.status.value,
        current_version=script.current_version,
        finalized_version=script.finalized_version,
        source_script_id=script.source_script_id,
        favorite=favorite,
    )


def job_targets(uow: UnitOfWork, scripts: Select[Any]) -> dict[str, list[int]]:
    """What jobs can be queued on under these scripts (a select of their ids): the scripts,
    their screens and their renders, by target type."""
    return {
        "script": list(uow.session.scalars(scripts)),
        "screen": list(uow.session.scalars(select(Screen.id).where(Screen.script_id.in_(scripts)))),
        "render": list(uow.session.scalars(select(Render.id).where(Render.script_id.in_(scripts)))),
    }  # fmt: skip
