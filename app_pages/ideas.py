"""Ideas: jot them down, edit, delete, and execute one into a workspace."""

from __future__ import annotations

import streamlit as st

from core.workspaces.ideas import (
    IdeaView,
    create_idea,
    delete_idea,
    execute_idea,
    list_ideas,
    update_idea,
)
from ui.errors import attempt
from ui.listing import add_form, delete_button, edit_form, md
from ui.services import services
from ui.session import current_user_id

EDITING = "ideas_editing"
DELETING = "ideas_deleting"
ADD_FORM = "ideas_add_form"
STATUS = {"new": "🆕 New", "in_progress": "🚧 In progress", "done": "✅ Done"}

svc = services()
user_id = current_user_id()
st.title("💡 Ideas")

add_form(
    ADD_FORM,
    heading="New idea",
    submit="Add idea",
    done="Idea added",
    create=lambda title, description: create_idea(
        uow=svc.uow(), user_id=user_id, title=title, description=description
    ),
)


def idea_card(idea: IdeaView) -> None:
    with st.container(border=True, key=f"ideas_card_{idea.id}"):
        if st.session_state.get(EDITING) == idea.id:
            edit_form(
                f"ideas_edit_{idea.id}",
                editing_key=EDITING,
                title=idea.title,
                description=idea.description,
                done="Idea saved.",
                update=lambda title, description: update_idea(
                    uow=svc.uow(),
                    user_id=user_id,
                    idea_id=idea.id,
                    title=title,
                    description=description,
                ),
            )
            return
        text, actions = st.columns([3, 2])
        text.markdown(f"**{md(idea.title)}**")
        if idea.description:
            text.markdown(md(idea.description))
        text.caption(STATUS.get(idea.status, idea.status))
        execute, edit, remove = actions.columns(3)
        if execute.button(
            "Execute",
            key=f"ideas_execute_{idea.id}",
            icon="🚀",
            help="Turn this idea into a workspace and open it",
        ):
            workspace = attempt(
                lambda: execute_idea(uow=svc.uow(), user_id=user_id, idea_id=idea.id)
            )
            if workspace:
                st.switch_page("app_pages/workspace.py", query_params={"id": str(workspace.id)})
        if edit.button("Edit", key=f"ideas_edit_{idea.id}", icon="✏️"):
            st.session_state[EDITING] = idea.id
            st.rerun()
        delete_button(
            remove,
            state_key=DELETING,
            item_id=idea.id,
            what=f"idea “{idea.title}”",
            delete=lambda: delete_idea(uow=svc.uow(), user_id=user_id, idea_id=idea.id),
        )


st.subheader("Your ideas", anchor=False)
search = st.text_input(
    "Search ideas", key="ideas_search", placeholder="Words in title or description"
)
found = attempt(lambda: list_ideas(uow=svc.uow(), user_id=user_id, search=search)) or []
if not found:
    st.caption("No ideas match your search." if search.strip() else "No ideas yet: add one above.")
for item in found:
    idea_card(item)
