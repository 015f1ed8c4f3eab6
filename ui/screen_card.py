"""One card per screen: its image and voice-over (or where they stand), the text, generate /
re-roll buttons, and an Edit expander to change the text or upload your own files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from core.media.batch import KIND_OF, MediaProgress, ScreenProgress
from core.media.generate import request_image, request_voice
from core.media.screen import ScreenView, list_screens, update_screen
from core.media.uploads import upload_audio, upload_image
from core.tasks.kinds import kind_of
from core.tasks.records import JobView
from ui.errors import attempt
from ui.flash import flash
from ui.listing import md
from ui.screen_preview import preview_controls
from ui.services import services
from ui.session import current_user_id

AUDIO_TYPES = {".mp3": "audio/mpeg", ".wav": "audio/wav", ".m4a": "audio/mp4"}
IMAGE_UPLOADS = ["png", "jpg", "jpeg", "webp"]
AUDIO_UPLOADS = ["mp3", "wav", "m4a"]
BUSY = ("queued", "running")
# part → (request, first label, again label, icon)
GENERATE = {
    "image": (request_image, "Generate image", "Re-roll image", "🎨"),
    "voice": (request_voice, "Generate voice", "Re-do voice", "🎙️"),
}


def screen_cards(script_id: int, progress: MediaProgress | None) -> None:
    """Every screen of the script, with its media as core has them now."""
    svc, user_id = services(), current_user_id()
    states = {s.screen.id: s for s in progress.screens} if progress else {}
    found = (
        [s.screen for s in progress.screens]
        if progress is not None
        else attempt(
            lambda: list_screens(
                uow=svc.uow(), files=svc.files, user_id=user_id, script_id=script_id
            )
        )
    )
    for screen in found or []:
        screen_card(screen, states.get(screen.id))


def screen_card(screen: ScreenView, state: ScreenProgress | None) -> None:
    number = screen.position + 1
    image_state = state.image if state else ("done" if screen.image else "missing")
    voice_state = state.voice if state else ("done" if screen.audio else "missing")
    with st.container(border=True, key=f"screens_card_{screen.id}"):
        st.markdown(f"**Screen {number}**")
        pictures, words = st.columns([1, 2])
        with pictures:
            if screen.image:
                st.image(screen.image, width=240)
            _state("Image", image_state, state.image_job if state else None)
            if screen.audio:
                st.audio(screen.audio, format=AUDIO_TYPES.get(screen.audio.suffix, "audio/mpeg"))
            _state("Voice", voice_state, state.voice_job if state else None)
        with words:
            st.caption("Narration")
            st.markdown(md(screen.narration))
            st.caption("Visual prompt")
            st.markdown(md(screen.visual_prompt))
        left, right, _ = st.columns([1, 1, 2])
        _generate(left, screen, "image", has=screen.image is not None, busy=image_state in BUSY)
        _generate(right, screen, "voice", has=screen.audio is not None, busy=voice_state in BUSY)
        preview_controls(screen)
        with st.expander("Edit"):
            _edit_form(screen)
            left, right = st.columns(2)
            with left:
                _upload(screen, "image", "Upload image", IMAGE_UPLOADS, upload_image)
            with right:
                _upload(screen, "audio", "Upload audio", AUDIO_UPLOADS, _upload_audio)


def _state(what: str, state: str, job: JobView | None) -> None:
    """Where the image or voice stands, unless the file shown above says it all."""
    if state == "queued":
        st.caption(f"{what}: queued")
    elif state == "running":
        st.caption(f"{what}: running {job.progress if job else 0}%")
    elif state == "failed":
        st.caption(f"⚠️ {what}: failed: {md(job.error if job else 'unknown error')}")
    elif state == "missing":
        st.caption(f"{what}: not generated yet")


def _generate(column: Any, screen: ScreenView, part: str, *, has: bool, busy: bool) -> None:
    """Generate (or re-roll) the screen's image or voice-over."""
    request, first, again, icon = GENERATE[part]
    svc, user_id = services(), current_user_id()
    if column.button(
        again if has else first, key=f"screens_{part}_{screen.id}", icon=icon, disabled=busy
    ) and attempt(
        lambda: request(
            uow=svc.uow(), queue=svc.queue, user_id=user_id, screen_id=screen.id, reroll=has
        )
    ):
        flash(f"{kind_of(KIND_OF[part]).label} for screen {screen.position + 1}…", icon)
        st.rerun()


def _edit_form(screen: ScreenView) -> None:
    with st.form(f"screens_edit_{screen.id}"):
        narration = st.text_area(
            "Narration", value=screen.narration, key=f"screens_narration_{screen.id}"
        )
        visual = st.text_area(
            "Visual prompt", value=screen.visual_prompt, key=f"screens_visual_{screen.id}"
        )
        saved = st.form_submit_button("Save screen", type="primary")
    if not saved:
        return
    svc = services()
    view = attempt(
        lambda: update_screen(
            uow=svc.uow(),
            files=svc.files,
            user_id=current_user_id(),
            screen_id=screen.id,
            narration=narration,
            visual=visual,
        )
    )
    if view is None:
        return
    dropped = [
        what
        for what, before, after in (
            ("image", screen.image, view.image),
            ("voice-over", screen.audio, view.audio),
        )
        if before is not None and after is None
    ]
    again = f": generate its {' and '.join(dropped)} again" if dropped else "."
    flash(f"Screen {screen.position + 1} saved{again}", "💾")
    st.rerun()


def _upload_audio(**kw: Any) -> ScreenView:
    return upload_audio(settings=services().settings, **kw)


def _upload(
    screen: ScreenView, part: str, label: str, types: list[str], upload: Callable[..., Any]
) -> None:
    chosen = st.file_uploader(label, type=types, key=f"screens_upload_{part}_{screen.id}")
    if not st.button(
        "Use this file", key=f"screens_use_{part}_{screen.id}", icon="📤", disabled=chosen is None
    ):
        return
    svc = services()
    if chosen is not None and attempt(
        lambda: upload(
            uow=svc.uow(),
            files=svc.files,
            user_id=current_user_id(),
            screen_id=screen.id,
            stream=chosen,
        )
    ):
        flash(f"Screen {screen.position + 1} now uses your {part}.", "📤")
        st.rerun()
