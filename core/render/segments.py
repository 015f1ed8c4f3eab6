"""ffmpeg commands for the video pieces: a screen's segment (head, body, tail) and the
transition clip between two screens.

Motion is a slow pan of a crop window across the still, scaled once (by Pillow) to a
canvas a little larger than the frame. The still is converted to YUV once and repeated
with the `loop` filter, so each frame costs only a crop (a pointer offset) plus the
encode. Measured at 1080×1920 on this two-core machine: the pan encodes about as fast
as a still (~115 frames/s when idle), zoompan or a per-frame `scale` zoom 1.8–2.5× slower,
and a sub-pixel `perspective` pan 2.3× slower. The pan direction comes from the image
hash, not from the position, so that a segment does not depend on where it stands.
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageOps, UnidentifiedImageError

from core.errors import InvalidInput
from core.probe import MAX_PIXELS
from core.render.models import ExportSettings
from core.render.plan import XFADE, SegmentPlan, Timeline

PIECES = ("head", "body", "tail")
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


def segment_args(
    segment: SegmentPlan,
    timeline: Timeline,
    *,
    image: Path,
    captions: str | None,
    out_dir: Path,
) -> list[str]:
    """One encoder for the whole segment, with IDR frames forced where it is cut; the
    segment muxer then writes `piece0..2.mp4` (head, body, tail) split at those frames."""
    settings = timeline.settings
    frames, split = segment.frames, segment.split
    chain = [
        "scale=out_color_matrix=bt709:out_range=tv",
        "format=yuv420p",
        _TAGS,
        f"loop=loop={frames - 1}:size=1",
        "setpts=N/FRAME_RATE/TB",
        _pan(segment, settings),
    ]
    if captions:
        chain.append(captions)
    cuts = f"{split},{frames - split}"
    return [
        *["-framerate", str(settings.fps), "-i", str(image)],
        *["-filter_complex", ",".join(chain), "-frames:v", str(frames)],
        *encoder_args(settings, container="segment"),
        *["-force_key_frames", f"expr:eq(n,{split})+eq(n,{frames - split})"],
        *["-segment_frames", cuts, "-reset_timestamps", "1", "-segment_format", "mp4"],
        *["-segment_format_options", "video_track_timescale=90000"],
        str(out_dir / "piece%d.mp4"),
    ]


def transition_args(tail: Path, head: Path, timeline: Timeline, *, output: Path) -> list[str]:
    seconds = timeline.overlap / timeline.fps
    kind = XFADE[timeline.settings.transition]
    graph = f"[0:v][1:v]xfade=transition={kind}:duration={seconds:.6f}:offset=0,format=yuv420p"
    graph += f",{_TAGS}"
    return [
        "-i",
        str(tail),
        "-i",
        str(head),
        "-filter_complex",
        graph,
        "-frames:v",
        str(timeline.overlap),
        *encoder_args(timeline.settings),
        str(output),
    ]


def _pan(segment: SegmentPlan, settings: ExportSettings) -> str:
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
    x = f"round({xs * mx:.3f}{(x1 - x0) * share * mx / last:+.6f}*n)"
    y = f"round({ys * my:.3f}{(y1 - y0) * share * my / last:+.6f}*n)"
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
