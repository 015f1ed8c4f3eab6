"""Finalize: freeze the current version and split it into one screen per scene."""

from __future__ import annotations

from core import access
from core.access import Action
from core.errors import InvalidInput
from core.media.files import FileStore
from core.media.screen import ScreenView, screen_view, screens_of
from core.scripts.content import ScriptContent
from core.scripts.versions import current_content
from core.uow import UnitOfWork
from db.models import Screen, Script, ScriptStatus


def finalize_script(
    *, uow: UnitOfWork, files: FileStore, user_id: int, script_id: int
) -> list[ScreenView]:
    """Freeze the current version into screens; screens whose narration and visual did not
    change keep their image, voice and timings."""
    with uow:
        script = access.load(uow, Script, script_id, user_id=user_id, action=Action.EDIT)
        if script.current_version == 0:
            raise InvalidInput("This script has no scenes yet: generate or write it first.")
        _replace_screens(uow, script.id, current_content(uow, script))
        script.status = ScriptStatus.FINALIZED
        script.finalized_version = script.current_version
        uow.commit()
        return [screen_view(uow, files, s) for s in screens_of(uow, script.id)]


def _replace_screens(uow: UnitOfWork, script_id: int, content: ScriptContent) -> None:
    """Make the screens match the scenes. An unchanged scene keeps its screen row (its id,
    media and queued jobs); changed scenes get new rows; screens of removed scenes go."""
    unused: dict[tuple[str, str], list[Screen]] = {}
    for screen in screens_of(uow, script_id):
        unused.setdefault((screen.narration, screen.visual_prompt), []).append(screen)
        screen.position = -1 - screen.position  # out of the way of the new positions
    uow.session.flush()
    placed: list[tuple[int, Screen]] = []
    for position, scene in enumerate(content.scenes):
        matches = unused.get((scene.narration, scene.visual))
        if matches:
            placed.append((position, matches.pop(0)))
        else:
            row = Screen(script_id=script_id, position=-1000 - position,
                         narration=scene.narration, visual_prompt=scene.visual)  # fmt: skip
            uow.session.add(row)
            placed.append((position, row))
    for leftover in (s for rows in unused.values() for s in rows):
        uow.session.delete(leftover)
    uow.session.flush()
    for position, row in placed:
        row.position = position
    uow.session.flush()
