"""Bad media input gets a clear message and changes nothing; good uploads are accepted.

"Nothing changed" is checked on what a user would see: the screens' images and voices, the
stored assets, the files under the media root, the script's versions and the job list.
"""

from __future__ import annotations

import io
import math
import random
import struct
import wave
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import func, select

from core import batch, generation, ideas, media, screens, scripts, tasks
from core.bootstrap import Services
from core.errors import InvalidInput, NotFound
from core.models import UserView
from db.models import Asset, JobRecord, Screen
from tests.fakes import FakeQueue

GB = 1024**3


@dataclass(frozen=True)
class Script:
    id: int
    screen_ids: list[int]


def make_script(services: Services, queue: FakeQueue, user: UserView, title: str) -> Script:
    """A finalized offline script with three screens."""
    uow = services.uow
    idea = ideas.create_idea(uow=uow(), user_id=user.id, title=title)
    ws = ideas.execute_idea(uow=uow(), user_id=user.id, idea_id=idea.id)
    script = scripts.create_script(
        uow=uow(), user_id=user.id, workspace_id=ws.id, topic=title, scene_count=3
    )
    generation.request_generation(uow=uow(), queue=queue, user_id=user.id, script_id=script.id)
    queue.run_all(services)
    made = screens.finalize_script(uow=uow(), user_id=user.id, script_id=script.id)
    return Script(id=script.id, screen_ids=[s.id for s in made])


@pytest.fixture
def script(services: Services, fake_queue: FakeQueue, alice: UserView) -> Script:
    return make_script(services, fake_queue, alice, "Octopus minds")


def screen_row(services: Services, screen_id: int) -> Screen:
    with services.uow() as uow:
        screen = uow.session.get(Screen, screen_id)
        assert screen is not None
        uow.session.expunge(screen)
        return screen


def state(services: Services, user: UserView, script_id: int) -> tuple[Any, ...]:
    """Everything a refused request must leave as it was."""
    uow = services.uow
    root = services.files.root
    with uow() as u:
        assets = u.session.scalar(select(func.count(Asset.id)))
        jobs = u.session.scalar(select(func.count(JobRecord.id)))
        rows = u.session.scalars(
            select(Screen).where(Screen.script_id == script_id).order_by(Screen.position)
        )
        media_ids = [
            (s.id, s.narration, s.image_asset_id, s.audio_asset_id, s.word_timings, s.duration)
            for s in rows
        ]
    return (
        media_ids,
        assets,
        jobs,
        sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()),
        [v.number for v in scripts.list_versions(uow=uow(), user_id=user.id, script_id=script_id)],
    )


@contextmanager
def refused(
    services: Services, user: UserView, script_id: int, error: type[Exception], words: list[str]
) -> Iterator[None]:
    """Expect `error` whose message holds every one of `words`, and no change at all."""
    before = state(services, user, script_id)
    with pytest.raises(error) as info:
        yield
    message = str(info.value)
    missing = [w for w in words if w not in message]
    assert not missing, f"{missing} not in the message {message!r}"
    assert state(services, user, script_id) == before


class HugeUpload(io.RawIOBase):
    """A `size`-byte upload of zeros that is produced lazily as it is read."""

    def __init__(self, size: int) -> None:
        self.remaining = size
        self.served = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            raise AssertionError("the whole upload was read into memory")
        chunk = min(size, self.remaining)
        self.remaining -= chunk
        self.served += chunk
        return b"\0" * chunk


