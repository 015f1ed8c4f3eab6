"""Whether a rendered video still shows its script: the screens, their media, the music
and the language the render was made from, compared by fingerprint with what they are now.

A video is never hidden because its script changed: the page keeps playing and offering
it, marked out of date, until a new render replaces it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import ValidationError

from core import access
from core.access import Action
from core.errors import InvalidInput
from core.media.files import FileStore
from core.render.spec import ExportSettings, Renderer
from core.uow import UnitOfWork
from core.video.inputs import fingerprint, render_input
from db.models import Render, Script, ScriptStatus


@dataclass(frozen=True)
class Freshness:
    current: bool
    reason: str  # why the video is out of date; "" when it is current
    can_rerender: bool  # the script is finalized and every screen has its media
    fix_on: str = ""  # the page where it can be brought up to date: "script" or "screens"


def video_freshness(
    *, uow: UnitOfWork, files: FileStore, renderer: Renderer, user_id: int, render_id: int
) -> Freshness:
    """Whether the render's video still matches its script's screens and media."""
    with uow:
        render = access.load(uow, Render, render_id, user_id=user_id, action=Action.VIEW)
        script = uow.session.get(Script, render.script_id)
        if script is None or not render.input_fingerprint:
            return Freshness(True, "", False)  # made before fingerprints: nothing to compare
        if script.status != ScriptStatus.FINALIZED:
            why = "The script was edited after this video. Finalize it again to re-render."
            return Freshness(False, why, False, "script")
        made_from = render.input_fingerprint
        try:
            settings = ExportSettings.model_validate(render.settings)
            now = fingerprint(renderer, render_input(uow, files, script, settings))
        except (InvalidInput, ValidationError):
            why = "Some screens changed and are missing their image or voice-over."
            return Freshness(False, why, False, "screens")
    if now == made_from:
        return Freshness(True, "", False)
    return Freshness(False, "Screens changed since this video was rendered.", True)
