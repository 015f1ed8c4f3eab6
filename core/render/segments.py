"""The ffmpeg command of one screen: its own pieces, and the transition clip into it.

Motion is a slow pan of a crop window across the still, scaled once (by Pillow) to a
canvas a little larger than the frame. The still is converted to YUV once and repeated
with the `loop` filter, so each frame costs only a crop (a pointer offset) plus the
encode. Measured at 1080×1920 on this two-core machine: the pan encodes about as fast
as a still (~115 frames/s when idle), zoompan or a per-frame `scale` zoom 1.8–2.5× slower,
and a sub-pixel `perspective` pan 2.3× slower. The pan direction comes from the image
hash, not from the position, so that a segment does not depend on where it stands.

One process per screen draws the frames its pieces need and feeds them, in timeline
order, to one x264 encoder; the segment muxer cuts the stream into the piece files at
forced IDR frames. The transition clip into a screen blends the previous screen's last
frames, drawn again from that screen's still (cheaper than decoding them: 0.45 s of CPU
less per screen than encoding head and tail pieces and cross-fading them in a process of
their own, and no frame is encoded that the video does not show). The previous screen is
drawn there without its captions: a caption ends where its screen starts to fade out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import InvalidInput
from core.media.probe import MAX_PIXELS
from core.render.plan import XFADE, SegmentPlan, Timeline
from core.render.spec import ExportSettings

# Which of its segment's frames a piece shows; a transition starts with the head.
_RANGES = {"lead": "head", "transition": "head", "body": "body", "whole": "whole", "trail": "tail"}
X264_PRESETS = (
    "ultrafast",
    "superfast",
    "veryfast",
    "faster",
    "fast",
    "medium",
    "slow",
    "slower",
    "veryslow",
)
# Pan paths as (start, end) positions of the crop window, each a fraction of the margin.
_PANS = (
    ((0.0, 0.0), (1.0, 1.0)),
    ((1.0, 1.0), (0.0, 0.0)),
    ((1.0, 0.0), (0.0, 1.0)),
    ((0.0, 1.0), (1.0, 0.0)),
    ((0.0, 0.5), (1.0, 0.5)),
    ((1.0, 0.5), (0.0, 0.5)),
)
# Frames carry their colour tags to the encoder (its -color_* options alone are overridden
# by the frames' "unknown" primaries and transfer in this ffmpeg).
_TAGS = "setparams=colorspace=bt709:color_primaries=bt709:color_trc=bt709:range=tv"
_MAX_MARGIN = 0.2  # the canvas is up to 20% larger than the frame at motion_strength 1
_PAN_SPEED = 2.0  # pixels per frame at 1080 px wide and 30 fps, at motion_strength 1


def encoder_args(settings: ExportSettings, *, container: str = "mp4") -> list[str]:
    """Identical x264 settings for every piece, so that they join with stream copy:
    `stitchable` keeps the headers independent of the content, closed fixed GOPs and
    no scene-cut keyframes keep every piece starting on its own IDR frame."""
    return [
        "-an",
        "-c:v",
        "libx264",
        "-preset",
        settings.preset,
        "-crf",
        str(settings.crf),
        "-pix_fmt",
        "yuv420p",
        "-g",
        str(settings.fps * 2),
        # One thread each: two encodes run side by side on the two cores, and x264's frame
        # threads would otherwise hold extra 1080×1920 frames (~350 MB per process).
        "-threads",
        "1",
        "-x264-params",
        "scenecut=0:open-gop=0:stitchable=1:rc-lookahead=5",
        "-colorspace",
        "bt709",
        "-color_primaries",
        "bt709",
        "-color_trc",
        "bt709",
        "-color_range",
        "tv",
        *(["-video_track_timescale", "90000"] if container == "mp4" else []),
        "-f",
        container,
    ]


def canvas_size(settings: ExportSettings) -> tuple[int, int]:
    width, height = settings.size
    margin = _MAX_MARGIN * settings.motion_strength if settings.motion else 0.0
    return _even(width * (1 + margin)), _even(height * (1 + margin))


def prepare_image(segment: SegmentPlan, settings: ExportSettings, dest: Path) -> Path:
    """Decode the still, turn it upright and scale/crop it to cover the canvas (PPM)."""
    canvas = canvas_size(settings)
    try:
        with Image.open(segment.screen.image) as img:
            if img.width * img.height > MAX_PIXELS:
                raise InvalidInput(f"The image of {segment.label} is too large.")
            img.draft("RGB", canvas)  # JPEG: decode at a reduced scale when it is big
            upright = ImageOps.exif_transpose(img)
            rgb = _flatten(upright)
            fitted = ImageOps.fit(rgb, canvas, Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidInput(
            f"The image of {segment.label} is not a readable image (PNG, JPEG or WebP)."
        ) from exc
    fitted.save(dest, format="PPM")
    return dest


@dataclass(frozen=True)
class Source:
    """A screen as one process draws it: its plan, its prepared still, its captions."""

    segment: SegmentPlan
    image: Path
    captions: str | None  # the `ass=` filter, or None without captions


def piece_frames(segment: SegmentPlan, kind: str) -> tuple[int, int]:
    """[first, end) of the segment's frames that the piece shows."""
    frames, split = segment.frames, segment.split
    return {
        "head": (0, split),
        "body": (split, frames - split),
        "whole": (0, frames),
        "tail": (frames - split, frames),
    }[_RANGES[kind]]


