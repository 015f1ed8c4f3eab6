"""Images and voice-overs per screen: queued generation, and the worker side.

Every result is a content-addressed asset of the screen's workspace; an identical request
reuses the stored asset instead of calling the provider again, and a re-roll asks for a
new variant. The provider's answer is kept under the job's record before it is stored
(Task.paid_call), so no later failure makes a retry pay for it twice.
"""

from __future__ import annotations

import dataclasses

from core.access import Action
from core.errors import InvalidInput
from core.media.assets import Facts, cache_tag, cached_asset, request_key, store_asset
from core.media.probe import clock
from core.media.screen import load_screen
from core.providers.base import GeneratedImage, ImageRequest, SpeechAudio, VoiceRequest, WordTiming
from core.providers.registry import provider_label
from core.tasks.answers import Answer
from core.tasks.kinds import Task
from core.tasks.queue import TaskQueue
from core.tasks.records import JobView, submit_task
from core.uow import UnitOfWork
from core.workspaces.styles import workspace_style
from db.models import Asset, Screen, Script, Workspace

WORDS_PER_SECOND = 2.5  # a brisk narrator; an estimate above the limit is refused unpaid


def request_image(
    *,
    uow: UnitOfWork,
    queue: TaskQueue,
    user_id: int,
    screen_id: int,
    reroll: bool = False,
    batch_id: str = "",
) -> JobView:
    """Queue the screen's image; a re-roll asks for a different one than it has now."""
    return _request(uow, queue, user_id, screen_id, "screen.image", reroll, batch_id)


def request_voice(
    *,
    uow: UnitOfWork,
    queue: TaskQueue,
    user_id: int,
    screen_id: int,
    reroll: bool = False,
    batch_id: str = "",
) -> JobView:
    """Queue the screen's voice-over; `reroll` asks for a new take."""
    return _request(uow, queue, user_id, screen_id, "screen.voice", reroll, batch_id)


def _request(
    uow: UnitOfWork,
    queue: TaskQueue,
    user_id: int,
    screen_id: int,
    kind: str,
    reroll: bool,
    batch_id: str,
) -> JobView:
    with uow:
        screen, _ = load_screen(uow, screen_id, user_id=user_id, action=Action.RUN)
        current = screen.image_asset_id if kind == "screen.image" else screen.audio_asset_id
        variant = _current_variant(uow, current) + 1 if reroll else 0
    return submit_task(
        uow=uow, queue=queue, user_id=user_id, kind=kind, target_id=screen_id,
        params={"variant": variant}, batch_id=batch_id,
    )  # fmt: skip


def generate_image_body(task: Task) -> str:
    """Worker side of screen.image."""
    uow, files = task.uow, task.services.files
    screen, workspace = _job_screen(task)
    style = workspace_style(uow, workspace)
    width, height = style.size
    generator = task.services.providers.images(task.user_id, task.budget)
    request = ImageRequest(
        prompt=screen.visual_prompt,
        style=style.image_style,
        width=width,
        height=height,
        variant=int(task.record.params.get("variant", 0)),
    )
    params = dataclasses.asdict(request)
    key = request_key(cache_tag(generator), params)
    asset = cached_asset(uow, files, workspace.id, key)
    if asset is None:
        task.progress(10, f"Drawing the image ({provider_label(generator.name)})…")
        image = task.paid_call(
            lambda: generator.generate_image(request), dump=_dump_image, load=_load_image
        )
        task.progress(85, "Saving the image…")
        facts = Facts("image", image.mime, generator.name, params, key,
                      width=image.width, height=image.height)  # fmt: skip
        asset = store_asset(uow, files, workspace_id=workspace.id, data=image.data, facts=facts)
    screen.image_asset_id = asset.id
    uow.commit()
    return f"Image ready for screen {screen.position + 1}"


