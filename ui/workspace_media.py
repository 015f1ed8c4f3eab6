"""The workspace page's media parts: the style its new images and voice-overs use, and how
far each script's media have come."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.errors import InvalidInput
from core.media.batch import media_progress
from core.providers.base import VoiceOption
from core.scripts.script import ScriptView
from core.workspaces.styles import (
    ASPECTS,
    get_workspace_style,
    update_workspace_style,
    voice_choices,
)
from ui.errors import attempt
from ui.flash import flash
from ui.listing import md
from ui.services import services
from ui.session import current_user_id

VOICE_HELP = "The voices of your ElevenLabs account, or the offline eSpeak voices"
MODEL_HELP = "ElevenLabs model id; empty = default"


def style_expander(workspace_id: int) -> None:
    """Aspect, image style and voice for the workspace's new media."""
    svc, user_id = services(), current_user_id()
    with st.expander("Style", icon="🎨"):
        style = attempt(
            lambda: get_workspace_style(uow=svc.uow(), user_id=user_id, workspace_id=workspace_id)
        )
        if style is None:
            return
        aspects = list(ASPECTS)
        with st.form(f"workspace_style_{workspace_id}"):
            aspect = st.selectbox(
                "Aspect",
                aspects,
                index=aspects.index(style.aspect),
                key=f"workspace_aspect_{workspace_id}",
            )
            image_style = st.text_area(
                "Image style", value=style.image_style, key=f"workspace_image_style_{workspace_id}"
            )
            left, right = st.columns(2)
            voice = voice_picker(left, style.voice, f"workspace_voice_{workspace_id}")
            model = right.text_input(
                "Voice model",
                value=style.voice_model,
                help=MODEL_HELP,
                key=f"workspace_voice_model_{workspace_id}",
            )
            saved = st.form_submit_button("Save style", type="primary")
        if saved and attempt(
            lambda: update_workspace_style(
                uow=svc.uow(),
                user_id=user_id,
                workspace_id=workspace_id,
                aspect=aspect,
                image_style=image_style,
                voice=voice,
                voice_model=model,
            )
        ):
            flash("Style saved: new images and voice-overs will use it.", "🎨")
            st.rerun()


def media_overview(found: list[ScriptView]) -> None:
    """Per script: how many screens have their image and voice, and a link to them."""
    st.subheader("Media", anchor=False)
    if not found:
        st.caption("No media yet: finalize a script to get its screens.")
    for script in found:
        with st.container(border=True, key=f"workspace_media_{script.id}"):
            text, link = st.columns([5, 1], vertical_alignment="center")
            text.markdown(f"**{md(script.title)}**")
            try:
                progress = media_progress(
                    uow=services().uow(),
                    files=services().files,
                    user_id=current_user_id(),
                    script_id=script.id,
                )
            except InvalidInput:
                text.caption("not finalized")
                continue
            total = progress.total
            text.caption(
                f"🖼️ Images {progress.done('image')}/{total} · "
                f"🎙️ Voice {progress.done('voice')}/{total}"
            )
            link.page_link(
                "app_pages/screens.py",
                label="Screens",
                icon="🖼️",
                query_params={"id": str(script.id)},
            )


def voice_picker(column: Any, current: str, key: str) -> str:
    """A list of the account's voices; a free text field when the list can't be had."""
    voices = attempt(lambda: _voices(current_user_id()))
    if not voices:
        return str(column.text_input("Voice id", value=current, help=VOICE_HELP, key=key))
    names = {
        "": "Default for the language",
        **{v.id: f"{v.name} ({v.language or v.id})" for v in voices},
    }
    options = list(names) if current in names else [*names, current]
    return str(
        column.selectbox(
            "Voice",
            options,
            index=options.index(current),
            format_func=lambda vid: names.get(vid, vid),
            help=VOICE_HELP,
            key=key,
        )
    )


@st.cache_data(ttl=300, show_spinner=False)
def _voices(user_id: int) -> list[VoiceOption]:
    """The account's voices: a vendor call, so asked once per user per five minutes rather
    than on every rerun of the page (errors are not cached)."""
    return voice_choices(providers=services().providers, user_id=user_id)
