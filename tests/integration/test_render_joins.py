"""Where pieces meet: a transition clip draws the previous screen's last frames again in
another ffmpeg process, so the picture must carry on exactly where that screen's body
stopped (same pan position; its caption ends there by design), and into the next body
without a jump."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from core.media.probe import ffmpeg_exe
from core.render.audio import group_args, samples
from core.render.plan import build_timeline
from core.render.spec import CaptionStyle, RenderInput
from tests.integration.test_render_engine import make_screens, render, settings

SIDE = 96  # frames are compared as small grey images


def frames(path: Path) -> np.ndarray:
    command = [ffmpeg_exe(), "-v", "error", "-i", str(path), "-vf", f"scale={SIDE}:{SIDE}"]
    command += ["-pix_fmt", "gray", "-f", "rawvideo", "-"]
    raw = subprocess.run(command, capture_output=True, check=True).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, SIDE, SIDE).astype(np.float32)


def steps(video: np.ndarray) -> np.ndarray:
    """Mean absolute change from each frame to the next."""
    return np.abs(np.diff(video, axis=0)).mean(axis=(1, 2))


@pytest.mark.parametrize("captions", [False, True])
def test_the_picture_carries_on_across_every_join(tmp_path: Path, captions: bool) -> None:
    export = settings(
        motion=True, motion_strength=1.0, captions=CaptionStyle(enabled=captions), fps=24
    )
    screens = make_screens(tmp_path / "in", [2.0, 1.6, 2.2])
    output = tmp_path / "video.mp4"
    result = render(screens, output, export, cache=tmp_path / "cache")
    video = frames(output)
    change = steps(video)
    overlap = 12  # 0.5 s at 24 fps
    lengths = [round((s.audio_seconds + export.pad_seconds) * 24) for s in screens]
    assert len(video) == sum(lengths) - 2 * overlap == round(result.duration * 24)

    # Frame indices where a piece starts: lead | body0 | X01 | body1 | X12 | body2 | trail
    starts, at = [], 0
    for index, length in enumerate(lengths):
        first = overlap if index == 0 else 0  # the lead, then the body
        starts += [at + first] if index == 0 else [at, at + overlap]
        at += length - overlap
    starts.append(sum(lengths) - 2 * overlap - overlap)  # the trail
    hard_cut = np.abs(video[0] - frames_of_second_screen(video, lengths, overlap)).mean()
    for start in starts:
        before = change[start - 4 : start - 1].max()  # ordinary steps just before the join
        after = change[start : start + 3].max()
        join = change[start - 1]
        assert join <= max(before, after) * 1.5 + 1.0, (start, join, before, after)
        assert join < hard_cut / 4


def frames_of_second_screen(video: np.ndarray, lengths: list[int], overlap: int) -> np.ndarray:
    """A frame showing only the second screen (its body's first frame)."""
    return video[lengths[0]]


@pytest.mark.parametrize("transition", ["crossfade", "cut"])
def test_the_narration_mixed_in_groups_is_the_narration_mixed_at_once(
    tmp_path: Path, transition: str
) -> None:
    """Long videos mix their voices a group at a time (bounded memory); the stretches must
    meet sample for sample, crossfades across a group boundary included."""
    screens = make_screens(tmp_path / "in", [1.1, 0.7, 1.3, 0.9, 1.2])
    job = RenderInput(screens=screens, settings=settings(transition=transition))
    timeline = build_timeline(job, lambda screen, seconds: "")

    def mixed(groups: list[tuple[int, int]]) -> np.ndarray:
        parts = []
        for first, end in groups:
            part = tmp_path / f"{transition}-{first}-{end}.f32"
            command = [ffmpeg_exe(), "-v", "error", "-y", *group_args(timeline, first, end, part)]
            subprocess.run(command, check=True)
            parts.append(np.fromfile(part, dtype="<f4"))
        return np.concatenate(parts)

    whole = mixed([(0, 5)])
    assert len(whole) == 2 * samples(timeline.total_frames, timeline.fps)  # stereo
    for groups in ([(0, 2), (2, 5)], [(0, 1), (1, 3), (3, 4), (4, 5)]):
        stitched = mixed(groups)
        assert len(stitched) == len(whole)
        assert np.abs(stitched - whole).max() < 1e-6


def test_screens_sharing_an_image_render_and_leave_no_scratch(tmp_path: Path) -> None:
    """Their still is prepared once and shared; it must outlive every command using it."""
    screens = make_screens(tmp_path / "in", [1.0, 1.2, 0.9, 1.1])
    screens[2] = replace(screens[2], image=screens[0].image)
    screens[3] = replace(screens[3], image=screens[0].image)
    output = tmp_path / "video.mp4"
    result = render(screens, output, settings(motion=True), cache=tmp_path / "cache")
    assert len(frames(output)) == round(result.duration * 24)
    assert list((tmp_path / "cache" / "work").iterdir()) == []
