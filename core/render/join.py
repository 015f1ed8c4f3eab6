"""The last step: join the cached pieces with the sound into the MP4, make the thumbnail,
and put both in place atomically.

The concat demuxer reads the pieces in timeline order and the MP4 muxer copies their
packets (`-c copy`): every piece starts on an IDR frame and all were encoded with the same
x264 settings (see `segments.encoder_args`), so the first piece's headers serve them all.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from core.media.files import owner_is_gone, owner_tag
from core.render.cache import PieceCache
from core.render.plan import Timeline, edge_key, transition_key


def thumbnail_path(output: Path) -> Path:
    return output.with_suffix(".jpg")


def screen_pieces(timeline: Timeline, cache: PieceCache, index: int) -> list[tuple[str, Path]]:
    """(kind, cache file) of the pieces that screen `index` adds to the video, in order."""
    segments = timeline.segments
    segment = segments[index]
    if not timeline.joined:
        return [("whole", cache.segment(segment.key))]
    if index == 0:
        pieces = [("lead", cache.edge(edge_key(segment, "lead")))]
    else:
        key = transition_key(segments[index - 1], segment, timeline)
        pieces = [("transition", cache.transition(key))]
    pieces.append(("body", cache.segment(segment.key)))
    if index == len(segments) - 1:
        pieces.append(("trail", cache.edge(edge_key(segment, "trail"))))
    return pieces


def pieces_in_order(timeline: Timeline, cache: PieceCache) -> list[Path]:
    return [
        path
        for index in range(len(timeline.segments))
        for _, path in screen_pieces(timeline, cache, index)
    ]


def write_listing(path: Path, pieces: list[Path]) -> Path:
    """An ffconcat file naming the pieces (absolute paths, quoted for the demuxer)."""
    lines = ["ffconcat version 1.0", *(f"file {_quote(piece)}" for piece in pieces)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def join_args(listing: Path, audio: Path, output: Path) -> list[str]:
    return [
        *["-f", "concat", "-safe", "0", "-i", str(listing), "-i", str(audio)],
        *["-map", "0:v:0", "-map", "1:a:0", "-c", "copy", "-movflags", "+faststart"],
        *["-f", "mp4", "-y", str(output)],
    ]


def thumbnail_args(video: Path, output: Path, *, duration: float) -> list[str]:
    at = min(1.0, duration / 2)
    return [
        *["-ss", f"{at:.3f}", "-i", str(video), "-frames:v", "1", "-q:v", "3"],
        *["-update", "1", "-f", "image2", "-y", str(output)],
    ]


def partial_path(output: Path, suffix: str) -> Path:
    """A fresh temporary file beside `output` (same filesystem, so renaming is atomic),
    named after its writer so that a later render can sweep it if the writer died."""
    output.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(
        dir=output.parent, prefix="." + owner_tag(), suffix=f".{output.stem}{suffix}.partial"
    )
    os.close(fd)
    os.chmod(name, 0o644)  # mkstemp makes it private; the published file is an ordinary one
    return Path(name)


def sweep_partials(folder: Path) -> None:
    """Remove partial files left by renders whose process is gone (killed)."""
    for path in folder.glob(".*.partial") if folder.is_dir() else []:
        if owner_is_gone(path.name):
            with contextlib.suppress(OSError):
                path.unlink()


def publish(moves: list[tuple[Path, Path]]) -> None:
    """Flush each finished file to disk, then rename it over its target (atomic each)."""
    for partial, _ in moves:
        with partial.open("rb") as fh:
            os.fsync(fh.fileno())
    for partial, target in moves:
        os.replace(partial, target)


def _quote(path: Path) -> str:
    return "'" + str(path.resolve()).replace("'", "'\\''") + "'"