def generate_voice_body(task: Task) -> str:
    """Worker side of screen.voice: audio plus word timings for the captions."""
    uow, files, limit = task.uow, task.services.files, task.services.settings.max_voice_seconds
    screen, workspace = _job_screen(task)
    number = screen.position + 1
    if not screen.narration.strip():
        raise InvalidInput("The narration is empty: write something to speak.")
    if len(screen.narration.split()) / WORDS_PER_SECOND > limit:
        raise InvalidInput(_too_long(number, limit))
    script = uow.session.get(Script, screen.script_id)
    assert script is not None  # screens are deleted with their script
    style = workspace_style(uow, workspace)
    voice = task.services.providers.voice(task.user_id, task.budget)
    params = {
        "text": screen.narration,
        "language": script.language,
        "voice": style.voice,
        "model": style.voice_model,
        "variant": int(task.record.params.get("variant", 0)),
    }
    key = request_key(cache_tag(voice), params)
    asset = cached_asset(uow, files, workspace.id, key)
    words = list(asset.request.get("words") or []) if asset is not None else []
    if asset is None:
        task.progress(10, f"Recording the voice-over ({provider_label(voice.name)})…")
        request = VoiceRequest(
            text=screen.narration, language=script.language, voice=style.voice,
            model=style.voice_model,
        )  # fmt: skip
        speech = task.paid_call(
            lambda: voice.synthesize(request), dump=_dump_speech, load=_load_speech
        )
        if speech.duration > limit:
            raise InvalidInput(_too_long(number, limit))
        task.progress(85, "Saving the voice-over…")
        words = [{"word": w.word, "start": w.start, "end": w.end} for w in speech.words]
        facts = Facts("audio", speech.mime, voice.name, {**params, "words": words}, key,
                      duration=speech.duration)  # fmt: skip
        asset = store_asset(uow, files, workspace_id=workspace.id, data=speech.data, facts=facts)
    # Timings come from this narration, even when its audio equals an earlier asset's bytes.
    screen.audio_asset_id, screen.word_timings = asset.id, words
    screen.duration = asset.duration
    uow.commit()
    return f"Voice-over ready for screen {number}"


def _too_long(number: int, limit: float) -> str:
    return (
        f"The voice-over for screen {number} would be longer than {clock(limit)}, the most a "
        "screen may speak: shorten its narration, or split the scene in the script."
    )


def _job_screen(task: Task) -> tuple[Screen, Workspace]:
    # Who may run it was asked when it was queued; a queued job finishes its work.
    screen = task.uow.session.get(Screen, task.record.target_id)
    script = task.uow.session.get(Script, screen.script_id) if screen is not None else None
    workspace = task.uow.session.get(Workspace, script.workspace_id) if script else None
    if screen is None or workspace is None:
        raise task.gone("screen")
    return screen, workspace


def _current_variant(uow: UnitOfWork, asset_id: int | None) -> int:
    asset = uow.session.get(Asset, asset_id) if asset_id else None
    return int(asset.request.get("variant", 0)) if asset is not None else -1


def _dump_image(image: GeneratedImage) -> Answer:
    return {"mime": image.mime, "width": image.width, "height": image.height}, image.data


def _load_image(fields: dict[str, object], data: bytes) -> GeneratedImage:
    return GeneratedImage(
        data=data, mime=str(fields["mime"]), width=_int(fields["width"]),
        height=_int(fields["height"]),
    )  # fmt: skip


def _dump_speech(speech: SpeechAudio) -> Answer:
    words = [dataclasses.asdict(w) for w in speech.words]
    return {"mime": speech.mime, "duration": speech.duration, "words": words}, speech.data


def _load_speech(fields: dict[str, object], data: bytes) -> SpeechAudio:
    words = fields["words"]
    assert isinstance(words, list)
    return SpeechAudio(
        data=data,
        mime=str(fields["mime"]),
        duration=float(str(fields["duration"])),
        words=[WordTiming(str(w["word"]), float(w["start"]), float(w["end"])) for w in words],
    )


def _int(value: object) -> int:
    return int(str(value))
