"""Check media by content with the pip ffmpeg binary (imageio-ffmpeg) and Pillow.

imageio-ffmpeg ships ffmpeg but not ffprobe, so audio is probed by letting ffmpeg
decode it: a file that ffmpeg cannot decode is not audio, whatever its name says.
"""

from __future__ import annotations

import io
import re
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from core.errors import InvalidInput

IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
MAX_PIXELS = 40_000_000
_TIME = re.compile(r"time=(\d+):(\d+):(\d+(?:\.\d+)?)")


@cache
def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return str(imageio_ffmpeg.get_ffmpeg_exe())


@dataclass(frozen=True)
class ImageInfo:
    mime: str
    width: int
    height: int


def probe_image(data: bytes) -> ImageInfo:
    """Identify PNG/JPEG/WebP by content and check it decodes fully."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            fmt = img.format or ""
            if fmt not in IMAGE_TYPES:
                raise InvalidInput(
                    f"Images must be PNG, JPEG or WebP; this file is {fmt or 'not an image'}."
                )
            width, height = img.size
            if width * height > MAX_PIXELS:
                raise InvalidInput(f"The image is too large ({width}×{height} pixels).")
            img.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise InvalidInput("That file is not a readable image (PNG, JPEG or WebP).") from exc
    return ImageInfo(mime=IMAGE_TYPES[fmt], width=width, height=height)


def audio_duration(path: Path, *, at_most: float | None = None) -> float:
    """Decode the audio and return its duration in seconds; InvalidInput if it is not
    decodable audio. With `at_most`, decoding stops a second past it (a 14-hour MP3 costs
    no more than a short one): a result above `at_most` means "longer than that"."""
    limit = ["-t", f"{at_most + 1:.3f}"] if at_most is not None else []
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), *limit,
         "-map", "0:a:0", "-f", "null", "-"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )  # fmt: skip
    times = _TIME.findall(proc.stderr)
    if proc.returncode != 0 or not times:
        raise InvalidInput("That file is not audio that can be played (MP3, WAV or M4A).")
    h, m, s = times[-1]
    duration = int(h) * 3600 + int(m) * 60 + float(s)
    if duration <= 0:
        raise InvalidInput("The audio file is empty.")
    return duration


AUDIO_MIMES = {"mp3": "audio/mpeg", "wav": "audio/wav", "mov,mp4,m4a,3gp,3g2,mj2": "audio/mp4"}
_FORMAT = re.compile(r"Input #0, ([\w,]+),")


def audio_mime(path: Path) -> str:
    """The container of an audio file by content: MP3, WAV or M4A; else InvalidInput."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    match = _FORMAT.search(proc.stderr)
    if match is None:  # whatever its name says, ffmpeg found no sound in it
        raise InvalidInput(
            "This file could not be read as audio: it is damaged or not a recording. "
            "Upload an MP3, WAV or M4A file."
        )
    mime = AUDIO_MIMES.get(match.group(1))
    if mime is None:
        raise InvalidInput(f"Audio must be MP3, WAV or M4A, not {match.group(1).split(',')[0]}.")
    return mime


def clock(seconds: float) -> str:
    """120 → "2:00"; 905 → "15:05"."""
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"