def screen_args(
    own: Source, kinds: Sequence[str], timeline: Timeline, *, previous: Source | None, out: Path
) -> tuple[list[str], list[Path]]:
    """The command that writes the pieces `kinds` (in timeline order) into the folder `out`,
    and the files it writes. One encoder; IDR frames forced where the segment muxer cuts;
    `previous` draws the first screen of a transition."""
    settings = timeline.settings
    spans = [piece_frames(own.segment, kind) for kind in kinds]
    low, high = min(a for a, _ in spans), max(b for _, b in spans)
    split = "".join(f"[s{i}]" for i in range(len(kinds)))
    graph = [f"[0:v]{_draw(own, settings, low, high - low)},split={len(kinds)}{split}"]
    for index, ((first, end), kind) in enumerate(zip(spans, kinds, strict=True)):
        trimmed = f"[s{index}]trim=start_frame={first - low}:end_frame={end - low}"
        if kind != "transition":
            graph.append(f"{trimmed},setpts=N/FRAME_RATE/TB[p{index}]")
            continue
        if previous is None:
            raise ValueError("a transition needs the previous screen")
        graph += [
            f"{trimmed},setpts=N/FRAME_RATE/TB[h]",
            f"{_transition(previous, timeline)}[p{index}]",
        ]
    pads = "".join(f"[p{i}]" for i in range(len(kinds)))
    graph.append(f"{pads}concat=n={len(kinds)}:v=1:a=0,format=yuv420p,{_TAGS}[v]")
    args = ["-framerate", str(settings.fps), "-i", str(own.image)]
    if previous is not None:
        args += ["-framerate", str(settings.fps), "-i", str(previous.image)]
    lengths = [end - first for first, end in spans]
    args += ["-filter_complex", ";".join(graph), "-map", "[v]", "-frames:v", str(sum(lengths))]
    if len(kinds) == 1:
        return [*args, *encoder_args(settings), str(out / "piece0.mp4")], [out / "piece0.mp4"]
    cuts = [sum(lengths[: i + 1]) for i in range(len(lengths) - 1)]
    args += [
        *encoder_args(settings, container="segment"),
        *["-force_key_frames", "expr:" + "+".join(f"eq(n,{cut})" for cut in cuts)],
        *["-segment_frames", ",".join(map(str, cuts)), "-reset_timestamps", "1"],
        *["-segment_format", "mp4", "-segment_format_options", "video_track_timescale=90000"],
        str(out / "piece%d.mp4"),
    ]
    return args, [out / f"piece{i}.mp4" for i in range(len(kinds))]


def _draw(
    source: Source, settings: ExportSettings, first: int, count: int, *, captions: bool = True
) -> str:
    """Frames first … first+count−1 of the screen: still, pan and (unless told not to)
    captions."""
    chain = [
        "scale=out_color_matrix=bt709:out_range=tv",
        "format=yuv420p",
        _TAGS,
        f"loop=loop={count - 1}:size=1",
        f"setpts=(N+{first})/FRAME_RATE/TB",  # the captions' clock: time in the segment
        _pan(source.segment, settings, first),
    ]
    if captions and source.captions:
        chain.append(source.captions)
    return ",".join(chain)


def _transition(previous: Source, timeline: Timeline) -> str:
    """The previous screen's last frames, blended into `[h]` (this screen's first).

    The previous screen leaves without its caption: its caption ends where it starts to
    fade out, so only the incoming screen's caption is on screen during the transition.
    """
    first, end = piece_frames(previous.segment, "trail")
    seconds = timeline.overlap / timeline.fps
    kind = XFADE[timeline.settings.transition]
    leaving = _draw(previous, timeline.settings, first, end - first, captions=False)
    tail = f"[1:v]{leaving},setpts=N/FRAME_RATE/TB"
    # format and tags again after xfade (it works in 4:4:4): concat must not convert
    return (
        f"{tail}[t];[t][h]xfade=transition={kind}:duration={seconds:.6f}:offset=0,"
        f"format=yuv420p,{_TAGS}"
    )


def _pan(segment: SegmentPlan, settings: ExportSettings, first: int = 0) -> str:
    """A crop window moving in a straight line at a steady speed (so short and long
    screens move alike), centred on its path; long screens use the whole margin, slower."""
    width, height = settings.size
    canvas_w, canvas_h = canvas_size(settings)
    (x0, y0), (x1, y1) = _PANS[int(segment.image_hash[:8], 16) % len(_PANS)]
    mx, my = canvas_w - width, canvas_h - height
    last = max(1, segment.frames - 1)
    speed = _PAN_SPEED * settings.motion_strength * width / 1080 * 30 / settings.fps
    longest = max(abs(x1 - x0) * mx, abs(y1 - y0) * my, 1)
    share = min(1.0, speed * last / longest)  # of the full path, travelled in this segment
    xs, ys = (x0 + x1) / 2 - (x1 - x0) * share / 2, (y0 + y1) / 2 - (y1 - y0) * share / 2
    n = f"(n+{first})"  # the crop filter counts from 0 at the first frame drawn
    x = f"round({xs * mx:.3f}{(x1 - x0) * share * mx / last:+.6f}*{n})"
    y = f"round({ys * my:.3f}{(y1 - y0) * share * my / last:+.6f}*{n})"
    # 2-pixel steps (the 4:2:0 chroma grid): 1-pixel steps (exact=1) shift chroma against
    # luma on odd frames, which cost 30% more encode time and 3× the bitrate here.
    return f"crop=w={width}:h={height}:x='{x}':y='{y}'"


def _flatten(img: Image.Image) -> Image.Image:
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGB", rgba.size, (0, 0, 0))
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return img.convert("RGB")


def _even(value: float) -> int:
    return max(2, round(value / 2) * 2)
