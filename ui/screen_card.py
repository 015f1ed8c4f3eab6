"""One card per screen: its image and voice-over (or where they stand), the text, generate /
re-roll buttons, and an Edit expander to change the text or upload your own files."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import streamlit as st

from core import media
from core import screens as screens_core
from core.batch import MediaProgress, ScreenProgress
from core.models import JobView, ScreenView
from ui.errors import attempt
from ui.flash import flash
from ui.listing import md
from ui.screen_preview import preview_controls
from ui.services import services
from ui.session import current_user_id

AUDIO_TYPES = {".mp3": "audio/mpeg", ".wav": "audio/wav", ".m4a": "audio/mp4"}
IMAGE_UPLOADS = ["png", "jpg", "jpeg", "webp"]
AUDIO_UPLOADS = ["mp3", "wav", "m4a"]


def screen_cards(script_id: int, progress: MediaProgress | None) -> None:
    """Every screen of the script, with its media as core has them now."""
    svc, user_id = services(), current_user_id()
    found = attempt(
        lambda: screens_core.list_screens(uow=svc.uow(), user_id=user_id, script_id=script_id)
    )
    files = attempt(
        lambda: media.screen_media_files(
            uow=svc.uow(), files=svc.files, user_id=user_id, script_id=script_id
        )
    )
    states = {s.screen_id: s for s in progress.screens} if progress else {}
    for screen in found or []:
        image, audio = (files or {}).get(screen.id, (None, None))
        screen_card(screen, states.get(screen.id), image, audio)


def screen_card(
    screen: ScreenView, state: ScreenProgress | None, image: Path | None, audio: Path | None
) -> None:
    number = screen.position + 1
    with st.container(border=True, key=f"screens_card_{screen.id}"):
        st.markdown(f"**Screen {number}**")
        pictures, words = st.columns([1, 2])
        with pictures:
            image_state = state.image if state else ("done" if image else "missing")
            voice_state = state.voice if state else ("done" if audio else "missing")
            if image:
                st.image(image, width=240)
            _state("Image", image_state, state.image_job if state else None, shown=bool(image))
            if audio:
                st.audio(audio, format=AUDIO_TYPES.get(audio.suffix, "audio/mpeg"))
            _state("Voice", voice_state, state.voice_job if state else None, shown=bool(audio))
        with words:
            st.caption("Narration")
            st.markdown(md(screen.narration))
            st.caption("Visual prompt")
            st.markdown(md(screen.visual_prompt))
        _generate_buttons(
            screen,
            busy=(image_state in ("queued", "running"), voice_state in ("queued", "running")),
        )
        preview_controls(screen)
        with st.expander("Edit"):
            _edit_form(screen)
            left, right = st.columns(2)
            with left:
                _upload(screen, "image", "Upload image", IMAGE_UPLOADS, media.upload_image)
            with right:
                _upload(screen, "audio", "Upload audio", AUDIO_UPLOADS, media.upload_audio)


def _state(what: str, state: str, job: JobView | None, *, shown: bool) -> None:
    """Where the image or voice stands, unless the file shown above says it all."""
    if state == "queued":
        st.caption(f"{what}: queued")
    elif state == "running":
        st.caption(f"{what}: running {job.progress if job else 0}%")
    elif state == "failed":
        st.caption(f"⚠️ {what}: failed: {md(job.error if job else 'unknown error')}")
    elif not shown:
        missing = "file missing, generate it again" if state == "done" else "not generated yet"
        st.caption(f"{what}: {missing}")


def _generate_buttons(screen: ScreenView, *, busy: tuple[bool, bool]) -> None:
    svc, user_id, number = services(), current_user_id(), screen.position + 1
    has_image, has_voice = screen.image_asset_id is not None, screen.audio_asset_id is not None
    left, right, _ = st.columns([1, 1, 2])
    if left.button(
        "Re-roll image" if has_image else "Generate image",
        key=f"screens_image_{screen.id}",
        icon="🎨",
        disabled=busy[0],
    ) and attempt(
        lambda: media.request_image(
            uow=svc.uow(), queue=svc.queue, user_id=user_id, screen_id=screen.id, reroll=has_image
        )
    ):
        flash(f"Drawing the image for screen {number}…", "🎨")
        st.rerun()
    if right.button(
        "Re-do voice" if has_voice else "Generate voice",
        key=f"screens_voice_{screen.id}",
        icon="🎙️",
        disabled=busy[1],
    ) and attempt(
        lambda: media.request_voice(
            uow=svc.uow(), queue=svc.queue, user_id=user_id, screen_id=screen.id, reroll=has_voice
        )
    ):
        flash(f"Recording the voice-over for screen {number}…", "🎙️")
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
        lambda: media.update_screen(
            uow=svc.uow(),
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
            ("image", screen.image_asset_id, view.image_asset_id),
            ("voice-over", screen.audio_asset_id, view.audio_asset_id),
        )
        if before is not None and after is None
    ]
    again = f": generate its {' and '.join(dropped)} again" if dropped else "."
    flash(f"Screen {screen.position + 1} saved{again}", "💾")
    st.rerun()


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
