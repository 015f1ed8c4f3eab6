"""The ffmpeg renderer end to end, with the real pip ffmpeg binary.

Inputs are made here: Pillow PNGs, WAV voices from the `wave` module (tone bursts of
chosen lengths) and word timings. Outputs are checked by decoding them with ffmpeg.
Frames are small (720p) and screens few, to keep the file fast.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import signal
import struct
import subprocess
import sys
import textwrap
import wave
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image, ImageDraw

from core.errors import InvalidInput
from core.media.probe import ffmpeg_exe
from core.providers.base import WordTiming
from core.render.cache import PieceCache
from core.render.engine import FFmpegRenderer
from core.render.spec import CaptionStyle, ExportSettings, RenderInput, RenderResult, ScreenInput

REPO = Path(__file__).resolve().parents[2]
WORDS = ["bright", "ideas", "travel", "fast", "when", "stories", "feel", "alive"]


def make_image(path: Path, seed: int) -> Path:
    """A busy picture, different for every seed (so screens and pans can be told apart)."""
    img = Image.new("RGB", (480, 640), (seed * 40 % 256, 90, 160))
    draw = ImageDraw.Draw(img)
    for index in range(40):
        x, y = (index * 53 + seed * 97) % 480, (index * 89 + seed * 31) % 640
        colour = ((index * 70 + seed * 20) % 256, (index * 30) % 256, (seed * 90) % 256)
        draw.ellipse([x, y, x + 60 + index % 5 * 20, y + 60 + index % 3 * 25], fill=colour)
    img.save(path)
    return path


def make_voice(path: Path, seconds: float, *, freq: float = 220.0, channels: int = 1) -> Path:
    """Speech-like tone bursts (0.3 s on, 0.1 s off) at 16 kHz, 16-bit."""
    rate = 16_000
    samples = bytearray()
    for index in range(int(seconds * rate)):
        t = index / rate
        on = (t % 0.4) < 0.3
        value = int(9000 * math.sin(2 * math.pi * freq * t)) if on else 0
        samples += struct.pack("<h", value) * channels
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(bytes(samples))
    return path


def make_screens(folder: Path, seconds: list[float]) -> list[ScreenInput]:
    folder.mkdir(parents=True, exist_ok=True)
    screens = []
    for position, length in enumerate(seconds):
        step = length / len(WORDS)
        words = [WordTiming(w, i * step, (i + 0.9) * step) for i, w in enumerate(WORDS)]
        screens.append(
            ScreenInput(
                position=position,
                image=make_image(folder / f"image{position}.png", position + 1),
                audio=make_voice(folder / f"voice{position}.wav", length, freq=200 + 60 * position),
                audio_seconds=length,
                narration=" ".join(WORDS),
                words=words,
            )
        )
    return screens


def settings(**changes: object) -> ExportSettings:
    base: dict[str, object] = {
        "aspect": "1:1",
        "resolution": "720p",
        "fps": 24,
        "captions": CaptionStyle(enabled=False),
        "transition": "crossfade",
        "transition_seconds": 0.5,
        "pad_seconds": 0.3,
        "min_screen_seconds": 0.0,  # short screens keep their own length unless a test says
    }
    return ExportSettings.model_validate(base | changes)


def render(
    screens: list[ScreenInput],
    output: Path,
    export: ExportSettings,
    *,
    cache: Path,
    music: Path | None = None,
    progress: list[tuple[int, str]] | None = None,
) -> RenderResult:
    seen = progress if progress is not None else []
    return FFmpegRenderer().render(
        RenderInput(screens=screens, settings=export, music=music),
        output,
        cache_dir=cache,
        progress=lambda pct, message: seen.append((pct, message)),
    )


def expected_duration(screens: list[ScreenInput], export: ExportSettings) -> float:
    fade = 0.0 if export.transition == "cut" else export.transition_seconds
    held = export.min_screen_seconds + fade  # a short screen is shown alone this long
    total = sum(max(s.audio_seconds + export.pad_seconds, held) for s in screens)
    return total - (len(screens) - 1) * fade


def decode(path: Path) -> tuple[str, float]:
    """Decode every frame (ffmpeg errors out on a broken join); return the stream info and
    the decoded duration."""
    proc = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    errors = [line for line in proc.stderr.splitlines() if re.search(r"error|invalid", line, re.I)]
    assert errors == []
    times = re.findall(r"time=(\d+):(\d+):(\d+\.\d+)", proc.stderr)
    h, m, s = times[-1]
    return proc.stderr, int(h) * 3600 + int(m) * 60 + float(s)


def container_duration(info: str) -> float:
    h, m, s = re.search(r"Duration: (\d+):(\d+):(\d+\.\d+)", info).groups()  # type: ignore[union-attr]
    return int(h) * 3600 + int(m) * 60 + float(s)


def frame(path: Path, at: float, width: int, height: int) -> bytes:
    """One decoded frame as grey bytes."""
    command = [ffmpeg_exe(), "-nostdin", "-v", "error", "-ss", f"{at}", "-i", str(path)]
    command += ["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "gray", "-"]
    proc = subprocess.run(command, capture_output=True, check=True)
    assert len(proc.stdout) == width * height
    return proc.stdout


def loudness(path: Path) -> float:
    command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-i", str(path), "-map", "0:a"]
    command += ["-af", "ebur128", "-f", "null", "-"]
    proc = subprocess.run(command, capture_output=True, text=True, check=True)
    return float(re.findall(r"I:\s+(-?\d+\.\d) LUFS", proc.stderr)[-1])


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def leftovers(folder: Path) -> list[Path]:
    return sorted(folder.glob(".*.partial"))


def test_output_has_the_chosen_format_duration_and_sound(tmp_path: Path) -> None:
    screens = make_screens(tmp_path / "in", [1.6, 2.1, 1.3])
    export = settings(aspect="9:16", fps=30)
    output = tmp_path / "out" / "video.mp4"
    progress: list[tuple[int, str]] = []

    result = render(screens, output, export, cache=tmp_path / "cache", progress=progress)

    info, decoded = decode(output)
    expected = expected_duration(screens, export)  # 5.9 s
    assert abs(result.duration - expected) < 0.1
    assert abs(decoded - expected) < 0.1
    assert abs(container_duration(info) - expected) < 0.1
    assert re.search(r"Video: h264 .*yuv420p\(tv, bt709.*720x1280.* 30 fps", info)
    assert re.search(r"Audio: aac .*48000 Hz, stereo", info)
    assert (result.width, result.height, result.fps) == (720, 1280, 30)
    assert (result.segments_encoded, result.segments_reused) == (3, 0)
    with Image.open(result.thumbnail) as thumb:
        assert (thumb.format, thumb.size) == ("JPEG", (720, 1280))
    assert result.thumbnail == output.with_suffix(".jpg")
    pcts = [pct for pct, _ in progress]
    assert pcts == sorted(pcts) and pcts[-1] == 100 and len(set(pcts)) > 3
    assert leftovers(output.parent) == []
    assert list((tmp_path / "cache" / "work").iterdir()) == []


@pytest.mark.parametrize(
    ("transition", "minimum"), [("cut", 1.5), ("slide_left", 0.0), ("circle", 1.5)]
)
def test_duration_follows_the_transition_formula(
    tmp_path: Path, transition: str, minimum: float
) -> None:
    screens = make_screens(tmp_path / "in", [1.2, 0.9, 1.5])
    export = settings(
        transition=transition, transition_seconds=0.4, pad_seconds=0.5, min_screen_seconds=minimum
    )
    output = tmp_path / "video.mp4"

    result = render(screens, output, export, cache=tmp_path / "cache")

    _, decoded = decode(output)
    assert abs(decoded - expected_duration(screens, export)) < 0.1
    assert abs(result.duration - expected_duration(screens, export)) < 0.1


def test_captions_are_burned_in_at_the_spoken_word(tmp_path: Path) -> None:
    screens = make_screens(tmp_path / "in", [2.0])
    plain, captioned = tmp_path / "plain.mp4", tmp_path / "captioned.mp4"
    on = CaptionStyle(enabled=True, size=90, position="middle")

    render(screens, plain, settings(), cache=tmp_path / "cache")
    render(screens, captioned, settings(captions=on), cache=tmp_path / "cache")

    at = (screens[0].words[2].start + screens[0].words[2].end) / 2
    without, with_captions = frame(plain, at, 720, 720), frame(captioned, at, 720, 720)
    middle = slice(720 * 300, 720 * 420)  # the rows around the middle, where captions sit
    top = slice(0, 720 * 120)
    assert differing(without[middle], with_captions[middle]) > 2000  # the caption's letters
    assert differing(without[top], with_captions[top]) < 50  # the rest of the picture


def differing(first: bytes, second: bytes) -> int:
    """How many grey pixels differ clearly (more than coding noise)."""
    return sum(abs(a - b) > 40 for a, b in zip(first, second, strict=True))


def test_changing_one_image_encodes_only_its_segment(tmp_path: Path) -> None:
    screens = make_screens(tmp_path / "in", [1.2, 1.4, 1.0, 1.3])
    export = settings()
    output, cache = tmp_path / "video.mp4", tmp_path / "cache"
    first = render(screens, output, export, cache=cache)
    first_video = digest(output)
    before = {folder: set(os.listdir(cache / folder)) for folder in ("segments", "transitions")}
    audio_before = set(os.listdir(cache / "audio"))

    new_image = make_image(tmp_path / "in" / "other.png", 42)
    screens[1] = replace(screens[1], image=new_image)
    second = render(screens, output, export, cache=cache)

    assert (first.segments_encoded, first.segments_reused) == (4, 0)
    assert (second.segments_encoded, second.segments_reused) == (1, 3)
    assert len(set(os.listdir(cache / "segments")) - before["segments"]) == 1
    assert len(set(os.listdir(cache / "transitions")) - before["transitions"]) == 2
    assert set(os.listdir(cache / "audio")) == audio_before  # the sound was reused
    assert digest(output) != first_video  # the new picture is in
    info, decoded = decode(output)
    assert abs(decoded - first.duration) < 0.05 and second.duration == first.duration
    assert re.search(r"Video: h264 .*720x720.* 24 fps", info)
    assert re.search(r"Audio: aac ", info)


def test_an_abandoned_render_keeps_the_previous_video(tmp_path: Path) -> None:
    screens = make_screens(tmp_path / "in", [1.0, 1.2])
    output, cache = tmp_path / "video.mp4", tmp_path / "cache"
    render(screens, output, settings(), cache=cache)
    kept_video, kept_thumb = digest(output), digest(output.with_suffix(".jpg"))

    def cancel(pct: int, message: str) -> None:
        if pct > 0:
            raise KeyboardInterrupt("cancelled")

    changed = settings(fps=30)  # every segment must be encoded again
    with pytest.raises(KeyboardInterrupt):
        FFmpegRenderer().render(
            RenderInput(screens=screens, settings=changed), output, cache_dir=cache, progress=cancel
        )

    assert digest(output) == kept_video
    assert digest(output.with_suffix(".jpg")) == kept_thumb
    assert leftovers(tmp_path) == []
    assert list((cache / "work").iterdir()) == []
    assert _ffmpeg_children() == []


_KILLED_RENDER = """
import sys
from pathlib import Path
from core.render.cache import PieceCache
from core.render.engine import FFmpegRenderer
from core.render.spec import RenderInput
from tests.integration.test_render_engine import make_screens, settings

