"""Rendering a script's video: refused (naming the screens) while media are missing, stored
as assets when it works, and never at the cost of an earlier good video when it fails.

Screens get real offline media (procedural PNGs, eSpeak NG speech); the renderer is a
FakeRenderer that records its input, except in the one end-to-end test at the end.
"""

from __future__ import annotations

import io
import subprocess
import wave
from collections.abc import Iterator

import pytest
from redis import Redis
from rq.job import Job
from sqlalchemy import select

from core.accounts.users import UserView
from core.bootstrap import Services, build_services
from core.errors import InvalidInput, NotFound
from core.media.batch import request_batch
from core.media.probe import ffmpeg_exe
from core.render.spec import ExportSettings
from core.scripts.script import get_script
from core.scripts.versions import get_version, save_version
from core.settings import Settings
from core.tasks.catalog import KINDS
from core.tasks.queue import RQTaskQueue
from core.tasks.records import JobView, cancel_task, list_jobs
from core.video.renders import (
    RenderView,
    default_export_settings,
    latest_good_render,
    list_renders,
    request_render,
)
from core.workspaces.music import set_workspace_music, workspace_music
from core.workspaces.styles import get_workspace_style, update_workspace_style
from db.migrate import upgrade
from db.models import Asset, Render, Screen
from tests.fakes import FakeQueue, FakeRenderer
from tests.integration.test_media_offline import (
    NARRATIONS,
    finalized_script,
    screen_rows,
    with_media,
)

SMALL = ExportSettings(resolution="720p", fps=24, quality="small")


@pytest.fixture
def renderer() -> FakeRenderer:
    return FakeRenderer()


@pytest.fixture
def services(
    settings: Settings, fake_queue: FakeQueue, request: pytest.FixtureRequest
) -> Iterator[Services]:
    """The test's services; a test that asks for `renderer` renders with that fake."""
    fake = request.getfixturevalue("renderer") if "renderer" in request.fixturenames else None
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.database_url)
    built = build_services(settings, queue=fake_queue, renderer=fake)
    yield built
    built.engine.dispose()


def render(services: Services, user: UserView, script_id: int, settings: ExportSettings) -> int:
    view = request_render(
        files=services.files,
        studio=services.settings,
        uow=services.uow(),
        queue=services.queue,
        user_id=user.id,
        script_id=script_id,
        export=settings,
    )
    assert view.status == "queued" and view.video is None
    return view.id


def listed(services: Services, user: UserView, script_id: int) -> list[RenderView]:
    return list_renders(
        uow=services.uow(), files=services.files, user_id=user.id, script_id=script_id
    )


def drop_media(services: Services, script_id: int, column: str, positions: list[int]) -> None:
    with services.uow() as uow:
        for screen in uow.session.scalars(select(Screen).where(Screen.script_id == script_id)):
            if screen.position + 1 in positions:
                setattr(screen, column, None)
        uow.commit()


def batch_with_video(
    services: Services,
    queue: FakeQueue,
    user: UserView,
    script_id: int,
    settings: ExportSettings | None = None,
) -> list[JobView]:
    return request_batch(
        uow=services.uow(),
        files=services.files,
        queue=queue,
        user_id=user.id,
        script_id=script_id,
        with_video=True,
        settings=settings,
    )


def render_rows(services: Services) -> list[Render]:
    with services.uow() as uow:
        rows = list(uow.session.scalars(select(Render).order_by(Render.id)))
        uow.session.expunge_all()
        return rows


def test_a_render_is_refused_naming_the_screens_without_media(
    services: Services, fake_queue: FakeQueue, alice: UserView
) -> None:
    _, script_id = with_media(services, fake_queue, alice, NARRATIONS[:5])
    drop_media(services, script_id, "audio_asset_id", [3, 4, 5])
    drop_media(services, script_id, "image_asset_id", [2, 4])
    with pytest.raises(InvalidInput) as refused:
        render(services, alice, script_id, SMALL)
    assert str(refused.value) == (  # each screen named once
        "Screen 2 has no image; screens 3 and 5 have no voice-over; "
        "screen 4 has no image and no voice-over. Generate them first."
    )
    assert render_rows(services) == [] and fake_queue.queued == []
    jobs = list_jobs(uow=services.uow(), user_id=alice.id, target_type="render")
    assert jobs == []


