"""The script editor: generate, edit the scenes, history, compare, translate, finalize."""

from __future__ import annotations

from functools import partial

import streamlit as st

from core.scripts.languages import language_name
from core.scripts.script import get_script, set_script_favorite
from core.scripts.versions import list_versions
from core.scripts.writing import request_generation
from core.tasks.records import list_jobs
from ui.errors import attempt
from ui.favorite_star import star_button
from ui.flash import flash
from ui.jobs import job_progress
from ui.listing import md
from ui.loading import load_from_url
from ui.script_editor import edit_tab, forget_base
from ui.script_tabs import compare_tab, finalize_tab, history_tab, translate_tab
from ui.services import services
from ui.session import current_user_id, query_id

STATUS = {"draft": "📝 Draft", "finalized": "🔒 Finalized"}

svc = services()
user_id = current_user_id()
# The jobs are read before the script: a job that ends in between is then seen with its
# result, where the other way round the page shows neither the result nor any progress.
url_id = query_id("id")
jobs = (
    attempt(
        lambda: list_jobs(uow=svc.uow(), user_id=user_id, target_type="script", target_id=url_id)
    )
    if url_id is not None
    else None
) or []
script = load_from_url(
    lambda script_id: get_script(uow=svc.uow(), user_id=user_id, script_id=script_id),
    missing="No script selected: open one from its workspace.",
    back="app_pages/workspaces.py",
    back_label="Back to Workspaces",
)

st.page_link(
    "app_pages/workspace.py",
    label="Back to the workspace",
    icon="⬅️",
    query_params={"id": str(script.workspace_id)},
)
heading, star = st.columns([12, 1], vertical_alignment="center")
heading.title(f"📝 {md(script.title)}", anchor=False)
star_button(
    star,
    favorite=script.favorite,
    key=f"script_fav_{script.id}",
    toggle=partial(set_script_favorite, uow=svc.uow(), user_id=user_id, script_id=script.id),
)
version = f"version {script.current_version}" if script.current_version else "no version yet"
st.caption(
    f"{STATUS.get(script.status, script.status)} · {language_name(script.language)} · "
    f"{version} · {script.tone} · {script.target_seconds} s · {script.scene_count} scenes"
)
if script.source_script_id:
    st.page_link(
        "app_pages/script.py",
        label="Translated from this script",
        icon="🌐",
        query_params={"id": str(script.source_script_id)},
    )

active = [job.id for job in jobs if job.active]
job_progress(active, key=f"script_jobs_{script.id}")
if active:
    forget_base(script.id)  # when the job is done, the editor opens its new version
    st.stop()
if jobs and jobs[0].status == "failed":
    st.error(f"The last run for this script failed: {jobs[0].error}", icon="⚠️")

generate = st.button(
    "Generate",
    key=f"script_generate_{script.id}",
    icon="✨",
    help="Write a new version from the topic and settings (older ones stay in History)",
)
if generate and (
    attempt(
        lambda: request_generation(
            uow=svc.uow(), queue=svc.queue, user_id=user_id, script_id=script.id
        )
    )
    is not None
):
    flash("Writing the script…", "✍️")
    st.rerun()

if script.current_version == 0:
    st.info("No scenes yet: press Generate to write them.")
    st.stop()

versions = attempt(lambda: list_versions(uow=svc.uow(), user_id=user_id, script_id=script.id)) or []
edit, history, compare, translate, finalize = st.tabs(
    ["Edit", "History", "Compare", "Translate", "Finalize"], key=f"script_tabs_{script.id}"
)
with edit:
    edit_tab(script)
with history:
    history_tab(script, versions)
with compare:
    compare_tab(script, versions)
with translate:
    translate_tab(script)
with finalize:
    finalize_tab(script)