folder = Path(sys.argv[1])
screens = make_screens(folder / "in", [3.0, 3.0, 3.0])
def report(pct, message):
    print(pct, flush=True)
FFmpegRenderer().render(
    RenderInput(screens=screens, settings=settings(aspect="9:16", resolution="1080p", fps=60)),
    folder / "video.mp4", cache_dir=folder / "cache", progress=report)
"""


def test_a_killed_render_leaves_the_previous_video_intact(tmp_path: Path) -> None:
    screens = make_screens(tmp_path / "in", [3.0, 3.0, 3.0])
    output = tmp_path / "video.mp4"
    render(screens, output, settings(), cache=tmp_path / "cache")
    kept = digest(output)

    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(_KILLED_RENDER), str(tmp_path)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group: the kill takes its ffmpegs too
    )
    assert child.stdout is not None
    for line in child.stdout:
        if int(line) >= 5:  # well into the encode
            break
    os.killpg(child.pid, signal.SIGKILL)
    assert child.wait() == -signal.SIGKILL  # killed mid-way, not finished
    child.stdout.close()

    assert digest(output) == kept
    _, decoded = decode(output)
    assert abs(decoded - expected_duration(screens, settings())) < 0.1
    # the next render sweeps what the killed one left behind
    render(screens[:1], tmp_path / "other.mp4", settings(), cache=tmp_path / "cache")
    assert leftovers(tmp_path) == []
    assert list((tmp_path / "cache" / "work").iterdir()) == []


def test_a_corrupt_image_is_refused_naming_its_screen(tmp_path: Path) -> None:
    screens = make_screens(tmp_path / "in", [1.0, 1.0, 1.0])
    broken = tmp_path / "in" / "broken.png"
    broken.write_bytes(screens[1].image.read_bytes()[:400])  # a truncated PNG
    screens[1] = replace(screens[1], image=broken)
    output = tmp_path / "video.mp4"

    with pytest.raises(InvalidInput, match="image of screen 2"):
        render(screens, output, settings(), cache=tmp_path / "cache")

    assert not output.exists() and leftovers(tmp_path) == []


def test_a_voice_that_is_not_audio_is_refused_naming_its_screen(tmp_path: Path) -> None:
    screens = make_screens(tmp_path / "in", [1.0, 1.0, 1.0])
    broken = tmp_path / "in" / "voice.mp3"
    broken.write_bytes(b"ID3" + bytes(range(256)) * 8)  # looks like an MP3, is not one
    screens[2] = replace(screens[2], audio=broken)
    output = tmp_path / "video.mp4"

    with pytest.raises(InvalidInput, match="voice-over of screen 3"):
        render(screens, output, settings(), cache=tmp_path / "cache")

    assert not output.exists() and leftovers(tmp_path) == []
    assert _ffmpeg_children() == []


def test_music_that_is_not_audio_is_refused(tmp_path: Path) -> None:
    screens = make_screens(tmp_path / "in", [1.0])
    music = tmp_path / "music.mp3"
    music.write_text("these are not the sounds you are looking for")

    with pytest.raises(InvalidInput, match="music"):
        render(screens, tmp_path / "video.mp4", settings(), cache=tmp_path / "cache", music=music)


def test_the_sound_is_normalised_with_music_ducked_under_the_voice(tmp_path: Path) -> None:
    screens = make_screens(tmp_path / "in", [2.5, 2.0])
    music = make_voice(tmp_path / "music.wav", 1.7, freq=523.0, channels=2)  # looped
    output = tmp_path / "video.mp4"

    result = render(screens, output, settings(), cache=tmp_path / "cache", music=music)

    assert abs(loudness(output) - (-14.0)) <= 1.5
    info, decoded = decode(output)
    assert abs(decoded - result.duration) < 0.1
    assert re.search(r"Audio: aac .*48000 Hz, stereo", info)


def _ffmpeg_children() -> list[int]:
    """ffmpeg processes whose parent is this test process."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        parent = int(stat[stat.rindex(")") + 2 :].split()[1])
        if parent == os.getpid() and name.startswith("ffmpeg"):
            found.append(int(entry.name))
    return found


def test_the_cache_drops_least_recently_used_pieces_beyond_its_budget(tmp_path: Path) -> None:
    screens = make_screens(tmp_path / "in", [1.0, 1.0])
    cache_dir = tmp_path / "cache"
    render(screens[:1], tmp_path / "one.mp4", settings(), cache=cache_dir)
    old_segment = next((cache_dir / "segments").iterdir())
    os.utime(old_segment, (1, 1))  # last used long ago
    render(screens[1:], tmp_path / "two.mp4", settings(), cache=cache_dir)
    cache = PieceCache(cache_dir)
    entries = set((cache_dir / "segments").iterdir())
    newest = entries - {old_segment}

    assert cache.prune(max_bytes=10**9) == 0  # within budget: nothing goes
    assert cache.prune(max_bytes=0) == 1  # only the old entry: the rest was used just now
    assert set((cache_dir / "segments").iterdir()) == newest
