"""The video of a script on the page: the running render's live progress ("Video 43%"), the
latest good video with its download, and the history of renders."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from core.media.probe import clock
from core.render.spec import ExportSettings
from core.tasks.records import JobView
from core.video.freshness import video_freshness
from core.video.renders import (
    RenderView,
    active_render_job,
    latest_good_render,
    list_renders,
    request_render,
)
from ui.errors import attempt
from ui.flash import flash
from ui.job_actions import cancel_button, retry_button
from ui.listing import md
from ui.live import poll_every, stop_polling
from ui.services import services
from ui.session import current_user_id

PORTRAIT_WIDTH = 300  # px: a 9:16 video stays about 530 px tall, its download beside it
ICONS = {"queued": "⏳", "running": "⚙️", "succeeded": "✅", "failed": "⚠️", "canceled": "⏹️"}


def render_progress(
    script_id: int, *, cancel_queued: bool = True, then: Callable[[], None] | None = None
) -> None:
    """While the script's video renders: a progress bar and Cancel, then whatever `then`
    draws (the video page: its video and renders), refreshed every second together.

    Without `cancel_queued`, a render still waiting (behind a batch's media, whose own
    Cancel stops it too) shows no button of its own: one Cancel per thing that runs."""
    watching = _active(script_id) is not None
    every = poll_every(_key(script_id), 1, watching=watching)
    st.fragment(run_every=every)(_live)(script_id, watching, cancel_queued, then)


def _live(
    script_id: int, watching: bool, cancel_queued: bool, then: Callable[[], None] | None
) -> None:
    job = _active(script_id)
    if job is not None:
        waiting = job.status == "queued"
        text = f"Video {job.progress}% — {job.message}"
        if waiting:
            text = f"Video queued — {job.message}" if job.message else "Video queued"
        st.progress(job.progress / 100, text=text)
        if cancel_queued or not waiting:
            cancel_button([job.id], key=f"video_cancel_{script_id}", label="Cancel the render")
    if then is not None:
        then()
    if job is None and watching:
        found = load_renders(script_id)
        done = bool(found) and found[0].good
        toast = "Video ready" if done else "The render did not finish"
        stop_polling(_key(script_id), toast, "✅" if done else "⚠️")


def latest_video(script_id: int, title: str) -> None:
    """The newest good video, whatever became of the script since: player, facts, download,
    and, when screens changed since, "out of date" with a Re-render button."""
    svc, user_id = services(), current_user_id()
    latest = attempt(
        lambda: latest_good_render(
            uow=svc.uow(), files=svc.files, user_id=user_id, script_id=script_id
        )
    )
    if latest is None or latest.video is None:
        st.info("No video yet: choose the settings below and press **Render video**.", icon="🎬")
        return
    portrait = (latest.height or 0) > (latest.width or 0)
    player, details = st.columns([1, 2] if portrait else [3, 2])
    player.video(str(latest.video), width=PORTRAIT_WIDTH if portrait else "stretch")
    with details:
        _freshness(script_id, latest)
        if latest.thumbnail is not None:
            st.image(str(latest.thumbnail), width=120)
        st.caption(f"{_facts(latest)} · rendered {latest.created_at:%Y-%m-%d %H:%M}")
        _download(st, latest, title, primary=True)


def _freshness(script_id: int, latest: RenderView) -> None:
    svc, user_id = services(), current_user_id()
    fresh = attempt(
        lambda: video_freshness(
            uow=svc.uow(), files=svc.files, renderer=svc.renderer(), user_id=user_id,
            render_id=latest.id,
        )
    )  # fmt: skip
    if fresh is None or fresh.current:
        st.success("Up to date with the screens.", icon="✅")
        return
    st.warning(f"**Out of date.** {fresh.reason}", icon="🕒")
    if fresh.can_rerender and st.button(
        "Re-render", key=f"video_rerender_{latest.id}", icon="🔄", type="primary"
    ):
        queued = attempt(
            lambda: request_render(
                uow=svc.uow(), queue=svc.queue, files=svc.files, studio=svc.settings,
                user_id=user_id, script_id=script_id, export=latest.settings,
            )
        )  # fmt: skip
        if queued is not None:
            flash("Re-render queued with the same settings.", "🔄")
            st.rerun()
    elif fresh.fix_on == "screens":  # the page itself links the script when it is edited
        st.page_link(
            "app_pages/screens.py", label="Open the screens", icon="🖼️",
            query_params={"id": str(script_id)},
        )  # fmt: skip


def render_history(script_id: int, title: str) -> None:
    """Every render of the script, newest first, with a download for the good ones."""
    found = load_renders(script_id)
    if not found:
        return
    with st.expander(f"Renders ({len(found)})", icon="🗂️", expanded=False):
        for render in found:
            _history_row(render, title)


def _history_row(render: RenderView, title: str) -> None:
    with st.container(border=True, key=f"video_render_{render.id}"):
        text, action = st.columns([4, 1], vertical_alignment="center")
        icon = ICONS.get(render.status, "•")
        text.markdown(
            f"{icon} **{render.status.capitalize()}** · {render.created_at:%Y-%m-%d %H:%M}"
        )
        text.caption(summary(render.settings))
        if render.good:
            text.caption(_facts(render))
            _download(action, render, title)
        elif render.status == "failed" and render.job is not None:
            if render.job.error:
                text.caption(f"Why: {md(render.job.error)}")
            retry_button([render.job.id], key=f"video_retry_{render.id}", where=action)


def summary(settings: ExportSettings) -> str:
    """One line for the settings of a render."""
    parts = [settings.aspect, settings.resolution, f"{settings.fps} fps", settings.quality]
    parts.append("captions" if settings.captions.enabled else "no captions")
    parts.append(settings.transition.replace("_", " "))
    if settings.motion:
        parts.append("Ken Burns")
    parts.append(f"music {settings.music_volume:.0%}")
    return " · ".join(parts)


def load_renders(script_id: int) -> list[RenderView]:
    svc = services()
    found = attempt(
        lambda: list_renders(
            uow=svc.uow(), files=svc.files, user_id=current_user_id(), script_id=script_id
        )
    )
    return found or []


def _facts(render: RenderView) -> str:
    size = (render.size or 0) / (1024 * 1024)
    return f"{size:.1f} MB · {clock(render.duration or 0)} · {render.width}×{render.height}"


def _download(
    column: DeltaGenerator, render: RenderView, title: str, *, primary: bool = False
) -> None:
    video = render.video
    assert video is not None
    column.download_button(
        "Download MP4",
        data=Path(video).read_bytes,  # read only when clicked
        file_name=f"{_file_stem(title)}.mp4",
        mime="video/mp4",
        key=f"video_download_{render.id}{'_latest' if primary else ''}",
        icon="⬇️",
        type="primary" if primary else "secondary",
    )


def _file_stem(title: str) -> str:
    stem = "".join(c if c.isalnum() or c in " -_" else "_" for c in title).strip()
    return stem[:80] or "video"


def _active(script_id: int) -> JobView | None:
    return attempt(
        lambda: active_render_job(
            uow=services().uow(), user_id=current_user_id(), script_id=script_id
        )
    )


def _key(script_id: int) -> str:
    return f"video_live_{script_id}"
