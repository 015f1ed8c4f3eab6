"""Bad media input gets a clear message and changes nothing; good uploads are accepted.

"Nothing changed" is checked on what a user would see: the screens' images and voices, the
stored assets, the files under the media root, the script's versions and the job list.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from core.accounts.users import UserView
from core.bootstrap import Services
from core.errors import InvalidInput, NotFound
from core.media.batch import media_progress, request_batch
from core.media.generate import request_image, request_voice
from core.media.screen import update_screen
from core.media.uploads import MAX_AUDIO_BYTES, MAX_IMAGE_BYTES, upload_audio, upload_image
from core.scripts.finalize import finalize_script
from core.scripts.script import create_script, delete_script, get_script
from core.scripts.versions import get_version, list_versions, save_version
from core.scripts.writing import request_generation
from core.tasks.records import get_job, list_jobs
from core.workspaces.ideas import create_idea, execute_idea
from db.models import Asset, JobRecord, Screen
from tests.fakes import FakeQueue
from tests.helpers import png_upload, tone_wav

GB = 1024**3


@dataclass(frozen=True)
class Script:
    id: int
    screen_ids: list[int]


def make_script(services: Services, queue: FakeQueue, user: UserView, title: str) -> Script:
    """A finalized offline script with three screens."""
    uow = services.uow
    idea = create_idea(uow=uow(), user_id=user.id, title=title)
    ws = execute_idea(uow=uow(), user_id=user.id, idea_id=idea.id)
    script = create_script(
        uow=uow(), user_id=user.id, workspace_id=ws.id, topic=title, scene_count=3
    )
    request_generation(uow=uow(), queue=queue, user_id=user.id, script_id=script.id)
    queue.run_all(services)
    made = finalize_script(uow=uow(), files=services.files, user_id=user.id, script_id=script.id)
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
        [v.number for v in list_versions(uow=uow(), user_id=user.id, script_id=script_id)],
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


# --- uploads -------------------------------------------------------------------------------


def test_text_file_named_png_is_refused(
    services: Services, alice: UserView, script: Script
) -> None:
    with refused(services, alice, script.id, InvalidInput, ["not a readable image"]):
        upload_image(
            uow=services.uow(),
            files=services.files,
            user_id=alice.id,
            screen_id=script.screen_ids[0],
            stream=io.BytesIO(b"hello"),
        )


@pytest.mark.parametrize(
    ("upload", "limit"),
    [(upload_image, MAX_IMAGE_BYTES), (upload_audio, MAX_AUDIO_BYTES)],
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
    extra = {"settings": services.settings} if upload is upload_audio else {}
    with refused(services, alice, script.id, InvalidInput, words):
        upload(
            uow=services.uow(),
            files=services.files,
            user_id=alice.id,
            screen_id=script.screen_ids[0],
            stream=stream,
            **extra,
        )
    assert stream.served <= limit + 1


def test_random_bytes_named_mp3_are_refused(
    services: Services, alice: UserView, script: Script
) -> None:
    noise = random.Random(7).randbytes(200_000)
    with refused(
        services, alice, script.id, InvalidInput, ["could not be read as audio", "MP3, WAV or M4A"]
    ):
        upload_audio(
            settings=services.settings,
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
    view = upload_audio(
        settings=services.settings,
        uow=services.uow(),
        files=services.files,
        user_id=alice.id,
        screen_id=script.screen_ids[1],
        stream=io.BytesIO(data),
    )
    row = screen_row(services, script.screen_ids[1])
    assert view.audio is not None and row.audio_asset_id is not None
    with services.uow() as uow:
        asset = uow.session.get(Asset, row.audio_asset_id)
        assert asset is not None
        assert (asset.kind, asset.mime, asset.size, asset.provider) == (
            "audio",
            "audio/wav",
            len(data),
            "upload",
        )
        assert asset.duration is not None and abs(asset.duration - 1.0) < 0.05
        duration = asset.duration
    assert (row.duration, row.word_timings, view.duration) == (duration, None, duration)
    stored = [p for p in services.files.root.rglob("*.wav")]
    assert [p.read_bytes() for p in stored] == [data]


def test_a_real_png_upload_becomes_the_image_with_its_size(
    services: Services, alice: UserView, script: Script
) -> None:
    data = png_upload(640, 360)
    view = upload_image(
        uow=services.uow(),
        files=services.files,
        user_id=alice.id,
        screen_id=script.screen_ids[2],
        stream=io.BytesIO(data),
    )
    row = screen_row(services, script.screen_ids[2])
    assert view.image is not None and view.audio is None and row.image_asset_id is not None
    with services.uow() as uow:
        asset = uow.session.get(Asset, row.image_asset_id)
        assert asset is not None
        assert (asset.kind, asset.mime, asset.width, asset.height, asset.size) == (
            "image",
            "image/png",
            640,
            360,
            len(data),
        )
    assert view.image.read_bytes() == data
    stored = [p for p in services.files.root.rglob("*.png")]
    assert [p.read_bytes() for p in stored] == [data]


# --- edits ---------------------------------------------------------------------------------


@pytest.mark.parametrize("narration", ["", "   \n "], ids=["empty", "blank"])
def test_empty_narration_is_refused_and_nothing_changes(
    services: Services, alice: UserView, script: Script, narration: str
) -> None:
    row = screen_row(services, script.screen_ids[0])
    with refused(services, alice, script.id, InvalidInput, ["Narration", "must not be empty"]):
        update_screen(
            uow=services.uow(),
            files=services.files,
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
    for request in (request_image, request_voice):
        request(uow=services.uow(), queue=fake_queue, user_id=alice.id, screen_id=screen_id)
    fake_queue.run_all(services)
    before = screen_row(services, screen_id)
    assert before.image_asset_id is not None and before.audio_asset_id is not None
    versions = list_versions(uow=services.uow(), user_id=alice.id, script_id=script.id)

    update_screen(
        uow=services.uow(),
        files=services.files,
        user_id=alice.id,
        screen_id=screen_id,
        narration="Octopuses taste with their arms.",
        visual=before.visual_prompt,
    )

    after = screen_row(services, screen_id)
    assert after.narration == "Octopuses taste with their arms."
    assert (after.audio_asset_id, after.word_timings, after.duration) == (None, None, None)
    assert after.image_asset_id == before.image_asset_id
    now = list_versions(uow=services.uow(), user_id=alice.id, script_id=script.id)
    assert len(now) == len(versions) + 1
    assert now[0].content.scenes[0].narration == "Octopuses taste with their arms."
    assert now[0].content.scenes[1:] == versions[0].content.scenes[1:]
    # The script stays finalized at the new version: batch generate keeps working.
    progress = media_progress(
        uow=services.uow(), files=services.files, user_id=alice.id, script_id=script.id
    )
    assert (progress.screens[0].image, progress.screens[0].voice) == ("done", "missing")
    assert get_script(
        uow=services.uow(), user_id=alice.id, script_id=script.id
    ).finalized_version == (now[0].number)


def test_media_progress_of_a_draft_says_to_finalize_first(
    services: Services, fake_queue: FakeQueue, alice: UserView
) -> None:
    idea = create_idea(uow=services.uow(), user_id=alice.id, title="Draft")
    ws = execute_idea(uow=services.uow(), user_id=alice.id, idea_id=idea.id)
    draft = create_script(
        uow=services.uow(), user_id=alice.id, workspace_id=ws.id, topic="draft", scene_count=2
    )
    request_generation(uow=services.uow(), queue=fake_queue, user_id=alice.id, script_id=draft.id)
    fake_queue.run_all(services)
    with pytest.raises(InvalidInput, match="Finalize the script first"):
        media_progress(
            uow=services.uow(), files=services.files, user_id=alice.id, script_id=draft.id
        )
    with refused(services, alice, draft.id, InvalidInput, ["Finalize the script first"]):
        request_batch(
            uow=services.uow(),
            files=services.files,
            queue=fake_queue,
            user_id=alice.id,
            script_id=draft.id,
        )
    assert fake_queue.queued == []


# --- jobs ----------------------------------------------------------------------------------


@pytest.mark.parametrize("request_media", [request_image, request_voice], ids=["image", "voice"])
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
    assert list_jobs(uow=services.uow(), user_id=bob.id) == []


def test_an_upload_to_another_users_screen_is_not_found_and_not_stored(
    services: Services, alice: UserView, bob: UserView, script: Script
) -> None:
    with refused(services, alice, script.id, NotFound, ["was not found"]):
        upload_image(
            uow=services.uow(),
            files=services.files,
            user_id=bob.id,
            screen_id=script.screen_ids[0],
            stream=io.BytesIO(png_upload(64, 64)),
        )


def _refinalize_with_a_new_first_narration(services: Services, user: UserView, sid: int) -> None:
    current = get_version(uow=services.uow(), user_id=user.id, script_id=sid)
    content = current.content.model_copy(deep=True)
    content.scenes[0].narration = "A brand new opening line."
    save_version(
        uow=services.uow(),
        user_id=user.id,
        script_id=sid,
        content=content,
        base_version=current.number,
    )
    finalize_script(uow=services.uow(), files=services.files, user_id=user.id, script_id=sid)


def _delete(services: Services, user: UserView, sid: int) -> None:
    delete_script(
        uow=services.uow(),
        files=services.files,
        queue=services.queue,
        user_id=user.id,
        script_id=sid,
    )


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
    orphan = request_image(
        uow=uow(), queue=fake_queue, user_id=alice.id, screen_id=script.screen_ids[0]
    )
    fine = [
        request_image(uow=uow(), queue=fake_queue, user_id=alice.id, screen_id=other.screen_ids[0]),
        request_voice(uow=uow(), queue=fake_queue, user_id=alice.id, screen_id=other.screen_ids[0]),
    ]
    remove(services, alice, script.id)

    fake_queue.run_all(services)  # the worker must not crash on the orphan

    ended = get_job(uow=uow(), user_id=alice.id, job_id=orphan.id)
    if remove is _delete:  # deleting the script canceled its queued job first
        assert ended.status == "canceled"
    else:  # the job ran, and found its screen gone
        assert ended.status == "failed" and "deleted" in ended.error
    for job in fine:
        assert get_job(uow=uow(), user_id=alice.id, job_id=job.id).status == "succeeded"
    done = screen_row(services, other.screen_ids[0])
    assert done.image_asset_id is not None and done.audio_asset_id is not None


def test_refinalizing_keeps_the_jobs_of_unchanged_screens(
    services: Services, fake_queue: FakeQueue, alice: UserView, script: Script
) -> None:
    job = request_image(
        uow=services.uow(), queue=fake_queue, user_id=alice.id, screen_id=script.screen_ids[1]
    )
    _refinalize_with_a_new_first_narration(services, alice, script.id)  # scene 2 is unchanged
    fake_queue.run_all(services)
    assert get_job(uow=services.uow(), user_id=alice.id, job_id=job.id).status == ("succeeded")
    progress = media_progress(
        uow=services.uow(), files=services.files, user_id=alice.id, script_id=script.id
    )
    assert progress.screens[1].image == "done"
