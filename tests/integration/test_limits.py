"""Limits that protect the disk: a voice-over per screen, a video's length, free space, the
upload size; and the one "has media" rule, which counts a screen whose file is gone as
missing everywhere."""

from __future__ import annotations

import io
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest

from core.accounts.users import UserView
from core.bootstrap import Services
from core.errors import InvalidInput
from core.media.batch import media_progress, request_batch
from core.media.generate import request_voice
from core.media.probe import ffmpeg_exe
from core.media.screen import ScreenView, list_screens
from core.media.uploads import MAX_UPLOAD_BYTES, upload_audio
from core.providers.base import SpeechAudio, VoiceOption, VoiceRequest
from core.render.spec import ExportSettings
from core.tasks.records import get_job, list_jobs
from core.video.renders import RenderView, list_renders, queue_render, request_render
from core.workspaces.music import MAX_MUSIC_BYTES
from db.models import Screen
from tests.fakes import FakeQueue, FakeRenderer
from tests.helpers import ROOT
from tests.integration.test_media_offline import finalized_script, with_media

MB = 1024 * 1024


def quiet_mp3(path: Path, seconds: int) -> bytes:
    """`seconds` of silence as an 8 kbit/s MP3: 20 minutes in about a megabyte."""
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
         "anullsrc=r=8000:cl=mono", "-t", str(seconds), "-b:a", "8k", str(path)],
        check=True,
    )  # fmt: skip
    return path.read_bytes()


def screens(services: Services, user: UserView, script_id: int) -> list[ScreenView]:
    return list_screens(
        uow=services.uow(), files=services.files, user_id=user.id, script_id=script_id
    )


def render(services: Services, user: UserView, script_id: int) -> RenderView:
    return request_render(
        uow=services.uow(), queue=services.queue, files=services.files, studio=services.settings,
        user_id=user.id, script_id=script_id, export=ExportSettings(),
    )  # fmt: skip


# --- voice-overs ---------------------------------------------------------------------------


def test_a_twenty_minute_uploaded_voice_over_is_refused_naming_the_screen(
    services: Services, fake_queue: FakeQueue, alice: UserView, tmp_path: Path
) -> None:
    _, script_id = finalized_script(services, fake_queue, alice, ["One.", "Two words."])
    second = screens(services, alice, script_id)[1]
    before = screens(services, alice, script_id)
    long_mp3 = quiet_mp3(tmp_path / "long.mp3", 20 * 60)
    with pytest.raises(InvalidInput, match=r"screen 2 is longer than 2:00"):
        upload_audio(
            uow=services.uow(), files=services.files, settings=services.settings,
            user_id=alice.id, screen_id=second.id, stream=io.BytesIO(long_mp3),
        )  # fmt: skip
    assert screens(services, alice, script_id) == before  # nothing stored, nothing changed
    assert not list(services.files.root.rglob("*.mp3"))
    ok = upload_audio(
        uow=services.uow(), files=services.files, settings=services.settings,
        user_id=alice.id, screen_id=second.id,
        stream=io.BytesIO(quiet_mp3(tmp_path / "short.mp3", 90)),
    )  # fmt: skip
    assert ok.audio is not None and ok.duration is not None and 89 < ok.duration < 91


def test_a_narration_too_long_to_speak_is_refused_before_any_voice_is_made(
    services: Services, fake_queue: FakeQueue, alice: UserView
) -> None:
    long_text = " ".join(["sea"] * 320) + "."  # 320 words: about 128 s at 2.5 words a second
    _, script_id = finalized_script(services, fake_queue, alice, ["Short.", long_text])
    job = request_voice(
        uow=services.uow(), queue=fake_queue, user_id=alice.id,
        screen_id=screens(services, alice, script_id)[1].id,
    )  # fmt: skip
    fake_queue.run_all(services)
    done = get_job(uow=services.uow(), user_id=alice.id, job_id=job.id)
    assert done.status == "failed" and "screen 2 would be longer than 2:00" in done.error
    assert done.attempts == 1  # bad input: not retried


class LongVoice:
    """A voice that answers with more sound than a screen may have."""

    name = "long-voice"

    def synthesize(self, request: VoiceRequest) -> SpeechAudio:
        return SpeechAudio(data=b"RIFF....WAVE", mime="audio/wav", duration=200.0)

    def list_voices(self) -> list[VoiceOption]:
        return []


