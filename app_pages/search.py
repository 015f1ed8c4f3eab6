"""Search results: the user's ideas, workspaces and scripts that contain the text in ?q=,
each a link to its page with the words around the match."""

from __future__ import annotations

import streamlit as st

from core.search.matches import Match, search_studio
from core.search.snippets import MIN_QUERY, Snippet
from ui.errors import attempt
from ui.listing import md
from ui.search_box import QUERY
from ui.services import services
from ui.session import current_user_id

# kind → (heading, icon, page the result opens)
KINDS = {
    "script": ("Scripts", "📝", "app_pages/script.py"),
    "workspace": ("Workspaces", "📁", "app_pages/workspace.py"),
    "idea": ("Ideas", "💡", "app_pages/ideas.py"),
}

svc = services()
user_id = current_user_id()
query = " ".join(st.query_params.get(QUERY, "").split())
st.title("🔎 Search", anchor=False)

if len(query) < MIN_QUERY:
    st.info(
        f"Type at least {MIN_QUERY} characters in the search box at the top of the sidebar, "
        "then press Enter. Search looks in the titles and descriptions of your ideas and "
        "workspaces, and in the titles, topics and narration of your scripts.",
        icon="🔎",
    )
    st.stop()

results = attempt(lambda: search_studio(uow=svc.uow(), user_id=user_id, text=query))
if results is None:
    st.stop()


def highlighted(found: Snippet) -> str:
    """The snippet as literal text with the match marked (user text is never markdown)."""
    return f"{md(found.before)}:orange[**{md(found.match)}**]{md(found.after)}"


def result(match: Match) -> None:
    _heading, icon, page = KINDS[match.kind]
    opens_workspace = match.kind == "idea" and match.workspace_id is not None
    target = "app_pages/workspace.py" if opens_workspace else page
    target_id = match.workspace_id if opens_workspace else match.id
    with st.container(border=True, key=f"search_{match.kind}_{match.id}"):
        params = {"id": str(target_id)} if target != "app_pages/ideas.py" else None
        st.page_link(target, label=f"**{md(match.title)}**", icon=icon, query_params=params)
        where = f"in “{match.parent}” · " if match.parent else ""
        more = match.more_scenes
        also = f" and {more} more scene{'s' if more != 1 else ''}" if more else ""
        field = match.where if match.where.startswith("scene") else f"the {match.where}"
        st.caption(md(f"{where}matched in {field}{also}"))
        if match.snippet is not None:
            st.markdown(highlighted(match.snippet))


found = f"{results.count} result{'s' if results.count != 1 else ''}"
first = " (the first 20 of each kind)" if results.truncated else ""
st.caption(md(f"{found} for “{query}”{first}"))
if not results.count:
    st.info(
        "Nothing matches. Search finds the text as typed (any case) in titles, descriptions, "
        "topics and the narration of each script's current version.",
        icon="🤷",
    )
for kind, matches in (
    ("script", results.scripts),
    ("workspace", results.workspaces),
    ("idea", results.ideas),
):
    if matches:
        heading, icon, _page = KINDS[kind]
        st.subheader(f"{icon} {heading} ({len(matches)})", anchor=False)
        for match in matches:
            result(match)
