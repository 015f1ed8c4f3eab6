"""The Edit tab of the script page: scenes in a table, saved as a new version.

The editor is bound to the version it was loaded from (its "base", kept per script in
session_state and part of the widget keys), so a save after someone else's save is a
Conflict instead of a silent overwrite, and a new base gives a freshly loaded editor."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from core.errors import Conflict
from core.scripts.content import ScriptContent
from core.scripts.script import ScriptView
from core.scripts.versions import get_version, save_version
from ui.errors import attempt
from ui.flash import flash
from ui.services import services
from ui.session import current_user_id

BASES = "script_base_versions"  # script id → version number the editor was loaded from
CONFLICTS = "script_conflicts"  # script id → the conflict message of the last save

COLUMNS = {
    "#": st.column_config.NumberColumn(
        "#", help="Change to reorder", min_value=1, step=1, width="small"
    ),
    "narration": st.column_config.TextColumn(
        "Narration", help="What the narrator says", width="large", required=True
    ),
    "visual": st.column_config.TextColumn(
        "Visual", help="What the screen shows", width="large", required=True
    ),
}


def base_version(script: ScriptView) -> int:
    """The version the editor shows; the current one when the editor is (re)opened fresh."""
    return int(st.session_state.setdefault(BASES, {}).setdefault(script.id, script.current_version))


def set_base(script_id: int, number: int) -> None:
    st.session_state.setdefault(BASES, {})[script_id] = number
    st.session_state.get(CONFLICTS, {}).pop(script_id, None)


def forget_base(script_id: int) -> None:
    """Next time, load the editor from whatever version is current then."""
    st.session_state.get(BASES, {}).pop(script_id, None)
    st.session_state.get(CONFLICTS, {}).pop(script_id, None)


def scenes_frame(content: ScriptContent) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"#": i, "narration": s.narration, "visual": s.visual}
            for i, s in enumerate(content.scenes, start=1)
        ],
        columns=list(COLUMNS),
    )


def frame_scenes(frame: pd.DataFrame) -> list[dict[str, str]]:
    """Rows in "#" order (ties and new rows without a number keep their table order)."""
    rows = frame.assign(_order=range(len(frame)), _pos=pd.to_numeric(frame["#"], errors="coerce"))
    rows = rows.sort_values(["_pos", "_order"], na_position="last", kind="stable")
    return [
        {"narration": _text(n), "visual": _text(v)}
        for n, v in zip(rows.narration, rows.visual, strict=True)
    ]


def _text(value: Any) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def edit_tab(script: ScriptView) -> None:
    base = base_version(script)
    if base != script.current_version:
        st.info(
            f"You are editing version {base}; version {script.current_version} was saved "
            "after you opened it."
        )
        if st.button(f"Load version {script.current_version}", key=f"script_reload_{script.id}"):
            set_base(script.id, script.current_version)
            st.rerun()
    version = attempt(
        lambda: get_version(
            uow=services().uow(), user_id=current_user_id(), script_id=script.id, number=base
        )
    )
    if version is None:
        forget_base(script.id)
        return
    title = st.text_input(
        "Title", value=version.content.title, max_chars=200, key=f"script_title_{script.id}_v{base}"
    )
    edited = st.data_editor(
        scenes_frame(version.content),
        column_config=COLUMNS,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        key=f"script_scenes_{script.id}_v{base}",
    )
    st.caption(
        "Edit a cell to change it; change **#** to reorder; add a row at the bottom; "
        "select rows to delete them."
    )
    if st.button("Save as new version", type="primary", key=f"script_save_{script.id}"):
        _save(script.id, base, title, edited, force=False)
    conflict = st.session_state.get(CONFLICTS, {}).get(script.id)
    if conflict:
        st.warning(conflict, icon="⚠️")
        if st.button("Save anyway as a new version", key=f"script_force_{script.id}"):
            _save(script.id, base, title, edited, force=True)


def _save(script_id: int, base: int, title: str, edited: pd.DataFrame, *, force: bool) -> None:
    def call() -> Any:
        try:
            return save_version(
                uow=services().uow(),
                user_id=current_user_id(),
                script_id=script_id,
                content={"title": title, "scenes": frame_scenes(edited)},
                base_version=base,
                force=force,
            )
        except Conflict as exc:  # shown with a "save anyway" button below the editor
            st.session_state.setdefault(CONFLICTS, {})[script_id] = str(exc)
            return None

    version = attempt(call)
    if version is not None:
        set_base(script_id, version.number)
        flash(f"Saved as version {version.number}.", "💾")
        st.rerun()
