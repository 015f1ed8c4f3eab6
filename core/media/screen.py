"""The screens of a finalized script: reading and editing them, and the one rule for
"does this screen have its media?" (its asset exists and so does the asset's file), which
the screen cards, Batch, the render request and the render inputs all use."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel
from sqlalchemy import select

from core import access
from core.access import Action
from core.errors import InvalidInput
from core.media.assets import asset_file
from core.media.files import FileStore
from core.scripts.content import Scene
from core.scripts.versions import add_version, current_content
from core.uow import UnitOfWork
from db.models import Screen, Script, VersionSource


class ScreenView(BaseModel):
    id: int
    position: int  # 0-based; people see position + 1
    narration: str
    visual_prompt: str
    image: Path | None  # the image file, None when there is none or its file is gone
    audio: Path | None  # likewise the voice-over
    duration: float | None  # seconds of voice-over


def screens_of(uow: UnitOfWork, script_id: int) -> list[Screen]:
    """The script's screens in order (inside the caller's transaction)."""
    query = select(Screen).where(Screen.script_id == script_id).order_by(Screen.position)
    return list(uow.session.scalars(query))


def screen_view(uow: UnitOfWork, files: FileStore, screen: Screen) -> ScreenView:
    return ScreenView(
        id=screen.id,
        position=screen.position,
        narration=screen.narration,
        visual_prompt=screen.visual_prompt,
        image=asset_file(uow, files, screen.image_asset_id),
        audio=asset_file(uow, files, screen.audio_asset_id),
        duration=screen.duration,
    )


def list_screens(
    *, uow: UnitOfWork, files: FileStore, user_id: int, script_id: int
) -> list[ScreenView]:
    """The screens of a finalized script, in order, with the media files they have."""
    with uow:
        access.load(uow, Script, script_id, user_id=user_id, action=Action.VIEW)
        return [screen_view(uow, files, s) for s in screens_of(uow, script_id)]


def load_screen(
    uow: UnitOfWork, screen_id: int, *, user_id: int, action: Action
) -> tuple[Screen, Script]:
    """A screen and its script, if the user may do `action` on it; else NotFound."""
    screen = access.load(uow, Screen, screen_id, user_id=user_id, action=action)
    script = uow.session.get(Script, screen.script_id)
    assert script is not None  # screens are deleted with their script
    return screen, script


def require_media(screens: list[ScreenView]) -> None:
    """Refuse, naming the screens, when any lacks its voice-over or image (or its file)."""
    if not screens:
        raise InvalidInput("This script has no screens yet: finalize it first.")
    lacks: dict[str, list[int]] = {}  # each screen named once, under all it lacks
    for s in screens:
        what = " and no ".join(
            part for part, gone in (("image", s.image is None), ("voice-over", s.audio is None))
            if gone
        )  # fmt: skip
        if what:
            lacks.setdefault(what, []).append(s.position + 1)
    gaps = [f"{screens_phrase(numbers)} no {what}" for what, numbers in lacks.items()]
    if gaps:
        message = "; ".join(gaps)
        raise InvalidInput(f"{message[0].upper()}{message[1:]}. Generate them first.")


def screens_phrase(numbers: list[int]) -> str:
    """[2] → "screen 2 has"; [3, 5, 7] → "screens 3, 5 and 7 have"."""
    if len(numbers) == 1:
        return f"screen {numbers[0]} has"
    listed = ", ".join(str(n) for n in numbers[:-1])
    return f"screens {listed} and {numbers[-1]} have"


def update_screen(
    *,
    uow: UnitOfWork,
    files: FileStore,
    user_id: int,
    screen_id: int,
    narration: str,
    visual: str,
) -> ScreenView:
    """Edit a screen's narration or visual; media that no longer match are let go, and the
    script gets the change as a new version."""
    try:
        scene = Scene(narration=narration, visual=visual)
    except ValueError as exc:
        raise InvalidInput("Narration and visual must not be empty.") from exc
    with uow:
        screen, script = load_screen(uow, screen_id, user_id=user_id, action=Action.EDIT)
        if scene.narration != screen.narration:
            screen.narration = scene.narration
            screen.audio_asset_id, screen.word_timings, screen.duration = None, None, None
        if scene.visual != screen.visual_prompt:
            screen.visual_prompt, screen.image_asset_id = scene.visual, None
        status = script.status
        content = current_content(uow, script)
        content.scenes[screen.position] = scene
        version = add_version(
            uow, script, content, VersionSource.EDITED, f"Edited screen {screen.position + 1}"
        )
        # add_version makes a draft; a finalized script stays finalized (its screens are this
        # new version), so batch generate and the screens page keep working after an edit.
        script.finalized_version, script.status = version.number, status
        uow.commit()
        return screen_view(uow, files, screen)
