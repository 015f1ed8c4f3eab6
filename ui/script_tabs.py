"""The History, Compare, Translate and Finalize tabs of the script page."""

from __future__ import annotations

from functools import partial

import streamlit as st

from core.scripts.diff import diff_contents
from core.scripts.finalize import finalize_script
from core.scripts.languages import LANGUAGES, language_name
from core.scripts.script import ScriptView
from core.scripts.versions import VersionView, restore_version
from core.scripts.writing import request_translation
from ui.errors import attempt
from ui.flash import flash
from ui.listing import md
from ui.script_editor import set_base
from ui.services import services
from ui.session import current_user_id

CHANGE = {"same": "= same", "changed": "✏️ changed", "added": "➕ added", "removed": "➖ removed"}


def history_tab(script: ScriptView, versions: list[VersionView]) -> None:
    for version in versions:
        with st.container(border=True, key=f"script_version_{script.id}_{version.number}"):
            number, about, action = st.columns([1, 6, 1.5], vertical_alignment="center")
            number.markdown(f"**v{version.number}**")
            note = f" — {md(version.note)}" if version.note else ""
            about.markdown(
                f"{version.source}{note}  \n{len(version.content.scenes)} scenes · "
                f"{version.created_at:%Y-%m-%d %H:%M}"
            )
            if version.number == script.current_version:
                action.caption("current")
            elif action.button(
                "Restore",
                key=f"script_restore_{script.id}_{version.number}",
                help=f"Make version {version.number} current again, as a new version",
            ):
                restored = attempt(
                    partial(
                        restore_version,
                        uow=services().uow(),
                        user_id=current_user_id(),
                        script_id=script.id,
                        number=version.number,
                    )
                )
                if restored:
                    set_base(script.id, restored.number)
                    flash(f"Restored version {version.number} as version {restored.number}.")
                    st.rerun()


def compare_tab(script: ScriptView, versions: list[VersionView]) -> None:
    if len(versions) < 2:
        st.info("There is only one version so far: save an edit to compare two.")
        return
    by_number = {v.number: v for v in versions}
    numbers = list(by_number)  # newest first

    def label(n: int) -> str:
        return f"Version {n} ({by_number[n].source})"

    left, right = st.columns(2)
    a = left.selectbox(
        "Version A", numbers, index=1, format_func=label, key=f"script_compare_a_{script.id}"
    )
    b = right.selectbox(
        "Version B", numbers, index=0, format_func=label, key=f"script_compare_b_{script.id}"
    )
    old, new = by_number[a].content, by_number[b].content
    if old.title != new.title:
        st.markdown(f"**Title:** {md(old.title)} → {md(new.title)}")
    rows = diff_contents(old, new)
    changes = [r.change for r in rows if r.change != "same"]
    st.caption(f"{len(changes)} of {len(rows)} scenes differ." if changes else "Same scenes.")
    show_all = st.toggle("Show unchanged scenes", key=f"script_compare_all_{script.id}")
    for r in rows:
        if r.change == "same" and not show_all:
            continue
        st.markdown(f"**Scene {r.position}** · {CHANGE[r.change]}")
        side_a, side_b = st.columns(2, border=True)
        side_a.markdown(f"{md(r.left_narration) or '—'}  \n*{md(r.left_visual)}*")
        side_b.markdown(f"{md(r.right_narration) or '—'}  \n*{md(r.right_visual)}*")


def translate_tab(script: ScriptView) -> None:
    st.caption(
        "Only the narration is translated; the visuals are kept. This creates a new "
        "script “<title> (<language>)” in the same workspace."
    )
    codes = [code for code in LANGUAGES if code != script.language]
    code = st.selectbox(
        "Target language",
        codes,
        format_func=language_name,
        key=f"script_translate_lang_{script.id}",
    )
    if st.button("Translate", key=f"script_translate_{script.id}", icon="🌐"):
        svc = services()
        result = attempt(
            lambda: request_translation(
                uow=svc.uow(),
                queue=svc.queue,
                providers=svc.providers,
                user_id=current_user_id(),
                script_id=script.id,
                language=code,
            )
        )
        if result:
            copy, _job = result
            flash(f"Translating into {language_name(code)}…", "🌐")
            st.switch_page("app_pages/script.py", query_params={"id": str(copy.id)})


def finalize_tab(script: ScriptView) -> None:
    if script.status == "finalized":
        st.success(
            f"Version {script.finalized_version} is final and split into screens. "
            "Saving an edit starts a new draft; finalize again to update the screens."
        )
        st.page_link(
            "app_pages/screens.py",
            label="Open the screens",
            icon="🖼️",
            query_params={"id": str(script.id)},
        )
        return
    if script.finalized_version:
        st.info(
            f"Version {script.finalized_version} was finalized before; version "
            f"{script.current_version} is a draft. Finalizing again keeps the images and "
            "voices of scenes that did not change."
        )
    else:
        st.caption(
            "Finalize freezes the current version and splits it into one screen per "
            "scene, ready for images and voice-over."
        )
    if st.button(
        "Finalize",
        key=f"script_finalize_{script.id}",
        type="primary",
        icon="🔒",
        help=f"Freeze version {script.current_version} into screens",
    ):
        made = attempt(
            lambda: finalize_script(
                uow=services().uow(),
                files=services().files,
                user_id=current_user_id(),
                script_id=script.id,
            )
        )
        if made is not None:
            flash(f"Finalized: {len(made)} screens.", "🔒")
            st.switch_page("app_pages/screens.py", query_params={"id": str(script.id)})
