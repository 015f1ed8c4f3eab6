"""The timeline of a render in whole frames, and the cache keys of its pieces.

Every screen becomes one segment of `frames` frames. The video is joined with stream copy
from pieces that are encoded once and cached:

    cut:          whole0 | whole1 | ... | wholeN
    transitions:  lead0 body0 X(0,1) body1 X(1,2) ... bodyN trailN

`whole` is a segment's every frame; with transitions, `body` leaves out its first and
last `split` (= overlap) frames, `lead` and `trail` are those of the first and the last
screen, and X is a clip of `overlap` frames blending the end of one screen into the start
of the next. So

    duration = Σ frames_i / fps                        (cut)
    duration = (Σ frames_i − (n − 1)·overlap) / fps    (any other transition)

with frames_i = round((audio_seconds + pad_seconds)·fps) and overlap =
round(transition_seconds·fps). Each frames_i is rounded on its own (at most half a frame
off per screen), and with transitions a screen is never shorter than two transitions plus
one frame (2·overlap + 1). A short voice-over is held: frames_i is at least
round(min_screen_seconds·fps), plus the overlap with transitions, so that a screen is
shown alone (with its caption) for the minimum before the next one starts to fade in.

No frame is encoded that the video does not show: a screen's one ffmpeg draws its own
frames and, for the clip before it, the last frames of the previous screen again from
that screen's still (see `segments`).

A segment's key is made of what its picture depends on and nothing else (not its
position), so a changed screen re-encodes only its own body and the (at most two)
transition clips that touch it; the sound track has its own key.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from core.errors import InvalidInput
from core.render.spec import ExportSettings, RenderInput, ScreenInput

# Bump when the way pieces are made changes, so that old cache entries are not reused.
RECIPE = "ffmpeg-pieces-3"  # 3: a screen fades out without its captions
AUDIO_RECIPE = "groups-ebur128-limiter-1"  # likewise for the sound track
XFADE = {
    "crossfade": "fade",
    "fade_black": "fadeblack",
    "slide_left": "slideleft",
    "wipe_left": "wipeleft",
    "circle": "circleopen",
}


@dataclass(frozen=True)
class SegmentPlan:
    screen: ScreenInput
    frames: int
    split: int  # frames left out of the body at each end: the overlap, or 0 with cuts
    image_hash: str
    audio_hash: str
    ass: str  # the screen's captions ("" when captions are off), times from the segment start
    key: str

    @property
    def label(self) -> str:
        return f"screen {self.screen.position + 1}"


@dataclass(frozen=True)
class Timeline:
    settings: ExportSettings
    segments: list[SegmentPlan]
    overlap: int  # frames that two neighbours share in a transition

    @property
    def fps(self) -> int:
        return self.settings.fps

    @property
    def joined(self) -> bool:
        """True when neighbours overlap in a transition clip; False for hard cuts."""
        return self.settings.transition != "cut"

    @property
    def total_frames(self) -> int:
        frames = sum(s.frames for s in self.segments)
        return frames - (len(self.segments) - 1) * self.overlap if self.joined else frames

    @property
    def duration(self) -> float:
        return self.total_frames / self.fps


def overlap_frames(settings: ExportSettings) -> int:
    return max(1, round(settings.transition_seconds * settings.fps))


def segment_frames(screen: ScreenInput, settings: ExportSettings) -> tuple[int, int]:
    """(frames, split) of the screen's segment."""
    frames = round((screen.audio_seconds + settings.pad_seconds) * settings.fps)
    held = round(settings.min_screen_seconds * settings.fps)
    overlap = overlap_frames(settings)
    if settings.transition != "cut":
        return max(frames, held + overlap, 2 * overlap + 1), overlap
    return max(frames, held, 1), 0


def segment_key(
    *, image_hash: str, frames: int, split: int, ass: str, settings: ExportSettings
) -> str:
    """Everything the segment's picture depends on; never its position in the video."""
    width, height = settings.size
    picture = {
        "recipe": RECIPE,
        "image": image_hash,
        "frames": frames,
        "split": split,
        "size": [width, height],
        "fps": settings.fps,
        "crf": settings.crf,
        "preset": settings.preset,
        "motion": settings.motion,
        "motion_strength": settings.motion_strength,
        "captions": settings.captions.model_dump(mode="json"),
        "ass": ass,
    }
    return _digest(picture)


def transition_key(first: SegmentPlan, second: SegmentPlan, timeline: Timeline) -> str:
    settings = timeline.settings
    return _digest(
        {
            "recipe": RECIPE,
            "pair": [first.key, second.key],
            "transition": settings.transition,
            "overlap": timeline.overlap,
            "crf": settings.crf,
            "preset": settings.preset,
        }
    )


def edge_key(segment: SegmentPlan, edge: str) -> str:
    """The first screen's `lead` or the last screen's `trail` (its first or last frames)."""
    return _digest({"recipe": RECIPE, "segment": segment.key, "edge": edge})


def audio_key(timeline: Timeline, music_hash: str | None) -> str:
    settings = timeline.settings
    return _digest(
        {
            "recipe": AUDIO_RECIPE,
            "voices": [[s.audio_hash, s.frames] for s in timeline.segments],
            "fps": settings.fps,
            "overlap": timeline.overlap if timeline.joined else 0,
            "music": music_hash,
            "music_volume": settings.music_volume,
            "loudness": settings.loudness_lufs,
        }
    )


def file_hash(path: Path, what: str) -> str:
    """sha256 of a file's bytes; InvalidInput naming `what` ("The image of screen 2")
    when it cannot be read."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
    except OSError as exc:
        raise InvalidInput(f"{what} is missing or cannot be read.") from exc
    return digest.hexdigest()


def _digest(value: object) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def build_timeline(job: RenderInput, captions: Callable[[ScreenInput, float], str]) -> Timeline:
    """Frames, hashes and keys of every screen; `captions(screen, seconds)` gives its ASS."""
    if not job.screens:
        raise InvalidInput("There are no screens to render.")
    settings = job.settings
    segments = []
    for screen in sorted(job.screens, key=lambda s: s.position):
        label = f"screen {screen.position + 1}"
        frames, split = segment_frames(screen, settings)
        image_hash = file_hash(screen.image, f"The image of {label}")
        ass = captions(screen, frames / settings.fps) if settings.captions.enabled else ""
        key = segment_key(
            image_hash=image_hash, frames=frames, split=split, ass=ass, settings=settings
        )
        audio_hash = file_hash(screen.audio, f"The voice-over of {label}")
        segments.append(SegmentPlan(screen, frames, split, image_hash, audio_hash, ass, key))
    return Timeline(settings=settings, segments=segments, overlap=overlap_frames(settings))