def png_upload(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def tone_wav(seconds: float = 1.0, rate: int = 44_100, hz: float = 440.0) -> bytes:
    frames = b"".join(
        struct.pack("<h", round(12_000 * math.sin(2 * math.pi * hz * i / rate)))
        for i in range(round(seconds * rate))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as track:
        track.setnchannels(1)
        track.setsampwidth(2)
        track.setframerate(rate)
        track.writeframes(frames)
    return out.getvalue()


# --- uploads -------------------------------------------------------------------------------


def test_text_file_named_png_is_refused(
    services: Services, alice: UserView, script: Script
) -> None:
    with refused(services, alice, script.id, InvalidInput, ["not a readable image"]):
        media.upload_image(
            uow=services.uow(),
            files=services.files,
            user_id=alice.id,
            screen_id=script.screen_ids[0],
            stream=io.BytesIO(b"hello"),
        )


@pytest.mark.parametrize(
    ("upload", "limit"),
    [(media.upload_image, media.MAX_IMAGE_BYTES), (media.upload_audio, media.MAX_AUDIO_BYTES)],
    ids=["image", "audio"],
)
def test_one_gigabyte_upload_is_refused_without_reading_it_all(
    services: Services,
    alice: UserView,
    script: Script,
    upload: Callable[..., Any],
    limit: int,
) -> None:
    stream = HugeUpload(GB)
    words = ["too large", f"at most {limit // (1024 * 1024)} MB"]
    with refused(services, alice, script.id, InvalidInput, words):
        upload(
            uow=services.uow(),
            files=services.files,
            user_id=alice.id,
            screen_id=script.screen_ids[0],
            stream=stream,
        )
    assert stream.served <= limit + 1


def test_random_bytes_named_mp3_are_refused(
    services: Services, alice: UserView, script: Script
) -> None:
    noise = random.Random(7).randbytes(200_000)
    with refused(services, alice, script.id, InvalidInput, ["MP3, WAV or M4A"]):
        media.upload_audio(
            uow=services.uow(),
            files=services.files,
            user_id=alice.id,
            screen_id=script.screen_ids[0],
            stream=io.BytesIO(noise),
        )


def test_a_real_wav_upload_becomes_the_voice_with_its_duration(
    services: Services, alice: UserView, script: Script
) -> None:
    data = tone_wav(1.0)
    view = media.upload_audio(
        uow=services.uow(),
        files=services.files,
        user_id=alice.id,
        screen_id=script.screen_ids[1],
        stream=io.BytesIO(data),
    )
    assert view.audio_asset_id is not None
    with services.uow() as uow:
        asset = uow.session.get(Asset, view.audio_asset_id)
        assert asset is not None
        assert (asset.kind, asset.mime, asset.size, asset.provider) == (
            "audio",
            "audio/wav",
            len(data),
            "upload",
        )
        assert asset.duration is not None and abs(asset.duration - 1.0) < 0.05
        duration = asset.duration
    row = screen_row(services, script.screen_ids[1])
    assert (row.audio_asset_id, row.duration, row.word_timings) == (
        view.audio_asset_id,
        duration,
        None,
    )
    stored = [p for p in services.files.root.rglob("*.wav")]
    assert [p.read_bytes() for p in stored] == [data]


def test_a_real_png_upload_becomes_the_image_with_its_size(
    services: Services, alice: UserView, script: Script
) -> None:
    data = png_upload(640, 360)
    view = media.upload_image(
        uow=services.uow(),
        files=services.files,
        user_id=alice.id,
        screen_id=script.screen_ids[2],
        stream=io.BytesIO(data),
    )
    assert view.image_asset_id is not None and view.audio_asset_id is None
    with services.uow() as uow:
        asset = uow.session.get(Asset, view.image_asset_id)
        assert asset is not None
        assert (asset.kind, asset.mime, asset.width, asset.height, asset.size) == (
            "image",
            "image/png",
            640,
            360,
            len(data),
        )
    assert screen_row(services, script.screen_ids[2]).image_asset_id == view.image_asset_id
    stored = [p for p in services.files.root.rglob("*.png")]
    assert [p.read_bytes() for p in stored] == [data]


# --- edits ---------------------------------------------------------------------------------


@pytest.mark.parametrize("narration", ["", "   \n "], ids=["empty", "blank"])
def test_empty_narration_is_refused_and_nothing_changes(
    services: Services, alice: UserView, script: Script, narration: str
) -> None:
    row = screen_row(services, script.screen_ids[0])
    with refused(services, alice, script.id, InvalidInput, ["Narration", "must not be empty"]):
        media.update_screen(
            uow=services.uow(),
            user_id=alice.id,
            screen_id=row.id,
            narration=narration,
            visual=row.visual_prompt,
        )
    assert screen_row(services, row.id).narration == row.narration


def test_new_narration_lets_the_voice_go_keeps_the_image_and_adds_a_version(
    services: Services, fake_queue: FakeQueue, alice: UserView, script: Script
) -> None:
    screen_id = script.screen_ids[0]
    for request in (media.request_image, media.request_voice):
        request(uow=services.uow(), queue=fake_queue, user_id=alice.id, screen_id=screen_id)
    fake_queue.run_all(services)
    before = screen_row(services, screen_id)
    assert before.image_asset_id is not None and before.audio_asset_id is not None
    versions = scripts.list_versions(uow=services.uow(), user_id=alice.id, script_id=script.id)

    media.update_screen(
        uow=services.uow(),
        user_id=alice.id,
        screen_id=screen_id,
        narration="Octopuses taste with their arms.",
        visual=before.visual_prompt,
    )

    after = screen_row(services, screen_id)
    assert after.narration == "Octopuses taste with their arms."
    assert (after.audio_asset_id, after.word_timings, after.duration) == (None, None, None)
    assert after.image_asset_id == before.image_asset_id
    now = scripts.list_versions(uow=services.uow(), user_id=alice.id, script_id=script.id)
    assert len(now) == len(versions) + 1
    assert now[0].content.scenes[0].narration == "Octopuses taste with their arms."
    assert now[0].content.scenes[1:] == versions[0].content.scenes[1:]
    # The script stays finalized at the new version: batch generate keeps working.
    progress = batch.media_progress(uow=services.uow(), user_id=alice.id, script_id=script.id)
    assert (progress.screens[0].image, progress.screens[0].voice) == ("done", "missing")
    assert scripts.get_script(
        uow=services.uow(), user_id=alice.id, script_id=script.id
    ).finalized_version == (now[0].number)


def test_media_progress_of_a_draft_says_to_finalize_first(
    services: Services, fake_queue: FakeQueue, alice: UserView
) -> None:
    idea = ideas.create_idea(uow=services.uow(), user_id=alice.id, title="Draft")
    ws = ideas.execute_idea(uow=services.uow(), user_id=alice.id, idea_id=idea.id)
    draft = scripts.create_script(
        uow=services.uow(), user_id=alice.id, workspace_id=ws.id, topic="draft", scene_count=2
    )
    generation.request_generation(
        uow=services.uow(), queue=fake_queue, user_id=alice.id, script_id=draft.id
    )
    fake_queue.run_all(services)
    with pytest.raises(InvalidInput, match="Finalize the script first"):
        batch.media_progress(uow=services.uow(), user_id=alice.id, script_id=draft.id)
    with refused(services, alice, draft.id, InvalidInput, ["Finalize the script first"]):
        batch.request_batch(
            uow=services.uow(), queue=fake_queue, user_id=alice.id, script_id=draft.id
        )
    assert fake_queue.queued == []


# --- jobs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "request_media", [media.request_image, media.request_voice], ids=["image", "voice"]
)
def test_a_job_for_another_users_screen_is_not_found_and_not_recorded(
    services: Services,
    fake_queue: FakeQueue,
    alice: UserView,
    bob: UserView,
    script: Script,
    request_media: Callable[..., Any],
) -> None:
    with refused(services, alice, script.id, NotFound, ["was not found"]):
        request_media(
            uow=services.uow(), queue=fake_queue, user_id=bob.id, screen_id=script.screen_ids[0]
        )
    assert fake_queue.queued == []
    assert tasks.list_jobs(uow=services.uow(), user_id=bob.id) == []


def test_an_upload_to_another_users_screen_is_not_found_and_not_stored(
    services: Services, alice: UserView, bob: UserView, script: Script
) -> None:
    with refused(services, alice, script.id, NotFound, ["was not found"]):
        media.upload_image(
            uow=services.uow(),
            files=services.files,
            user_id=bob.id,
            screen_id=script.screen_ids[0],
            stream=io.BytesIO(png_upload(64, 64)),
        )


def _refinalize_with_a_new_first_narration(services: Services, user: UserView, sid: int) -> None:
    current = scripts.get_version(uow=services.uow(), user_id=user.id, script_id=sid)
    content = current.content.model_copy(deep=True)
    content.scenes[0].narration = "A brand new opening line."
    scripts.save_version(
        uow=services.uow(),
        user_id=user.id,
        script_id=sid,
        content=content,
        base_version=current.number,
    )
    screens.finalize_script(uow=services.uow(), user_id=user.id, script_id=sid)


def _delete(services: Services, user: UserView, sid: int) -> None:
    scripts.delete_script(uow=services.uow(), user_id=user.id, script_id=sid)


@pytest.mark.parametrize(
    "remove",
    [_refinalize_with_a_new_first_narration, _delete],
    ids=["screen-replaced", "script-deleted"],
)
def test_a_job_whose_screen_was_deleted_fails_and_the_others_still_run(
    services: Services,
    fake_queue: FakeQueue,
    alice: UserView,
    script: Script,
    remove: Callable[[Services, UserView, int], None],
) -> None:
    other = make_script(services, fake_queue, alice, "Coral reefs")
    uow = services.uow
    orphan = media.request_image(
        uow=uow(), queue=fake_queue, user_id=alice.id, screen_id=script.screen_ids[0]
    )
    fine = [
        media.request_image(
            uow=uow(), queue=fake_queue, user_id=alice.id, screen_id=other.screen_ids[0]
        ),
        media.request_voice(
            uow=uow(), queue=fake_queue, user_id=alice.id, screen_id=other.screen_ids[0]
        ),
    ]
    remove(services, alice, script.id)

    fake_queue.run_all(services)  # the worker must not crash on the orphan

    failed = tasks.get_job(uow=uow(), user_id=alice.id, job_id=orphan.id)
    assert failed.status == "failed" and "deleted" in failed.error
    for job in fine:
        assert tasks.get_job(uow=uow(), user_id=alice.id, job_id=job.id).status == "succeeded"
    done = screen_row(services, other.screen_ids[0])
    assert done.image_asset_id is not None and done.audio_asset_id is not None


def test_refinalizing_keeps_the_jobs_of_unchanged_screens(
    services: Services, fake_queue: FakeQueue, alice: UserView, script: Script
) -> None:
    job = media.request_image(
        uow=services.uow(), queue=fake_queue, user_id=alice.id, screen_id=script.screen_ids[1]
    )
    _refinalize_with_a_new_first_narration(services, alice, script.id)  # scene 2 is unchanged
    fake_queue.run_all(services)
    assert tasks.get_job(uow=services.uow(), user_id=alice.id, job_id=job.id).status == (
        "succeeded"
    )
    progress = batch.media_progress(uow=services.uow(), user_id=alice.id, script_id=script.id)
    assert progress.screens[1].image == "done"
