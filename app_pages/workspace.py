"""One workspace: its scripts, and a form to start a new one."""

from __future__ import annotations

from functools import partial

import streamlit as st

from core.scripts.languages import LANGUAGES, language_name
from core.scripts.script import (
    ScriptView,
    create_script,
    delete_script,
    list_scripts,
    set_script_favorite,
)
from core.scripts.writing import request_generation
from core.workspaces.workspace import WorkspaceView, get_workspace
from ui.errors import attempt
from ui.favorite_star import star_button
from ui.flash import flash
from ui.listing import delete_button, md
from ui.loading import load_from_url
from ui.services import services
from ui.session import current_user_id, user_preferences
from ui.workspace_media import media_overview, style_expander

TONES = ["informative", "dramatic", "funny", "inspiring", "calm"]
STATUS = {"draft": "📝 Draft", "finalized": "🔒 Finalized"}
WRITING = {  # an empty script, by its latest writing job
    "queued": "✍️ Waiting to be written",
    "running": "✍️ Being written",
    "failed": "⚠️ Writing failed: open it to try again",
    "canceled": "⏹️ Writing canceled",
}
DELETING = "workspace_deleting_script"

svc = services()
user_id = current_user_id()
# What deleting needs besides the id: it stops the item's jobs, then removes its files.
svc_args = {"uow": svc.uow(), "queue": svc.queue, "files": svc.files, "user_id": user_id}
workspace = load_from_url(
    lambda workspace_id: get_workspace(uow=svc.uow(), user_id=user_id, workspace_id=workspace_id),
    missing="No workspace selected: open one from the list.",
    back="app_pages/workspaces.py",
    back_label="Back to Workspaces",
)
st.page_link("app_pages/workspaces.py", label="All workspaces", icon="⬅️")
st.title(f"📁 {workspace.title}", anchor=False)
if workspace.description:
    st.markdown(md(workspace.description))
style_expander(workspace.id)


def script_row(script: ScriptView) -> None:
    with st.container(border=True, key=f"workspace_script_{script.id}"):
        star, text, action, remove = st.columns([0.4, 5, 1, 1], vertical_alignment="center")
        toggle = partial(set_script_favorite, uow=svc.uow(), user_id=user_id, script_id=script.id)
        star_button(star, favorite=script.favorite, key=f"workspace_fav_{script.id}", toggle=toggle)
        text.markdown(f"**{md(script.title)}**")
        if script.status == "empty":
            state = WRITING.get(script.writing, "Not written yet")
        else:
            state = f"{STATUS.get(script.status, script.status)} · version {script.current_version}"
        text.caption(
            f"{state} · {language_name(script.language)} · {script.tone} · "
            f"{script.target_seconds} s · {script.scene_count} scenes"
        )
        ids = {"id": str(script.id)}
        action.page_link("app_pages/script.py", label="Open", icon="📝", query_params=ids)
        if script.status != "empty":
            action.page_link("app_pages/video.py", label="Video", icon="🎬", query_params=ids)
        delete_button(
            remove,
            state_key=DELETING,
            item_id=script.id,
            what=f"script “{script.title}” with its versions, screens and videos",
            delete=partial(delete_script, script_id=script.id, **svc_args),
        )


def new_script_form(ws: WorkspaceView) -> None:
    with st.form(f"workspace_new_script_{ws.id}"):
        st.subheader("New script", anchor=False)
        topic = st.text_area("Topic", value=ws.title, key=f"workspace_topic_{ws.id}")
        left, right = st.columns(2)
        tone = left.selectbox("Tone", TONES, key=f"workspace_tone_{ws.id}")
        codes, usual = list(LANGUAGES), user_preferences(user_id).language
        language = right.selectbox(
            "Language",
            codes,
            index=codes.index(usual) if usual in codes else 0,
            format_func=language_name,
            key=f"workspace_lang_{ws.id}",
        )
        seconds = left.number_input(
            "Target length in seconds",
            min_value=10,
            max_value=600,
            value=60,
            step=5,
            key=f"workspace_seconds_{ws.id}",
        )
        scene_count = right.number_input(
            "Number of scenes",
            min_value=1,
            max_value=50,
            value=6,
            step=1,
            key=f"workspace_scenes_{ws.id}",
        )
        right_away = st.checkbox(
            "Generate right away", value=True, key=f"workspace_generate_{ws.id}"
        )
        submitted = st.form_submit_button("Create script", type="primary")
    if not submitted:
        return
    script = attempt(
        lambda: create_script(
            uow=svc.uow(),
            user_id=user_id,
            workspace_id=ws.id,
            topic=topic,
            tone=tone,
            language=language,
            target_seconds=int(seconds),
            scene_count=int(scene_count),
        )
    )
    if script is None:
        return
    if right_away and not attempt(
        lambda: request_generation(
            uow=svc.uow(), queue=svc.queue, user_id=user_id, script_id=script.id
        )
    ):  # the script exists; stay here so the reason above stays readable
        st.page_link(
            "app_pages/script.py",
            label="Open the new script",
            icon="📝",
            query_params={"id": str(script.id)},
        )
        return
    flash("Script created.", "✍️")  # its page shows the writing live
    st.switch_page("app_pages/script.py", query_params={"id": str(script.id)})


st.subheader("Scripts", anchor=False)
found = attempt(lambda: list_scripts(uow=svc.uow(), user_id=user_id, workspace_id=workspace.id))
if not found:
    st.caption("No script yet: create the first one below.")
for item in found or []:
    script_row(item)
new_script_form(workspace)
media_overview(found or [])
