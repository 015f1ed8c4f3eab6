"""The dashboard's sections, in order. A capability that adds to the dashboard (scheduled
publications, plan usage) writes one function here and lists it in SECTIONS; each section
asks core for its data once, never once per row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import streamlit as st

from core.dashboard.monthly import count_month
from core.dashboard.recent import last_changed_script, recent_scripts, recent_workspaces
from core.scripts.script import set_script_favorite
from core.workspaces.workspace import set_favorite
from ui.errors import attempt
from ui.favorite_star import star_button
from ui.listing import md
from ui.services import services
from ui.session import current_user, current_user_id
from ui.work_progress import work_in_progress

STATUS = {"empty": "✍️ Not written yet", "draft": "📝 Draft", "finalized": "🔒 Finalized"}
COLUMNS = 3


def quick_actions() -> None:
    """Start something, or carry on: the first steps for a new user, else the last script."""
    last = attempt(lambda: last_changed_script(uow=services().uow(), user_id=current_user_id()))
    actions = []
    if not current_user().onboarded:
        actions.append(("app_pages/onboarding.py", "Finish setting up", "👋", None))
    actions.append(("app_pages/ideas.py", "New idea", "💡", None))
    if last is not None:
        script_id, title = last
        label = f"Continue “{title[:50]}{'…' if len(title) > 50 else ''}”"
        actions.append(("app_pages/script.py", md(label), "▶️", {"id": str(script_id)}))
    actions.append(("app_pages/workspaces.py", "All workspaces", "🗂️", None))
    widths = [2 if page == "app_pages/script.py" else 1 for page, *_ in actions]
    for column, (page, label, icon, params) in zip(
        st.columns(widths, border=True), actions, strict=True
    ):
        column.page_link(page, label=label, icon=icon, query_params=params)


def this_month() -> None:
    counts = attempt(lambda: count_month(uow=services().uow(), user_id=current_user_id()))
    if counts is None:
        return
    st.subheader(f"{counts.month:%B %Y}", anchor=False)
    videos, minutes, images, voices = st.columns(4, border=True)
    videos.metric("Videos rendered", counts.videos)
    minutes.metric("Minutes of video", f"{counts.video_minutes:.1f}")
    images.metric("Images generated", counts.images)
    voices.metric("Voice-overs recorded", counts.voiceovers)
    st.caption(
        "Made this month (UTC) and still stored: a deleted script takes its counts with it. "
        "Uploads and video thumbnails are not counted."
    )


def favourite_and_recent_scripts() -> None:
    svc, user_id = services(), current_user_id()
    found = attempt(lambda: recent_scripts(uow=svc.uow(), files=svc.files, user_id=user_id))
    cards = [
        Card(
            key=f"dashboard_script_{c.id}",
            picture=c.thumbnail,
            title=c.title,
            page="app_pages/script.py",
            item_id=c.id,
            about=STATUS.get(c.status, c.status)
            + (f" · version {c.version}" if c.version else "")
            + f"  \nin {md(c.workspace_title)}",
            favorite=c.favorite,
            toggle=partial(set_script_favorite, uow=svc.uow(), user_id=user_id, script_id=c.id),
        )
        for c in found or []
    ]
    _cards("Scripts", "No script yet: open a workspace and create one.", cards)


def favourite_and_recent_workspaces() -> None:
    svc, user_id = services(), current_user_id()
    found = attempt(lambda: recent_workspaces(uow=svc.uow(), files=svc.files, user_id=user_id))
    cards = [
        Card(
            key=f"dashboard_workspace_{c.id}",
            picture=c.thumbnail,
            title=c.title,
            page="app_pages/workspace.py",
            item_id=c.id,
            about=f"{c.script_count} script{'' if c.script_count == 1 else 's'}"
            f"  \nactive {c.active_at:%d %b, %H:%M}",
            favorite=c.favorite,
            toggle=partial(set_favorite, uow=svc.uow(), user_id=user_id, workspace_id=c.id),
        )
        for c in found or []
    ]
    _cards("Workspaces", "No workspace yet: execute an idea to create one.", cards)


@dataclass(frozen=True)
class Card:
    key: str
    picture: Path | None
    title: str
    page: str  # opened with ?id=item_id
    item_id: int
    about: str  # markdown: our words, user text escaped
    favorite: bool
    toggle: Callable[..., object]  # toggle(favorite=...) stars or unstars it


def _cards(heading: str, empty: str, cards: list[Card]) -> None:
    """A heading, then the cards COLUMNS to a row: picture, title link, star, about."""
    st.subheader(heading, anchor=False)
    if not cards:
        st.caption(empty)
    for start in range(0, len(cards), COLUMNS):
        for column, card in zip(st.columns(COLUMNS), cards[start : start + COLUMNS], strict=False):
            with column.container(border=True, key=card.key):
                image, text = st.columns([1, 4])
                if card.picture is not None:
                    image.image(str(card.picture), width="stretch")
                else:
                    image.markdown(":gray[:material/image:]")  # no picture yet
                link, star = text.columns([7, 1], vertical_alignment="center", gap="small")
                label, params = f"**{md(card.title)}**", {"id": str(card.item_id)}
                link.page_link(card.page, label=label, query_params=params)
                star_button(
                    star, favorite=card.favorite, key=f"{card.key}_star", toggle=card.toggle
                )
                text.caption(card.about)


SECTIONS: list[Callable[[], None]] = [
    quick_actions,
    this_month,
    work_in_progress,
    favourite_and_recent_scripts,
    favourite_and_recent_workspaces,
]
