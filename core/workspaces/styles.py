"""Style presets: the look and voice a workspace's screens share."""

from __future__ import annotations

from dataclasses import dataclass

from core import access
from core.access import Action
from core.accounts.keys import Providers
from core.accounts.preferences import DEFAULT_STYLE, Preferences, preferences_of
from core.errors import InvalidInput
from core.providers.base import VoiceOption
from core.uow import UnitOfWork
from db.models import StylePreset, Workspace

ASPECTS: dict[str, tuple[int, int]] = {
    "9:16": (1080, 1920),
    "16:9": (1920, 1080),
    "1:1": (1080, 1080),
}


@dataclass(frozen=True)
class StyleView:
    aspect: str
    image_style: str
    voice: str
    voice_model: str

    @property
    def size(self) -> tuple[int, int]:
        return ASPECTS[self.aspect]


def saved_preset(uow: UnitOfWork, workspace: Workspace) -> StylePreset | None:
    """The workspace's preset, if it has one yet (reading never creates one)."""
    if workspace.style_preset_id is None:
        return None
    return uow.session.get(StylePreset, workspace.style_preset_id)


def workspace_style(uow: UnitOfWork, workspace: Workspace) -> StyleView:
    """The style the workspace's new media use: its preset's, or the defaults."""
    preset = saved_preset(uow, workspace)
    if preset is None:
        return StyleView(aspect="9:16", image_style=DEFAULT_STYLE, voice="", voice_model="")
    return style_view(preset)


def preset_for(uow: UnitOfWork, workspace: Workspace) -> StylePreset:
    """The workspace's preset, created with defaults the first time it is changed."""
    preset = saved_preset(uow, workspace)
    if preset is not None:
        return preset
    preset = StylePreset(
        user_id=workspace.user_id, name=f"{workspace.title[:60]} style", image_style=DEFAULT_STYLE
    )
    uow.session.add(preset)
    uow.session.flush()
    workspace.style_preset_id = preset.id
    return preset


def new_workspace(uow: UnitOfWork, *, user_id: int, title: str, description: str) -> Workspace:
    """A workspace (flushed, not committed) whose style starts from its maker's defaults."""
    prefs: Preferences = preferences_of(uow, user_id)
    workspace = Workspace(user_id=user_id, title=title, description=description)
    uow.session.add(workspace)
    uow.session.flush()
    preset = preset_for(uow, workspace)
    preset.aspect, preset.image_style, preset.voice = prefs.aspect, prefs.image_style, prefs.voice
    return workspace


def style_view(preset: StylePreset) -> StyleView:
    return StyleView(
        aspect=preset.aspect if preset.aspect in ASPECTS else "9:16",
        image_style=preset.image_style,
        voice=preset.voice,
        voice_model=preset.voice_model,
    )


def get_workspace_style(*, uow: UnitOfWork, user_id: int, workspace_id: int) -> StyleView:
    with uow:
        workspace = access.load(uow, Workspace, workspace_id, user_id=user_id, action=Action.VIEW)
        return workspace_style(uow, workspace)


def update_workspace_style(
    *,
    uow: UnitOfWork,
    user_id: int,
    workspace_id: int,
    aspect: str,
    image_style: str,
    voice: str = "",
    voice_model: str = "",
) -> StyleView:
    """Change the aspect, image style and voice the workspace's new media will use."""
    if aspect not in ASPECTS:
        raise InvalidInput(f"Aspect must be one of {', '.join(ASPECTS)}.")
    if len(image_style) > 500:
        raise InvalidInput("The image style is too long (at most 500 characters).")
    with uow:
        workspace = access.load(uow, Workspace, workspace_id, user_id=user_id, action=Action.EDIT)
        preset = preset_for(uow, workspace)
        preset.aspect, preset.image_style = aspect, image_style.strip()
        preset.voice, preset.voice_model = voice.strip()[:120], voice_model.strip()[:80]
        uow.commit()
        return style_view(preset)


def voice_choices(*, providers: Providers, user_id: int) -> list[VoiceOption]:
    """The voices the user's voice provider offers (their ElevenLabs account, or eSpeak)."""
    return providers.voice(user_id).list_voices()
