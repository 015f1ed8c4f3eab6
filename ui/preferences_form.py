"""Settings → Defaults and Appearance: what new work starts from, and the theme."""

from __future__ import annotations

import streamlit as st

from core.accounts.preferences import get_preferences, update_preferences
from core.scripts.languages import LANGUAGES, language_name
from core.workspaces.styles import ASPECTS
from ui.errors import attempt
from ui.export_form import caption_fields
from ui.flash import flash
from ui.services import services
from ui.session import current_user_id
from ui.workspace_media import voice_picker

THEMES = {"light": "☀️ Light", "dark": "🌙 Dark"}


def defaults_form() -> None:
    """Language, aspect, image style, voice and captions that new work starts from."""
    svc, user_id = services(), current_user_id()
    prefs = get_preferences(uow=svc.uow(), user_id=user_id)
    st.caption(
        "New workspaces and scripts start from these; each workspace and video can still "
        "change them."
    )
    with st.form("settings_defaults"):
        left, right = st.columns(2)
        codes = list(LANGUAGES)
        language = left.selectbox(
            "Script language",
            codes,
            index=codes.index(prefs.language) if prefs.language in codes else 0,
            format_func=language_name,
            key="pref_language",
        )
        aspects = list(ASPECTS)
        aspect = right.selectbox(
            "Aspect", aspects, index=aspects.index(prefs.aspect), key="pref_aspect"
        )
        image_style = st.text_area("Image style", value=prefs.image_style, key="pref_image_style")
        voice = voice_picker(st, prefs.voice, "pref_voice")
        captions = caption_fields(prefs.captions, "pref")
        saved = st.form_submit_button("Save defaults", type="primary")
    if saved and attempt(
        lambda: update_preferences(
            uow=svc.uow(),
            user_id=user_id,
            language=language,
            aspect=aspect,
            image_style=image_style,
            voice=voice,
            captions=captions,
        )
    ):
        flash("Defaults saved: new workspaces and scripts start from them.", "💾")
        st.rerun()


def theme_switch() -> None:
    """Light or dark, kept with the account so every browser signed in shows it."""
    svc, user_id = services(), current_user_id()
    current = get_preferences(uow=svc.uow(), user_id=user_id).theme
    chosen = st.radio(
        "Theme",
        list(THEMES),
        index=list(THEMES).index(current),
        format_func=THEMES.__getitem__,
        horizontal=True,
        key="pref_theme",
    )
    if chosen != current and attempt(
        lambda: update_preferences(uow=svc.uow(), user_id=user_id, theme=chosen)
    ):
        st.rerun()  # Home.py applies the theme to this browser