def test_a_draft_script_is_refused(
    services: Services, fake_queue: FakeQueue, alice: UserView
) -> None:
    _, script_id = with_media(services, fake_queue, alice, NARRATIONS[:1])
    content = get_version(uow=services.uow(), user_id=alice.id, script_id=script_id)
    edited = content.content.model_copy(deep=True)
    edited.scenes[0].narration = "A new beginning."
    save_version(
        uow=services.uow(),
        user_id=alice.id,
        script_id=script_id,
        content=edited,
        base_version=content.number,
    )
    with pytest.raises(InvalidInput, match="Finalize the script first"):
        render(services, alice, script_id, SMALL)
    assert render_rows(services) == []


def test_a_render_stores_the_video_and_its_thumbnail(
    services: Services, fake_queue: FakeQueue, alice: UserView, renderer: FakeRenderer
) -> None:
    _, script_id = with_media(services, fake_queue, alice, NARRATIONS[:3])
    render_id = render(services, alice, script_id, SMALL)
    [job_record] = list_jobs(uow=services.uow(), user_id=alice.id, target_type="render")
    assert fake_queue.queued == [("script.render", job_record.id)]
    assert (job_record.target_id, job_record.status) == (render_id, "queued")
    fake_queue.run_all(services)

    [job] = renderer.jobs
    rows = screen_rows(services, script_id)
    assert [s.position for s in job.screens] == [0, 1, 2]
    assert [s.narration for s in job.screens] == NARRATIONS[:3]
    assert job.settings == SMALL and job.language == "en" and job.music is None
    for given, row in zip(job.screens, rows, strict=True):
        assert given.audio_seconds == row.duration
        assert [[w.word, w.start, w.end] for w in given.words] == [
            [t["word"], t["start"], t["end"]] for t in row.word_timings or []
        ]
        with wave.open(str(given.audio), "rb") as track:
            assert abs(track.getnframes() / track.getframerate() - given.audio_seconds) < 0.01
        assert given.image.is_file() and given.image.suffix == ".png"
    assert {"Encoding screen 3/3", "Joining", "Mixing audio"} <= set(renderer.messages)

    [view] = listed(services, alice, script_id)
    assert (view.id, view.status, view.good) == (render_id, "succeeded", True)
    assert view.video is not None and view.thumbnail is not None
    assert view.video.suffix == ".mp4" and view.thumbnail.suffix == ".jpg"
    assert view.video.read_bytes().startswith(b"fake mp4 #1")
    assert view.size == view.video.stat().st_size
    assert (view.width, view.height) == (720, 1280)
    expected = sum(s.audio_seconds + SMALL.pad_seconds for s in job.screens)
    assert view.duration == pytest.approx(expected, abs=0.01)
    assert view.job is not None and view.job.message.startswith("Video ready")
    [stored] = render_rows(services)
    assert stored.output_asset_id is not None and len(stored.input_fingerprint) == 64
    with services.uow() as uow:
        asset = uow.session.get(Asset, stored.output_asset_id)
        assert asset is not None and (asset.kind, asset.mime) == ("video", "video/mp4")
    assert list(services.files.scratch.glob("*render-*")) == []  # nothing left half-written

    # The same inputs again: the stored video is reused, nothing is rendered twice.
    again = render(services, alice, script_id, SMALL)
    fake_queue.run_all(services)
    assert len(renderer.jobs) == 1
    newest = listed(services, alice, script_id)[0]
    assert (newest.id, newest.good, newest.video) == (again, True, view.video)


