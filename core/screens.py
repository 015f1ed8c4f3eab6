"""Finalize: freeze the current version and split it into one screen per scene."""

from __future__ import annotations

from sqlalchemy import select

from core.errors import InvalidInput
from core.models import ScreenView, ScriptContent
from core.ownership import load_owned
from core.uow import UnitOfWork
from db.models import Screen, Script, ScriptStatus, ScriptVersion


def finalize_script(*, uow: UnitOfWork, user_id: int, script_id: int) -> list[ScreenView]:
    """Freeze the current version into screens; screens whose narration and visual did not
    change keep their image, voice and timings."""
    with uow:
        script = load_owned(uow, Script, script_id, user_id, "Script")
        if script.current_version == 0:
            raise InvalidInput("This script has no scenes yet: generate or write it first.")
        version = uow.session.scalar(
            select(ScriptVersion).where(
                ScriptVersion.script_id == script.id,
                ScriptVersion.number == script.current_version,
            )
        )
        assert version is not None  # current_version always points at a stored version
        content = ScriptContent.model_validate(version.content)
        _replace_screens(uow, script.id, content)
        script.status = ScriptStatus.FINALIZED
        script.finalized_version = script.current_version
        uow.commit()
        return [screen_view(s) for s in _screens(uow, script.id)]


def _replace_screens(uow: UnitOfWork, script_id: int, content: ScriptContent) -> None:
    """Make the screens match the scenes. An unchanged scene keeps its screen row (its id,
    media and queued jobs); changed scenes get new rows; screens of removed scenes go."""
    unused: dict[tuple[str, str], list[Screen]] = {}
    for screen in _screens(uow, script_id):
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


def list_screens(*, uow: UnitOfWork, user_id: int, script_id: int) -> list[ScreenView]:
    """The screens of a finalized script, in order."""
    with uow:
        load_owned(uow, Script, script_id, user_id, "Script")
        return [screen_view(s) for s in _screens(uow, script_id)]


def _screens(uow: UnitOfWork, script_id: int) -> list[Screen]:
    return list(
        uow.session.scalars(
            select(Screen).where(Screen.script_id == script_id).order_by(Screen.position)
        )
    )


def screen_view(screen: Screen) -> ScreenView:
    return ScreenView(
        id=screen.id,
        position=screen.position,
        narration=screen.narration,
        visual_prompt=screen.visual_prompt,
        image_asset_id=screen.image_asset_id,
        audio_asset_id=screen.audio_asset_id,
    )