def test_a_generated_voice_over_over_the_limit_is_refused_naming_the_screen(
    build: Callable[..., Services], fake_queue: FakeQueue, alice: UserView
) -> None:
    services = build(voice=LongVoice())
    _, script_id = finalized_script(services, fake_queue, alice, ["A short line to speak."])
    job = request_voice(
        uow=services.uow(), queue=fake_queue, user_id=alice.id,
        screen_id=screens(services, alice, script_id)[0].id,
    )  # fmt: skip
    fake_queue.run_all(services)
    done = get_job(uow=services.uow(), user_id=alice.id, job_id=job.id)
    assert done.status == "failed" and "voice-over for screen 1 would be longer" in done.error
    assert screens(services, alice, script_id)[0].audio is None


# --- videos --------------------------------------------------------------------------------


def test_a_video_longer_than_the_site_allows_is_refused_before_it_is_queued(
    build: Callable[..., Services], fake_queue: FakeQueue, alice: UserView
) -> None:
    services = build({"max_video_seconds": 10})
    narrations = ["One two three four five six.", "Seven."]
    _, script_id = with_media(services, fake_queue, alice, narrations)
    seconds = sum(s.duration or 0 for s in screens(services, alice, script_id))
    assert seconds < 10  # short enough alone: the pad after each screen tips it over
    _, longer = with_media(services, fake_queue, alice, [" ".join(["word"] * 30) + "."] * 2)
    with pytest.raises(InvalidInput, match=r"longer than the 0:10 a video may last"):
        render(services, alice, longer)
    assert (
        list_renders(uow=services.uow(), files=services.files, user_id=alice.id, script_id=longer)
        == []
    )


def test_a_render_is_refused_when_the_disk_has_no_room(
    build: Callable[..., Services], fake_queue: FakeQueue, alice: UserView
) -> None:
    services = build({"render_free_disk_mb": 10**9})  # more headroom than any disk has
    _, script_id = with_media(services, fake_queue, alice, ["One.", "Two."])
    with pytest.raises(InvalidInput, match="Not enough free disk space to render"):
        render(services, alice, script_id)
    assert list_jobs(uow=services.uow(), user_id=alice.id, target_type="render") == []


def test_streamlit_takes_no_upload_larger_than_the_app_does() -> None:
    config = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text())
    assert config["server"]["maxUploadSize"] * MB == MAX_UPLOAD_BYTES == MAX_MUSIC_BYTES


# --- the one "has media" rule --------------------------------------------------------------


def test_a_screen_whose_file_is_gone_is_missing_everywhere(
    build: Callable[..., Services], fake_queue: FakeQueue, alice: UserView
) -> None:
    services = build(renderer=FakeRenderer())
    _, script_id = with_media(services, fake_queue, alice, ["One.", "Two words.", "Three."])
    second = screens(services, alice, script_id)[1]
    assert second.audio is not None
    second.audio.unlink()

    # The screen card and Batch: missing, not done.
    assert screens(services, alice, script_id)[1].audio is None
    progress = media_progress(
        uow=services.uow(), files=services.files, user_id=alice.id, script_id=script_id
    )
    assert progress.screens[1].voice == "missing" and progress.done("voice") == 2
    # The render request refuses it, naming it.
    with pytest.raises(InvalidInput, match="Screen 2 has no voice-over"):
        render(services, alice, script_id)
    # A render queued by a batch (which does not check first) fails naming it too.
    queue_render(
        uow=services.uow(), queue=fake_queue, user_id=alice.id, script_id=script_id,
        settings=ExportSettings(),
    )  # fmt: skip
    fake_queue.run_all(services)
    [failed] = list_renders(
        uow=services.uow(), files=services.files, user_id=alice.id, script_id=script_id
    )
    assert failed.status == "failed" and failed.job is not None
    assert "Screen 2 has no voice-over" in failed.job.error
    # Batch makes it again.
    again = request_batch(
        uow=services.uow(), queue=fake_queue, files=services.files, user_id=alice.id,
        script_id=script_id,
    )  # fmt: skip
    assert [(j.kind, j.target_id) for j in again] == [("screen.voice", second.id)]
    fake_queue.run_all(services)
    assert screens(services, alice, script_id)[1].audio is not None
    with services.uow() as uow:
        assert uow.session.get(Screen, second.id) is not None