def test_a_failed_render_keeps_the_previous_good_video(
    services: Services, fake_queue: FakeQueue, alice: UserView, renderer: FakeRenderer
) -> None:
    _, script_id = with_media(services, fake_queue, alice, NARRATIONS[:2])
    good_id = render(services, alice, script_id, SMALL)
    fake_queue.run_all(services)
    good = latest_good_render(
        uow=services.uow(), files=services.files, user_id=alice.id, script_id=script_id
    )
    assert good is not None and good.video is not None
    before = good.video.read_bytes()

    renderer.fail = RuntimeError("ffmpeg exploded")
    failed_id = render(services, alice, script_id, SMALL.model_copy(update={"fps": 30}))
    fake_queue.run_all(services)  # an unexpected error may pass: RQ tries once more

    newest, older = listed(services, alice, script_id)
    assert (newest.id, newest.status, newest.video) == (failed_id, "failed", None)
    assert newest.job is not None and "RuntimeError" in newest.job.error
    assert newest.job.attempts == 2
    assert (older.id, older.good) == (good_id, True)
    still = latest_good_render(
        uow=services.uow(), files=services.files, user_id=alice.id, script_id=script_id
    )
    assert still is not None and still.id == good_id and still.video == good.video
    assert good.video.read_bytes() == before
    assert list(services.files.scratch.glob("*render-*")) == []


def test_another_users_script_is_not_found(
    services: Services, fake_queue: FakeQueue, alice: UserView, bob: UserView
) -> None:
    _, script_id = with_media(services, fake_queue, alice, NARRATIONS[:1])
    with pytest.raises(NotFound):
        render(services, bob, script_id, SMALL)
    with pytest.raises(NotFound):
        listed(services, bob, script_id)
    with pytest.raises(NotFound):
        default_export_settings(uow=services.uow(), user_id=bob.id, script_id=script_id)
    assert render_rows(services) == []


def test_batch_with_video_queues_the_render_after_the_media(
    services: Services, fake_queue: FakeQueue, alice: UserView, renderer: FakeRenderer
) -> None:
    _, script_id = finalized_script(services, fake_queue, alice, NARRATIONS[:3])
    jobs = batch_with_video(services, fake_queue, alice, script_id, SMALL)
    assert [j.kind for j in jobs] == ["screen.image"] * 3 + ["screen.voice"] * 3 + ["script.render"]
    assert [kind for kind, _ in fake_queue.queued] == [j.kind for j in jobs]
    render_job = jobs[-1]
    assert fake_queue.depends_on == {render_job.id: [fake_queue.ids[j.id] for j in jobs[:-1]]}
    assert render_job.message == "Waiting for the steps before it to finish…"

    fake_queue.run_all(services)
    [view] = listed(services, alice, script_id)
    assert view.good and len(renderer.jobs) == 1 and renderer.jobs[0].settings == SMALL

    # Nothing missing: the batch queues just the render (with the last settings).
    again = batch_with_video(services, fake_queue, alice, script_id)
    assert [j.kind for j in again] == ["script.render"] and fake_queue.queued == [
        ("script.render", again[0].id)
    ]
    assert again[0].id not in fake_queue.depends_on
    fake_queue.run_all(services)
    newest = listed(services, alice, script_id)[0]
    assert newest.good and newest.settings == SMALL and newest.video == view.video


def test_canceling_a_step_of_the_batch_cancels_the_render_waiting_for_it(
    services: Services, fake_queue: FakeQueue, alice: UserView
) -> None:
    _, script_id = finalized_script(services, fake_queue, alice, NARRATIONS[:2])
    jobs = batch_with_video(services, fake_queue, alice, script_id)
    cancel_task(uow=services.uow(), queue=fake_queue, user_id=alice.id, job_id=jobs[0].id)
    after = {j.id: j.status for j in list_jobs(uow=services.uow(), user_id=alice.id)}
    assert after[jobs[0].id] == after[jobs[-1].id] == "canceled"
    assert [after[j.id] for j in jobs[1:-1]] == ["queued"] * 3
    [view] = listed(services, alice, script_id)
    assert view.status == "canceled" and not view.active


