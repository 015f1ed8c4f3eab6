"""A finalized script gets its images and voice-overs with no key and no network.

The batch queues every missing image and voice-over; the worker (FakeQueue.run_all, which
runs each job through core's runner in this process) draws procedural PNGs and speaks the
narrations with eSpeak NG.
"""

from __future__ import annotations

import hashlib
import io
import wave
from pathlib import Path

from PIL import Image

from core.accounts.users import UserView
from core.bootstrap import Services
from core.media.assets import asset_view
from core.media.batch import media_progress, request_batch
from core.media.generate import request_image
from core.scripts.finalize import finalize_script
from core.scripts.script import create_script
from core.scripts.versions import get_version, save_version
from core.scripts.writing import request_generation
from core.workspaces.ideas import create_idea, execute_idea
from core.workspaces.styles import get_workspace_style, update_workspace_style
from core.workspaces.workspace import delete_workspace
from db.models import Asset, Screen
from tests.fakes import FakeQueue

# Six narrations of clearly different lengths, in no particular order of position.
_PROSE = (
    "Octopuses are clever animals that live in every ocean and can change colour in a "
    "blink while they hunt crabs at night near rocky reefs far below the waves where "
    "sunlight fades into blue and then black and where few divers ever go to watch them"
)
WORD_COUNTS = [12, 40, 5, 26, 8, 19]
NARRATIONS = [" ".join(_PROSE.split()[:n]) + "." for n in WORD_COUNTS]


def finalized_script(
    services: Services,
    queue: FakeQueue,
    user: UserView,
    narrations: list[str],
) -> tuple[int, int]:
    """(workspace id, script id) of a finalized offline script with these narrations."""
    uow = services.uow
    idea = create_idea(uow=uow(), user_id=user.id, title="Octopus minds")
    ws = execute_idea(uow=uow(), user_id=user.id, idea_id=idea.id)
    script = create_script(
        uow=uow(),
        user_id=user.id,
        workspace_id=ws.id,
        topic="octopus minds",
        scene_count=len(narrations),
    )
    request_generation(uow=uow(), queue=queue, user_id=user.id, script_id=script.id)
    queue.run_all(services)
    written = get_version(uow=uow(), user_id=user.id, script_id=script.id)
    content = written.content.model_copy(deep=True)
    assert len(content.scenes) == len(narrations)
    for scene, narration in zip(content.scenes, narrations, strict=True):
        scene.narration = narration
    save_version(
        uow=uow(),
        user_id=user.id,
        script_id=script.id,
        content=content,
        base_version=written.number,
    )
    finalize_script(files=services.files, uow=uow(), user_id=user.id, script_id=script.id)
    return ws.id, script.id


def with_media(
    services: Services, queue: FakeQueue, user: UserView, narrations: list[str]
) -> tuple[int, int]:
    """(workspace id, script id) of a finalized offline script with every image and voice."""
    workspace_id, script_id = finalized_script(services, queue, user, narrations)
    request_batch(
        uow=services.uow(), queue=queue, files=services.files, user_id=user.id, script_id=script_id
    )
    queue.run_all(services)
    return workspace_id, script_id


def screen_rows(services: Services, script_id: int) -> list[Screen]:
    with services.uow() as uow:
        rows = (
            uow.session.query(Screen).filter_by(script_id=script_id).order_by(Screen.position)
        ).all()
        uow.session.expunge_all()
        return rows


def asset_file(services: Services, asset_id: int) -> tuple[Asset, Path]:
    with services.uow() as uow:
        asset = uow.session.get(Asset, asset_id)
        assert asset is not None
        path = asset_view(services.files, asset).path
        uow.session.expunge(asset)
        return asset, path


def ranks(values: list[float]) -> list[int]:
    return sorted(range(len(values)), key=lambda i: values[i])


