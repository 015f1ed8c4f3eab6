"""The video page's settings: the export form (its submit button queues the render) and the
workspace's background music."""

from __future__ import annotations

from typing import Any

import streamlit as st

from core.render.spec import TRANSITIONS, CaptionStyle, ExportSettings
from core.video.renders import default_export_settings, request_render
from core.workspaces.music import set_workspace_music, workspace_music
from ui.errors import attempt, succeeded
from ui.flash import flash
from ui.services import services
from ui.session import current_user_id

TRANSITION_LABELS = {
    "cut": "Cut",
    "crossfade": "Crossfade",
    "fade_black": "Fade through black",
    "slide_left": "Slide left",
    "wipe_left": "Wipe left",
    "circle": "Circle",
}
QUALITY_LABELS = {"high": "High (bigger file)", "standard": "Standard", "small": "Small file"}
MUSIC_UPLOADS = ["mp3", "wav", "m4a"]
SHORTEST_HELP = (
    "A screen whose voice-over is shorter stays on screen this long, its caption with it, "
    "so a one-word screen does not flash by."
)


def export_form(script_id: int) -> None:
    """Every export setting, filled with the script's defaults; "Render video" queues it."""
    svc, user_id = services(), current_user_id()
    start = attempt(
        lambda: default_export_settings(uow=svc.uow(), user_id=user_id, script_id=script_id)
    )
    if start is None:
        return
    with st.form(f"video_settings_{script_id}"):
        chosen = (
            _picture(start) | {"captions": caption_fields(start.captions, "video")} | _motion(start)
        )
        submitted = st.form_submit_button("Render video", icon="🎬", type="primary")
    if not submitted:
        return
    settings = ExportSettings.model_validate(start.model_dump() | chosen)
    queued = attempt(
        lambda: request_render(
            uow=svc.uow(),
            queue=svc.queue,
            files=svc.files,
            studio=svc.settings,
            user_id=user_id,
            script_id=script_id,
            export=settings,
        )
    )
    if queued is not None:
        flash("Render queued: the video is on its way.", "🎬")
        st.rerun()


def _picture(start: ExportSettings) -> dict[str, Any]:
    st.markdown("**Picture**")
    aspect, resolution, fps, quality = st.columns(4)
    return {
        "aspect": _pick(aspect, "Aspect", ["9:16", "16:9", "1:1"], start.aspect, "video_aspect"),
        "resolution": _pick(
            resolution, "Resolution", ["1080p", "720p"], start.resolution, "video_resolution"
        ),
        "fps": _pick(fps, "Frames per second", [24, 30, 60], start.fps, "video_fps"),
        "quality": quality.selectbox(
            "Quality",
            list(QUALITY_LABELS),
            index=list(QUALITY_LABELS).index(start.quality),
            format_func=QUALITY_LABELS.__getitem__,
            key="video_quality",
        ),
    }


def caption_fields(start: CaptionStyle, key: str) -> dict[str, Any]:
    """The caption style's fields (inside a form), keyed `<key>_caption_...`."""
    st.markdown("**Captions**")
    on, size, position = st.columns(3)
    color, outline, highlight = st.columns(3)
    positions = ["bottom", "middle", "top"]
    return start.model_dump() | {
        "enabled": on.toggle("Captions", value=start.enabled, key=f"{key}_captions"),
        "size": size.slider("Font size", 16, 200, start.size, key=f"{key}_caption_size"),
        "position": _pick(position, "Position", positions, start.position, f"{key}_caption_pos"),
        "color": color.color_picker("Text colour", start.color, key=f"{key}_caption_color"),
        "outline_color": outline.color_picker(
            "Outline colour", start.outline_color, key=f"{key}_caption_outline"
        ),
        "highlight": highlight.toggle(
            "Highlight the spoken word", value=start.highlight, key=f"{key}_caption_highlight"
        ),
    }


def _motion(start: ExportSettings) -> dict[str, Any]:
    st.markdown("**Motion and sound**")
    transition, seconds = st.columns(2)
    kenburns, strength = st.columns(2)
    volume, shortest = st.columns(2)
    return {
        "transition": transition.selectbox(
            "Transition",
            list(TRANSITIONS),
            index=list(TRANSITIONS).index(start.transition),
            format_func=TRANSITION_LABELS.__getitem__,
            key="video_transition",
        ),
        "transition_seconds": seconds.slider(
            "Transition seconds", 0.1, 2.0, start.transition_seconds, 0.1, key="video_trans_s"
        ),
        "motion": kenburns.toggle("Ken Burns motion", value=start.motion, key="video_motion"),
        "motion_strength": strength.slider(
            "Motion strength", 0.0, 1.0, start.motion_strength, 0.05, key="video_motion_strength"
        ),
        "music_volume": volume.slider(
            "Music volume", 0.0, 1.0, start.music_volume, 0.05, key="video_music_volume"
        ),
        "min_screen_seconds": shortest.slider(
            "Shortest screen (seconds)",
            0.0,
            10.0,
            start.min_screen_seconds,
            0.5,
            key="video_min_screen",
            help="A screen whose voice-over is shorter stays on "
            "screen this long, its caption with it, so a one-word screen does not flash by.",
        ),
    }


def _pick(column: Any, label: str, options: list[Any], value: Any, key: str) -> Any:
    return column.selectbox(label, options, index=options.index(value), key=key)


def music_expander(workspace_id: int) -> None:
    """The workspace's background music: what it is now, upload another, or none."""
    svc, user_id = services(), current_user_id()
    with st.expander("Background music", icon="🎵"):
        current = attempt(
            lambda: workspace_music(
                uow=svc.uow(), files=svc.files, user_id=user_id, workspace_id=workspace_id
            )
        )
        if current is not None:
            st.audio(str(current.path))
            st.caption(f"Music of this workspace · {current.duration or 0:.0f} s")
        else:
            st.caption("No music: the videos of this workspace have the voice-over only.")
        upload = st.file_uploader("Music file (MP3, WAV or M4A)", MUSIC_UPLOADS, key="video_music")
        use, remove = st.columns(2)
        if upload is not None and use.button("Use this music", key="video_music_use", icon="🎵"):
            _set_music(workspace_id, upload, "Music saved for this workspace.")
        if current is not None and remove.button("No music", key="video_music_none", icon="🔇"):
            _set_music(workspace_id, None, "Music removed.")


def _set_music(workspace_id: int, stream: Any, done: str) -> None:
    svc = services()
    if succeeded(
        lambda: set_workspace_music(
            uow=svc.uow(),
            files=svc.files,
            user_id=current_user_id(),
            workspace_id=workspace_id,
            stream=stream,
        )
    ):
        flash(done, "🎵")
        st.rerun()
