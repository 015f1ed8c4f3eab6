"""The dashboard's sections, in order. A capability that adds to the dashboard (scheduled
publications, plan usage) writes one function here and lists it in SECTIONS; each section
asks core for its data once, never once per row."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

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


def welcome() -> None:
    if not current_user().onboarded:
        st.info("New here? The welcome page sets you up in a minute.", icon="👋")
        st.page_link("pages/onboarding.py", label="Start here", icon="👋")


def quick_actions() -> None:
    last = attempt(lambda: last_changed_script(uow=services().uow(), user_id=current_user_id()))
    new, carry_on, keys = st.columns([1, 2, 1])
    new.page_link("pages/ideas.py", label="New idea", icon="💡")
    if last is not None:
        script_id, title = last
        label = md(f"Continue “{title[:60]}”")
        params = {"id": str(script_id)}
        carry_on.page_link("pages/script.py", label=label, icon="▶️", query_params=params)
    keys.page_link("pages/settings.py", label="API keys and defaults", icon="⚙️")


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
        "What you made this month (UTC) and still have: a deleted script takes its counts "
        "with it. Uploads and video thumbnails are not counted."
    )


def favourite_and_recent_scripts() -> None:
    svc, user_id = services(), current_user_id()
    cards = attempt(lambda: recent_scripts(uow=svc.uow(), files=svc.files, user_id=user_id))
    st.subheader("Scripts", anchor=False)
    if not cards:
        st.caption("No script yet: open a workspace and create one.")
    for column, card in _grid(cards or []):
        with column.container(border=True, key=f"dashboard_script_{card.id}"):
            text = _card(card.thumbnail, card.favorite, f"dashboard_star_script_{card.id}",
                         partial(set_script_favorite, uow=svc.uow(), user_id=user_id,
                                 script_id=card.id))  # fmt: skip
            text.page_link("pages/script.py", label=md(card.title), icon="📝",
                           query_params={"id": str(card.id)})  # fmt: skip
            version = f" · v{card.version}" if card.version else ""
            status = STATUS.get(card.status, card.status)
            text.caption(md(f"{card.workspace_title} · {status}{version}"))


def favourite_and_recent_workspaces() -> None:
    svc, user_id = services(), current_user_id()
    cards = attempt(lambda: recent_workspaces(uow=svc.uow(), files=svc.files, user_id=user_id))
    st.subheader("Workspaces", anchor=False)
    if not cards:
        st.caption("No workspace yet: execute an idea to create one.")
    for column, card in _grid(cards or []):
        with column.container(border=True, key=f"dashboard_workspace_{card.id}"):
            text = _card(card.thumbnail, card.favorite, f"dashboard_star_workspace_{card.id}",
                         partial(set_favorite, uow=svc.uow(), user_id=user_id,
                                 workspace_id=card.id))  # fmt: skip
            text.page_link("pages/workspace.py", label=md(card.title), icon="📁",
                           query_params={"id": str(card.id)})  # fmt: skip
            scripts = "1 script" if card.script_count == 1 else f"{card.script_count} scripts"
            text.caption(f"{scripts} · active {card.active_at:%Y-%m-%d %H:%M}")
    st.page_link("pages/workspaces.py", label="All workspaces", icon="🗂️")


def _grid(cards: list[Any]) -> list[tuple[Any, Any]]:
    """Each card with the column it goes in, COLUMNS to a row."""
    placed = []
    for start in range(0, len(cards), COLUMNS):
        row = st.columns(COLUMNS)
        placed += list(zip(row, cards[start : start + COLUMNS], strict=False))
    return placed


def _card(picture: Path | None, favorite: bool, key: str, toggle: Callable[..., object]) -> Any:
    """A card's picture and star; returns the column its text goes in."""
    image, text, star = st.columns([2, 4, 1])
    if picture is not None:
        image.image(str(picture), width="stretch")
    else:
        image.markdown("🖼️")
    star_button(star, favorite=favorite, key=key, toggle=toggle)
    return text


SECTIONS: list[Callable[[], None]] = [
    welcome,
    quick_actions,
    work_in_progress,
    favourite_and_recent_scripts,
    favourite_and_recent_workspaces,
    this_month,
]