def test_batch_makes_distinct_images_and_timed_speech_for_every_screen(
    services: Services, fake_queue: FakeQueue, alice: UserView
) -> None:
    ws_id, script_id = finalized_script(services, fake_queue, alice, NARRATIONS)

    jobs = request_batch(
        uow=services.uow(),
        files=services.files,
        queue=fake_queue,
        user_id=alice.id,
        script_id=script_id,
    )
    assert len(jobs) == 12 and len(fake_queue.queued) == 12
    assert sorted(j.kind for j in jobs) == ["screen.image"] * 6 + ["screen.voice"] * 6
    waiting = media_progress(
        uow=services.uow(), files=services.files, user_id=alice.id, script_id=script_id
    )
    assert waiting.active and waiting.done("image") == waiting.done("voice") == 0
    # Asking again while the jobs wait queues nothing twice.
    assert (
        request_batch(
            uow=services.uow(),
            files=services.files,
            queue=fake_queue,
            user_id=alice.id,
            script_id=script_id,
        )
        == []
    )

    fake_queue.run_all(services)

    rows = screen_rows(services, script_id)
    assert [r.narration for r in rows] == NARRATIONS
    digests = set()
    for row in rows:
        assert row.image_asset_id is not None
        asset, path = asset_file(services, row.image_asset_id)
        data = path.read_bytes()
        digests.add(hashlib.sha256(data).hexdigest())
        with Image.open(io.BytesIO(data)) as picture:
            assert (picture.format, picture.size) == ("PNG", (1080, 1920))
        assert (asset.mime, asset.width, asset.height) == ("image/png", 1080, 1920)
    assert len(digests) == 6, "every screen must get its own picture"

    durations = []
    for row, narration in zip(rows, NARRATIONS, strict=True):
        assert row.audio_asset_id is not None
        asset, path = asset_file(services, row.audio_asset_id)
        with wave.open(str(path), "rb") as track:
            seconds = track.getnframes() / track.getframerate()
        assert asset.mime == "audio/wav" and seconds > 0.5
        assert asset.duration is not None and abs(asset.duration - seconds) < 0.01
        assert row.duration == asset.duration
        durations.append(seconds)
        # One caption timing per word; the final period stays glued to the last word.
        timings = row.word_timings
        assert isinstance(timings, list)
        assert [t["word"] for t in timings] == narration.split()
        starts = [t["start"] for t in timings]
        assert starts == sorted(starts)
        assert all(0 <= t["start"] <= t["end"] <= seconds + 0.01 for t in timings)
    assert durations[WORD_COUNTS.index(40)] > 3 * durations[WORD_COUNTS.index(5)]
    assert ranks(durations) == ranks([float(n) for n in WORD_COUNTS])

    done = media_progress(
        uow=services.uow(), files=services.files, user_id=alice.id, script_id=script_id
    )
    assert (done.done("image"), done.done("voice"), done.total) == (6, 6, 6)
    assert (done.failed("image"), done.failed("voice")) == (0, 0)
    assert not done.active and done.percent("image") == done.percent("voice") == 100
    assert (
        request_batch(
            uow=services.uow(),
            files=services.files,
            queue=fake_queue,
            user_id=alice.id,
            script_id=script_id,
        )
        == []
    )

    # The workspace turns landscape: a re-rolled image follows the new aspect.
    style = get_workspace_style(uow=services.uow(), user_id=alice.id, workspace_id=ws_id)
    update_workspace_style(
        uow=services.uow(),
        user_id=alice.id,
        workspace_id=ws_id,
        aspect="16:9",
        image_style=style.image_style,
        voice=style.voice,
        voice_model=style.voice_model,
    )
    first = rows[0]
    job = request_image(
        uow=services.uow(),
        queue=fake_queue,
        user_id=alice.id,
        screen_id=first.id,
        reroll=True,
    )
    fake_queue.run_all(services)
    [after, *_] = screen_rows(services, script_id)
    assert after.image_asset_id not in (None, first.image_asset_id)
    asset, path = asset_file(services, after.image_asset_id)
    with Image.open(path) as picture:
        assert (picture.format, picture.size) == ("PNG", (1920, 1080))
    assert (asset.width, asset.height) == (1920, 1080)
    assert after.audio_asset_id == first.audio_asset_id  # the voice-over is untouched
    assert job.kind == "screen.image"


def test_deleting_a_workspace_removes_its_media_files_and_keeps_the_others(
    services: Services, fake_queue: FakeQueue, alice: UserView
) -> None:
    doomed_ws, doomed = finalized_script(services, fake_queue, alice, ["One.", "Two words."])
    kept_ws, kept = finalized_script(services, fake_queue, alice, ["Three.", "Four here."])
    for script_id in (doomed, kept):
        request_batch(
            uow=services.uow(),
            files=services.files,
            queue=fake_queue,
            user_id=alice.id,
            script_id=script_id,
        )
    fake_queue.run_all(services)
    doomed_files = [
        asset_file(services, aid)[1]
        for s in screen_rows(services, doomed)
        for aid in (s.image_asset_id, s.audio_asset_id)
        if aid is not None
    ]
    kept_files = [
        asset_file(services, aid)[1]
        for s in screen_rows(services, kept)
        for aid in (s.image_asset_id, s.audio_asset_id)
        if aid is not None
    ]
    assert len(doomed_files) == len(kept_files) == 4 and all(p.exists() for p in doomed_files)

    delete_workspace(
        uow=services.uow(),
        queue=services.queue,
        files=services.files,
        user_id=alice.id,
        workspace_id=doomed_ws,
    )

    # Each workspace keeps its own files: the doomed one's folder went, the other stays whole.
    assert not any(p.exists() for p in doomed_files)
    assert not services.files.workspace_dir(doomed_ws).exists()
    assert all(p.exists() for p in kept_files)
    progress = media_progress(
        uow=services.uow(), files=services.files, user_id=alice.id, script_id=kept
    )
    assert progress.done("image") == progress.done("voice") == 2
    assert kept_ws != doomed_ws