def test_export_defaults_follow_the_workspace_and_the_last_render(
    services: Services, fake_queue: FakeQueue, alice: UserView, renderer: FakeRenderer
) -> None:
    ws_id, script_id = finalized_script(services, fake_queue, alice, NARRATIONS[:1])
    style = get_workspace_style(uow=services.uow(), user_id=alice.id, workspace_id=ws_id)
    update_workspace_style(
        uow=services.uow(),
        user_id=alice.id,
        workspace_id=ws_id,
        aspect="16:9",
        image_style=style.image_style,
    )
    first = default_export_settings(uow=services.uow(), user_id=alice.id, script_id=script_id)
    assert first == ExportSettings(aspect="16:9")
    request_batch(
        uow=services.uow(),
        files=services.files,
        queue=fake_queue,
        user_id=alice.id,
        script_id=script_id,
    )
    fake_queue.run_all(services)
    render(services, alice, script_id, SMALL)
    fake_queue.run_all(services)
    later = default_export_settings(uow=services.uow(), user_id=alice.id, script_id=script_id)
    assert later == SMALL.model_copy(update={"aspect": "16:9"})


def wav(seconds: float = 1.0) -> bytes:
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(8000)
        out.writeframes(b"\x00\x01" * int(8000 * seconds))
    return buffer.getvalue()


def test_workspace_music_goes_under_the_video(
    services: Services, fake_queue: FakeQueue, alice: UserView, renderer: FakeRenderer
) -> None:
    _, script_id = with_media(services, fake_queue, alice, NARRATIONS[:1])
    ws_id = get_script(uow=services.uow(), user_id=alice.id, script_id=script_id).workspace_id
    track = set_workspace_music(
        uow=services.uow(),
        files=services.files,
        user_id=alice.id,
        workspace_id=ws_id,
        stream=io.BytesIO(wav(2.0)),
    )
    assert track is not None and track.mime == "audio/wav"
    assert track.duration == pytest.approx(2.0, abs=0.05)
    with pytest.raises(InvalidInput, match="MP3, WAV or M4A"):
        set_workspace_music(
            uow=services.uow(),
            files=services.files,
            user_id=alice.id,
            workspace_id=ws_id,
            stream=io.BytesIO(b"not music at all"),
        )
    assert list(services.files.scratch.glob("*music-*")) == []
    render(services, alice, script_id, SMALL)
    fake_queue.run_all(services)
    assert renderer.jobs[-1].music == track.path

    set_workspace_music(
        uow=services.uow(), files=services.files, user_id=alice.id, workspace_id=ws_id, stream=None
    )
    assert (
        workspace_music(
            uow=services.uow(), files=services.files, user_id=alice.id, workspace_id=ws_id
        )
        is None
    )


def test_rq_holds_the_render_until_the_media_jobs_end(redis: Redis) -> None:
    """The real queue: the render job waits, deferred, and is released even by a failure."""
    queue = RQTaskQueue(redis)
    image = queue.enqueue(KINDS["screen.image"], 1)
    voice = queue.enqueue(KINDS["screen.voice"], 2)
    render_id = queue.enqueue(KINDS["script.render"], 3, depends_on=[image, voice])
    job = Job.fetch(render_id, connection=redis)
    assert job.get_status() == "deferred" and job.origin == "render"
    assert set(job._dependency_ids) == {image, voice}
    assert job.allow_dependency_failures and job.timeout == 1800


def test_a_real_render_of_an_offline_script(
    services: Services, fake_queue: FakeQueue, alice: UserView
) -> None:
    """End to end with FFmpegRenderer: offline media, batch with video, a 720p MP4 that plays."""
    narrations = ["Octopuses are clever.", "They change colour.", "They hunt at night."]
    _, script_id = finalized_script(services, fake_queue, alice, narrations)
    settings = ExportSettings(resolution="720p", fps=24, quality="small", preset="ultrafast")
    batch_with_video(services, fake_queue, alice, script_id, settings)
    fake_queue.run_all(services)
    video = latest_good_render(
        uow=services.uow(), files=services.files, user_id=alice.id, script_id=script_id
    )
    assert video is not None and video.video is not None and video.thumbnail is not None
    assert (video.width, video.height) == (720, 1280)
    decoded = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(video.video), "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert decoded.returncode == 0, decoded.stderr[-2000:]
    assert "Video: h264" in decoded.stderr and "Audio: aac" in decoded.stderr
    assert "720x1280" in decoded.stderr
    assert video.duration is not None and video.duration > 2
