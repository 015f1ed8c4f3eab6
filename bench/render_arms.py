"""The arms of bench/render.py, each run in its own process so its memory is its own.

    python -m bench.render_arms ours MANIFEST WORKDIR [--incremental]
    python -m bench.render_arms moviepy MANIFEST OUTPUT SCREENS

Each prints one JSON line with its timings; imports are not timed.
"""

from __future__ import annotations

import dataclasses
import json
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.render_inputs import load_screens, make_image
from core.render.spec import (
    CaptionStyle,
    ExportSettings,
    RenderInput,
)

XFADE = 0.5
SETTINGS = ExportSettings(
    aspect="9:16", resolution="1080p", fps=30, quality="standard", preset="veryfast",
    captions=CaptionStyle(enabled=True, highlight=True),
    transition="crossfade", transition_seconds=XFADE, motion=True,
)  # fmt: skip
CHANGED = 5  # the screen whose image changes for the incremental render (clamped)


def cpu_seconds() -> float:
    """CPU time of this process (all threads) and of the children it has reaped (ffmpeg)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def ours(manifest: Path, work: Path, incremental: bool) -> dict[str, object]:
    from core.render.engine import FFmpegRenderer

    screens = load_screens(manifest)
    cache = work / "cache"
    renderer = FFmpegRenderer()
    start, cpu = time.perf_counter(), cpu_seconds()
    full = renderer.render(
        RenderInput(screens=screens, settings=SETTINGS, language="en"),
        work / "ours.mp4",
        cache_dir=cache,
        progress=lambda percent, message: None,
    )
    result: dict[str, object] = {
        "full_s": time.perf_counter() - start,
        "full_cpu_s": cpu_seconds() - cpu,
        "output": str(full.output),
        "duration": full.duration,
        "segments_encoded": full.segments_encoded,
    }
    if incremental:
        changed = min(CHANGED, len(screens) - 1)
        image = work / f"changed-{changed}.png"
        make_image(image, changed, variant=1)
        screens[changed] = dataclasses.replace(screens[changed], image=image)
        start, cpu = time.perf_counter(), cpu_seconds()
        again = renderer.render(
            RenderInput(screens=screens, settings=SETTINGS, language="en"),
            work / "ours-incremental.mp4",
            cache_dir=cache,
            progress=lambda percent, message: None,
        )
        result |= {
            "incremental_s": time.perf_counter() - start,
            "incremental_cpu_s": cpu_seconds() - cpu,
            "incremental_segments_encoded": again.segments_encoded,
            "incremental_segments_reused": again.segments_reused,
        }
    return result


def moviepy_render(manifest: Path, output: Path, count: int) -> dict[str, object]:
    """The first `count` screens, written the way moviepy 2.x tutorials do it."""
    from moviepy import (
        AudioFileClip,
        CompositeAudioClip,
        CompositeVideoClip,
        ImageClip,
        TextClip,
        vfx,
    )

    from core.render.fonts import NOTO_SANS

    font = str(NOTO_SANS.paths()[0])
    width, height = SETTINGS.size
    style = SETTINGS.captions
    per_line = style.words_per_line
    start, cpu = time.perf_counter(), cpu_seconds()
    clips, voices, t = [], [], 0.0
    for i, screen in enumerate(load_screens(manifest)[:count]):
        length = screen.audio_seconds + SETTINGS.pad_seconds
        picture = (
            ImageClip(str(screen.image))
            .with_duration(length)
            .resized(lambda t: 1 + 0.04 * t)  # Ken Burns: a slow zoom
            .with_position("center")
            .with_start(t)
        )
        if i:
            picture = picture.with_effects([vfx.CrossFadeIn(XFADE)])
        clips.append(picture)
        for g in range(0, len(screen.words), per_line):
            group = screen.words[g : g + per_line]
            caption = TextClip(
                font=font, text=" ".join(w.word for w in group), font_size=style.size,
                color=style.color, stroke_color=style.outline_color,
                stroke_width=style.outline, method="label", margin=(10, 10),
            )  # fmt: skip
            clips.append(
                caption.with_start(t + group[0].start)
                .with_duration(max(0.1, group[-1].end - group[0].start))
                .with_position(("center", int(height * 0.78)))
            )
        voices.append(AudioFileClip(str(screen.audio)).with_start(t))
        t += length - XFADE
    video = CompositeVideoClip(clips, size=(width, height)).with_audio(CompositeAudioClip(voices))
    video.write_videofile(
        str(output), codec="libx264", preset="veryfast", ffmpeg_params=["-crf", "23"],
        fps=SETTINGS.fps, audio_codec="aac", logger=None,
    )  # fmt: skip
    spent, cpu = time.perf_counter() - start, cpu_seconds() - cpu
    return {"moviepy_s": spent, "cpu_s": cpu, "duration": video.duration}


def main() -> None:
    arm, manifest = sys.argv[1], Path(sys.argv[2])
    if arm == "ours":
        result = ours(manifest, Path(sys.argv[3]), "--incremental" in sys.argv)
    elif arm == "moviepy":
        result = moviepy_render(manifest, Path(sys.argv[3]), int(sys.argv[4]))
    else:
        raise SystemExit(f"unknown arm {arm!r}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
