"""The video page (export settings, render, player, history) and the screens page's batch
with video, through AppTest against a real database and Redis-compatible server; queued
jobs run in this process, rendered by a FakeRenderer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1 import AppTest

from core.bootstrap import build_services
from core.media.batch import request_batch
from core.scripts.finalize import finalize_script
from core.tasks.records import list_jobs
from core.video.renders import default_export_settings, request_render
from tests.conftest import Studio
from tests.fakes import FakeRenderer
from tests.helpers import batch_submit_key, no_exception, texts


@pytest.fixture
def renderer(studio: Studio) -> Iterator[FakeRenderer]:
    fake = FakeRenderer()
    studio.svc = build_services(studio.svc.settings, renderer=fake)  # jobs here render with it
    yield fake
    studio.svc.engine.dispose()


def finalized(studio: Studio, scene_count: int = 2) -> int:
    script_id = studio.written_script(scene_count=scene_count)
    studio.call(finalize_script, script_id=script_id)
    return script_id


def with_media(studio: Studio, scene_count: int = 2) -> int:
    script_id = finalized(studio, scene_count)
    studio.call(request_batch, queue=studio.svc.queue, script_id=script_id)
    studio.run_jobs()
    return script_id


def submit(at: AppTest, script_id: int) -> AppTest:
    return at.button(key=f"FormSubmitter:video_settings_{script_id}-Render video").click().run()


def test_the_page_shows_the_export_form_with_the_workspace_defaults(studio: Studio) -> None:
    script_id = finalized(studio)
    at = no_exception(studio.open("app_pages/video.py", id=script_id))
    assert [t.value for t in at.title] == ["🎬 Octopus minds"]
    assert "No video yet" in texts(at)
    assert at.selectbox(key="video_aspect").value == "9:16"
    assert at.selectbox(key="video_resolution").value == "1080p"
    assert at.toggle(key="video_captions").value is True
    assert at.selectbox(key="video_transition").value == "crossfade"
    assert "No music: the videos of this workspace have the voice-over only." in texts(at)


def test_a_render_without_media_warns_naming_the_screens(studio: Studio) -> None:
    script_id = finalized(studio, scene_count=3)
    at = no_exception(submit(studio.open("app_pages/video.py", id=script_id), script_id))
    assert [w.value for w in at.warning] == [
        "Screens 1, 2 and 3 have no image and no voice-over. Generate them first."
    ]
    assert studio.call(list_jobs, target_type="render") == []


def test_a_render_shows_progress_then_the_video_and_history(
    studio: Studio, renderer: FakeRenderer
) -> None:
    script_id = with_media(studio)
    at = studio.open("app_pages/video.py", id=script_id)
    at.selectbox(key="video_resolution").select("720p")
    at.toggle(key="video_captions").set_value(False)
    no_exception(submit(at, script_id))
    bars = [p.proto.text for p in at.get("progress")]
    assert bars == ["Video queued — Waiting for a worker…"]
    assert at.button(key=f"video_cancel_{script_id}").label == "Cancel the render"

    studio.run_jobs()
    [job] = renderer.jobs
    assert job.settings.resolution == "720p" and not job.settings.captions.enabled
    at = no_exception(studio.open("app_pages/video.py", id=script_id))
    assert not at.get("progress")
    assert len(at.get("video")) == 1
    downloads = [d.proto.label for d in at.get("download_button")]
    assert downloads == ["Download MP4", "Download MP4"]  # the latest, and in the history
    shown = texts(at)
    assert "✅ **Succeeded**" in shown
    assert "9:16 · 720p · 30 fps · standard · no captions · crossfade · Ken Burns" in shown
    assert "720×1280" in shown
    # The form remembers the last render's settings.
    assert at.selectbox(key="video_resolution").value == "720p"


def test_a_failed_render_is_listed_with_its_reason(studio: Studio, renderer: FakeRenderer) -> None:
    script_id = with_media(studio)
    settings = studio.call(default_export_settings, script_id=script_id)
    studio.call(request_render, queue=studio.svc.queue, script_id=script_id, export=settings)
    renderer.fail = RuntimeError("ffmpeg exploded")
    with pytest.raises(RuntimeError):
        studio.run_jobs()
    at = no_exception(studio.open("app_pages/video.py", id=script_id))
    shown = texts(at)
    assert "⚠️ **Failed**" in shown and r"Why: Unexpected error\: RuntimeError" in shown
    assert "No video yet" in shown and not at.get("download_button")
    assert [b.label for b in at.button if b.key.startswith("video_retry_")] == ["Retry"]


def test_batch_with_video_on_the_screens_page_queues_the_render(studio: Studio) -> None:
    script_id = finalized(studio)
    at = studio.open("app_pages/screens.py", id=script_id)
    links = [p.proto for p in at.get("page_link") if p.proto.label == "Video"]
    assert [link.query_string for link in links] == [f"id={script_id}"]
    assert at.checkbox(key=f"screens_with_video_{script_id}").value  # on by default
    no_exception(at.button(key=batch_submit_key(script_id)).click().run())
    kinds = sorted(j.kind for j in studio.call(list_jobs))
    assert kinds.count("script.render") == 1 and kinds.count("screen.image") == 2
    bars = [p.proto.text for p in at.get("progress")]
    assert "Video queued — Waiting for the steps before it to finish…" in bars
    cancels = [b.label for b in at.button if "cancel" in (b.key or "")]
    assert cancels == ["Cancel"]  # the batch's, which stops the waiting render too
