"""The screens page (batch generate, live progress, per-screen media, edit, uploads) and the
Activity page, driven through AppTest against a real database and Redis-compatible server;
queued jobs run in this process the way the worker runs them."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from core.errors import ContentRejected
from core.media.batch import request_batch
from core.media.generate import request_image, request_voice
from core.media.screen import list_screens
from core.scripts.finalize import finalize_script
from core.scripts.script import create_script, get_script
from core.tasks.records import get_job, list_jobs
from core.workspaces.styles import get_workspace_style
from tests.conftest import Studio
from tests.helpers import batch_submit_key, no_exception, texts


def finalized(studio: Studio, scene_count: int = 3) -> tuple[int, list[int]]:
    script_id = studio.written_script(scene_count=scene_count)
    found = studio.call(finalize_script, script_id=script_id)
    return script_id, [s.id for s in found]


def bars(at: AppTest) -> list[str]:
    return [p.proto.text for p in at.get("progress")]


def test_batch_generate_queues_every_missing_image_and_voice(studio: Studio) -> None:
    script_id, _ = finalized(studio)
    at = no_exception(studio.open("app_pages/screens.py", id=script_id))
    assert texts(at).count("Image: not generated yet") == 3
    no_exception(at.button(key=batch_submit_key(script_id)).click().run())
    queued = [j for j in studio.call(list_jobs) if j.target_type == "screen"]
    assert sorted(j.kind for j in queued) == ["screen.image"] * 3 + ["screen.voice"] * 3
    assert all(j.status == "queued" for j in queued)
    waiting = "Video queued — Waiting for the steps before it to finish…"  # on by default
    assert bars(at) == [waiting, "Images 0/3", "Voice 0/3"]
    assert texts(at).count("Image: queued") == 3
    assert at.button(key=f"screens_cancel_{script_id}").label == "Cancel"


def test_cancel_stops_the_queued_jobs(studio: Studio) -> None:
    script_id, _ = finalized(studio, scene_count=2)
    at = studio.open("app_pages/screens.py", id=script_id)
    at.button(key=batch_submit_key(script_id)).click().run()
    no_exception(at.button(key=f"screens_cancel_{script_id}").click().run())
    jobs = [j for j in studio.call(list_jobs) if j.target_type == "screen"]
    assert len(jobs) == 4 and {j.status for j in jobs} == {"canceled"}
    assert texts(at).count("Image: not generated yet") == 2
    assert f"screens_cancel_{script_id}" not in [b.key for b in at.button]  # none left to cancel


def test_finished_media_appear_after_a_reload(studio: Studio) -> None:
    script_id, _ = finalized(studio)
    studio.call(request_batch, queue=studio.svc.queue, script_id=script_id)
    studio.run_jobs()
    at = no_exception(studio.open("app_pages/screens.py", id=script_id))
    assert bars(at) == ["Images 3/3", "Voice 3/3"]
    assert len(at.get("image")) == 3 and len(at.get("audio")) == 3
    assert "not generated yet" not in texts(at)
    labels = [b.label for b in at.button]
    assert labels.count("Re-roll image") == 3 and labels.count("Re-do voice") == 3
    at.checkbox(key=f"screens_with_video_{script_id}").uncheck()
    no_exception(at.button(key=batch_submit_key(script_id)).click().run())
    assert "Nothing to generate: every screen has its image and voice." in texts(at)


def test_retry_failed_requeues_the_failed_jobs(studio: Studio) -> None:
    script_id, screen_ids = finalized(studio, scene_count=2)
    job = studio.call(request_image, queue=studio.svc.queue, screen_id=screen_ids[0])
    studio.fail_job(job.id, ContentRejected("The model refused."))
    at = no_exception(studio.open("app_pages/screens.py", id=script_id))
    assert bars(at)[0] == "Images 0/2 · 1 failed"
    assert "⚠️ Image: failed: The model refused\\." in texts(at)
    no_exception(at.button(key=f"screens_retry_{script_id}").click().run())
    assert studio.call(get_job, job_id=job.id).status == "queued"
    assert texts(at).count("Image: queued") == 1


def test_an_upload_that_is_not_an_image_warns_and_changes_nothing(studio: Studio) -> None:
    script_id, screen_ids = finalized(studio, scene_count=2)
    at = studio.open("app_pages/screens.py", id=script_id)
    uploader = at.file_uploader(key=f"screens_upload_image_{screen_ids[0]}")
    uploader.set_value(("cat.png", b"just some text", "image/png")).run()
    no_exception(at.button(key=f"screens_use_image_{screen_ids[0]}").click().run())
    assert any("not a readable image" in w.value for w in at.warning)
    assert studio.call(list_screens, script_id=script_id)[0].image is None


def test_saving_a_screen_with_empty_narration_warns_and_keeps_it(studio: Studio) -> None:
    script_id, screen_ids = finalized(studio, scene_count=2)
    before = studio.call(list_screens, script_id=script_id)[0]
    at = studio.open("app_pages/screens.py", id=script_id)
    at.text_area(key=f"screens_narration_{screen_ids[0]}").input("   ")
    form = f"screens_edit_{screen_ids[0]}"
    no_exception(at.button(key=f"FormSubmitter:{form}-Save screen").click().run())
    assert "Narration and visual must not be empty." in [w.value for w in at.warning]
    assert studio.call(list_screens, script_id=script_id)[0] == before


def test_saving_a_screen_keeps_the_script_finalized(studio: Studio) -> None:
    script_id, screen_ids = finalized(studio, scene_count=2)
    at = studio.open("app_pages/screens.py", id=script_id)
    at.text_area(key=f"screens_narration_{screen_ids[1]}").input("A new ending.")
    form = f"screens_edit_{screen_ids[1]}"
    no_exception(at.button(key=f"FormSubmitter:{form}-Save screen").click().run())
    assert studio.call(list_screens, script_id=script_id)[1].narration == "A new ending."
    assert not at.warning  # still finalized: no "changed since" notice
    assert bars(at) == ["Images 0/2", "Voice 0/2"]


def test_activity_lists_a_failed_job_and_retry_requeues_it(studio: Studio) -> None:
    _, screen_ids = finalized(studio, scene_count=1)
    job = studio.call(request_voice, queue=studio.svc.queue, screen_id=screen_ids[0])
    studio.fail_job(job.id, ContentRejected("The model refused."))
    at = no_exception(studio.open("app_pages/activity.py"))
    shown = texts(at)
    assert "Recording the voice-over" in shown and "The model refused\\." in shown
    at.multiselect(key="activity_status").select("failed").run()
    assert [b.key for b in at.button if b.key.startswith("activity_retry_")] == [
        f"activity_retry_{job.id}"
    ]
    no_exception(at.button(key=f"activity_retry_{job.id}").click().run())
    assert studio.call(get_job, job_id=job.id).status == "queued"


def test_workspace_style_is_saved(studio: Studio) -> None:
    script_id = studio.written_script(scene_count=1)
    ws_id = studio.call(get_script, script_id=script_id).workspace_id
    at = studio.open("app_pages/workspace.py", id=ws_id)
    at.selectbox(key=f"workspace_aspect_{ws_id}").select("16:9")
    # Offline, the voices offered are eSpeak's, one per language.
    voice = at.selectbox(key=f"workspace_voice_{ws_id}")
    assert "Hindi (eSpeak NG) (hi)" in voice.options and voice.value == ""
    voice.select("hi")
    no_exception(at.button(key=f"FormSubmitter:workspace_style_{ws_id}-Save style").click().run())
    style = studio.call(get_workspace_style, workspace_id=ws_id)
    assert (style.aspect, style.voice, style.size) == ("16:9", "hi", (1920, 1080))


def test_workspace_shows_each_scripts_media_counts(studio: Studio) -> None:
    script_id, screen_ids = finalized(studio, scene_count=2)
    ws_id = studio.call(get_script, script_id=script_id).workspace_id
    studio.call(create_script, workspace_id=ws_id, topic="Squid")  # a draft
    studio.call(request_image, queue=studio.svc.queue, screen_id=screen_ids[0])
    studio.run_jobs()
    at = no_exception(studio.open("app_pages/workspace.py", id=ws_id))
    captions = [c.value for c in at.caption]
    assert "🖼️ Images 1/2 · 🎙️ Voice 0/2" in captions
    assert captions.count("not finalized") == 1
    links = [p.proto for p in at.get("page_link") if p.proto.label == "Screens"]
    assert [link.query_string for link in links] == [f"id={script_id}"]


def test_preview_button_renders_a_clip_of_the_screen(studio: Studio) -> None:
    script_id, screen_ids = finalized(studio, scene_count=1)
    at = no_exception(studio.open("app_pages/screens.py", id=script_id))
    assert not [b for b in at.button if b.key == f"screens_preview_{screen_ids[0]}"]  # no media
    studio.call(request_batch, queue=studio.svc.queue, script_id=script_id)
    studio.run_jobs()
    at = no_exception(studio.open("app_pages/screens.py", id=script_id))
    no_exception(at.button(key=f"screens_preview_{screen_ids[0]}").click().run())
    studio.run_jobs()  # the worker renders the clip (real ffmpeg, 720p)
    at = no_exception(studio.open("app_pages/screens.py", id=script_id))
    assert len(at.get("video")) == 1
