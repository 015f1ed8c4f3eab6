"""The video of a script on the page: the running render's live progress ("Video 43%"), the
latest good video with its download, and the history of renders."""

from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from core.media.probe import clock
from core.render.spec import ExportSettings
from core.tasks.records import JobView
from core.video.renders import RenderView, active_render_job, latest_good_render, list_renders
from ui.errors import attempt
from ui.job_actions import cancel_button
from ui.listing import md
from ui.live import poll_every, rerun_page_once
from ui.services import services
from ui.session import current_user_id

ICONS = {"queued": "⏳", "running": "⚙️", "succeeded": "✅", "failed": "⚠️", "canceled": "⏹️"}


def render_progress(script_id: int) -> None:
    """While the script's video renders: a progress bar and Cancel, refreshed every second."""
    watching = _active(script_id) is not None
    every = poll_every(_key(script_id), 1, watching=watching)
    st.fragment(run_every=every)(_live)(script_id, watching)


def _live(script_id: int, watching: bool) -> None:
    job = _active(script_id)
    if job is not None:
        st.progress(job.progress / 100, text=f"Video {job.progress}% — {job.message}")
        cancel_button([job.id], key=f"video_cancel_{script_id}", label="Cancel the render")
    elif watching:
        found = load_renders(script_id)
        done = bool(found) and found[0].good
        rerun_page_once(
            _key(script_id), "Video ready" if done else "The render did not finish", "✅"
        )


def latest_video(script_id: int, title: str) -> None:
    """The newest good video: player, thumbnail, facts and the download."""
    svc = services()
    latest = attempt(
        lambda: latest_good_render(
            uow=svc.uow(), files=svc.files, user_id=current_user_id(), script_id=script_id
        )
    )
    if latest is None or latest.video is None:
        st.info("No video yet: choose the settings below and press **Render video**.", icon="🎬")
        return
    st.video(str(latest.video))
    thumb, facts = st.columns([1, 4], vertical_alignment="center")
    if latest.thumbnail is not None:
        thumb.image(str(latest.thumbnail), width=120)
    facts.caption(f"{_facts(latest)} · rendered {latest.created_at:%Y-%m-%d %H:%M}")
    _download(facts, latest, title, primary=True)


def render_history(script_id: int, title: str) -> None:
    """Every render of the script, newest first, with a download for the good ones."""
    found = load_renders(script_id)
    if not found:
        return
    st.subheader("Renders", anchor=False)
    for render in found:
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
            elif render.status == "failed" and render.job is not None and render.job.error:
                text.caption(f"Why: {md(render.job.error)}")


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
