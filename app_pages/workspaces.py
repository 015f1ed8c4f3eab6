"""Workspaces: search, favourite, create, edit, delete, and open one."""

from __future__ import annotations

from functools import partial

import streamlit as st

from core.workspaces.workspace import (
    WorkspaceView,
    create_workspace,
    delete_workspace,
    list_workspaces,
    set_favorite,
    update_workspace,
)
from ui.errors import attempt
from ui.favorite_star import star_button
from ui.listing import add_form, delete_button, edit_form, md
from ui.services import services
from ui.session import current_user_id

EDITING = "workspaces_editing"
DELETING = "workspaces_deleting"
ADD_FORM = "workspaces_add_form"

svc = services()
user_id = current_user_id()
# What deleting needs besides the id: it stops the item's jobs, then removes its files.
svc_args = {"uow": svc.uow(), "queue": svc.queue, "files": svc.files, "user_id": user_id}
st.title("🗂️ Workspaces")

add_form(
    ADD_FORM,
    heading="New workspace",
    submit="Create workspace",
    done="Workspace created",
    create=lambda title, description: create_workspace(
        uow=svc.uow(), user_id=user_id, title=title, description=description
    ),
)


def workspace_card(ws: WorkspaceView) -> None:
    with st.container(border=True, key=f"workspaces_card_{ws.id}"):
        if st.session_state.get(EDITING) == ws.id:
            edit_form(
                f"workspaces_edit_{ws.id}",
                editing_key=EDITING,
                title=ws.title,
                description=ws.description,
                done="Workspace saved.",
                update=lambda title, description: update_workspace(
                    uow=svc.uow(),
                    user_id=user_id,
                    workspace_id=ws.id,
                    title=title,
                    description=description,
                ),
            )
            return
        star, text, actions = st.columns([0.4, 5, 3])
        toggle = partial(set_favorite, uow=svc.uow(), user_id=user_id, workspace_id=ws.id)
        star_button(star, favorite=ws.favorite, key=f"workspaces_fav_{ws.id}", toggle=toggle)
        text.markdown(f"**{md(ws.title)}**")
        if ws.description:
            text.markdown(md(ws.description))
        scripts = "1 script" if ws.script_count == 1 else f"{ws.script_count} scripts"
        text.caption(f"{scripts} · updated {ws.updated_at:%Y-%m-%d %H:%M}")
        open_, edit, remove = actions.columns(3)
        if open_.button("Open", key=f"workspaces_open_{ws.id}", icon="📂", type="primary"):
            st.switch_page("app_pages/workspace.py", query_params={"id": str(ws.id)})
        if edit.button("Edit", key=f"workspaces_edit_{ws.id}", icon="✏️"):
            st.session_state[EDITING] = ws.id
            st.rerun()
        delete_button(
            remove,
            state_key=DELETING,
            item_id=ws.id,
            what=f"workspace “{ws.title}” with its scripts and files",
            delete=partial(delete_workspace, workspace_id=ws.id, **svc_args),
        )


st.subheader("Your workspaces", anchor=False)
search_col, toggle_col = st.columns([3, 1], vertical_alignment="bottom")
search = search_col.text_input(
    "Search workspaces", key="workspaces_search", placeholder="Words in title or description"
)
favourites_only = toggle_col.toggle("Favourites only", key="workspaces_favourites_only")
found = (
    attempt(
        lambda: list_workspaces(
            uow=svc.uow(), user_id=user_id, search=search, favorites_only=favourites_only
        )
    )
    or []
)
if not found:
    filtered = search.strip() or favourites_only
    st.caption("No workspace matches." if filtered else "No workspace yet: create one above.")
for item in found:
    workspace_card(item)
