"""Synthetic render inputs for bench/render.py, and a process-tree memory sampler.

Each screen gets a distinct 1080×1920 PNG (gradient + shapes, Pillow), a WAV voice made
with the stdlib (low-passed noise bursts shaped like syllables, pauses between words)
and word timings at about 2.5 words per second that match the bursts. Everything is
seeded, so two runs render the same bytes.
"""

from __future__ import annotations

import array
import json
import math
import os
import random
import threading
import time
import wave
from pathlib import Path

from PIL import Image, ImageDraw, ImageOps

from core.providers.base import WordTiming
from core.render.spec import ScreenInput

WIDTH, HEIGHT = 1080, 1920
RATE = 22050  # eSpeak NG's rate
TEXT = (
    "the ocean covers most of our planet yet we have mapped only a small part of "
    "its floor deep below the light there are mountains longer than any on land and "
    "creatures that glow to find each other in the dark every minute rivers carry "
    "salt and sand into the sea where currents move heat around the world"
)
WORDS = TEXT.split()


def make_image(path: Path, index: int, variant: int = 0) -> None:
    """A distinct picture per (index, variant): a tinted diagonal gradient and shapes."""
    rng = random.Random(f"image-{index}-{variant}")
    dark = tuple(rng.randrange(0, 90) for _ in range(3))
    light = tuple(rng.randrange(150, 256) for _ in range(3))
    ramp = Image.linear_gradient("L").rotate(rng.choice((0, 30, 45, 60, 90)), expand=False)
    img = ImageOps.colorize(ramp.resize((WIDTH, HEIGHT)), dark, light).convert("RGB")  # type: ignore[arg-type]
    draw = ImageDraw.Draw(img)
    for _ in range(14):
        x, y = rng.randrange(-200, WIDTH), rng.randrange(-200, HEIGHT)
        size = rng.randrange(80, 520)
        fill = tuple(rng.randrange(0, 256) for _ in range(3))
        if rng.random() < 0.5:
            draw.ellipse((x, y, x + size, y + size), fill=fill, outline=(255, 255, 255), width=6)
        else:
            points = [(x + rng.randrange(size), y + rng.randrange(size)) for _ in range(3)]
            draw.polygon(points, fill=fill)
    draw.text((60, 80), f"Screen {index + 1}", fill=(255, 255, 255), font_size=96)
    img.save(path, compress_level=1)


def make_voice(path: Path, index: int, seconds: float) -> tuple[str, list[WordTiming]]:
    """A mono 16-bit WAV of `seconds`; returns the narration and its word timings."""
    rng = random.Random(f"voice-{index}")
    samples = array.array("h", bytes(2 * round(seconds * RATE)))
    words: list[WordTiming] = []
    t, k = 0.15, index * 13
    while t < seconds - 0.3:
        word = WORDS[k % len(WORDS)]
        k += 1
        length = min(0.08 + 0.045 * len(word) + rng.uniform(0, 0.04), seconds - 0.1 - t)
        words.append(WordTiming(word=word, start=round(t, 3), end=round(t + length, 3)))
        _burst(samples, rng, t, length)
        t += length + rng.uniform(0.06, 0.14)  # the pause: ~2.5 words per second overall
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(samples.tobytes())
    text = " ".join(w.word for w in words)
    return text[0].upper() + text[1:] + ".", words


def _burst(samples: array.array[int], rng: random.Random, start: float, length: float) -> None:
    """Syllables of low-passed noise (~4 per second) with a voiced hum, inside one word."""
    first, count = round(start * RATE), round(length * RATE)
    syllables = max(1, round(length * 4))
    pitch = rng.uniform(110, 190)
    low = 0.0
    for i in range(count):
        phase = i / count * syllables
        envelope = math.sin(math.pi * (phase % 1.0)) ** 2
        low += 0.18 * (rng.uniform(-1, 1) - low)  # one-pole low-pass: a breathy spectrum
        hum = math.sin(2 * math.pi * pitch * i / RATE)
        samples[first + i] = int(9000 * envelope * (0.6 * hum + 1.6 * low))


def make_inputs(root: Path, screens: int, seconds: float = 5.0) -> Path:
    """Write the images, voices and a manifest.json under `root`; return the manifest."""
    root.mkdir(parents=True, exist_ok=True)
    entries = []
    for i in range(screens):
        image, audio = root / f"image-{i:03}.png", root / f"voice-{i:03}.wav"
        make_image(image, i)
        narration, words = make_voice(audio, i, seconds)
        entries.append({
            "image": str(image), "audio": str(audio), "seconds": seconds,
            "narration": narration, "words": [[w.word, w.start, w.end] for w in words],
        })  # fmt: skip
    manifest = root / "manifest.json"
    manifest.write_text(json.dumps({"screens": entries}))
    return manifest


def load_screens(manifest: Path) -> list[ScreenInput]:
    data = json.loads(manifest.read_text())
    return [
        ScreenInput(
            position=i,
            image=Path(s["image"]),
            audio=Path(s["audio"]),
            audio_seconds=float(s["seconds"]),
            narration=s["narration"],
            words=[WordTiming(word=w, start=a, end=b) for w, a, b in s["words"]],
        )
        for i, s in enumerate(data["screens"])
    ]


class PeakRss:
    """Samples the memory of `pid` plus all its descendants every `interval` s.

    `peak_mb`: the largest sum of VmRSS seen (pages shared between processes, such as the
    ffmpeg binary's, count once per process); `peak_pss_mb`: the same for PSS, which splits
    shared pages between their users, so it is what the tree really occupies.
    """

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        self.pid, self.interval = pid, interval
        self.peak_kb = self.peak_pss_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024

    @property
    def peak_pss_mb(self) -> float:
        return self.peak_pss_kb / 1024

    def _run(self) -> None:
        while not self._stop.is_set():
            sizes = [_memory_kb(pid) for pid in tree(self.pid)]
            self.peak_kb = max(self.peak_kb, sum(rss for rss, _ in sizes))
            self.peak_pss_kb = max(self.peak_pss_kb, sum(pss for _, pss in sizes))
            time.sleep(self.interval)


def tree(root: int) -> list[int]:
    """`root` and every live descendant, from the kernel's per-thread `children` lists
    (a few small reads per sample: scanning all of /proc took 7% of a core at 20 Hz,
    stolen from the arm being measured)."""
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        try:
            threads = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in threads:
            try:
                todo.extend(
                    int(child) for child in _read(f"/proc/{pid}/task/{tid}/children").split()
                )
            except (OSError, ValueError):
                continue
    return found


def _read(path: str) -> str:
    with open(path) as fh:
        return fh.read()


def _memory_kb(pid: int) -> tuple[int, int]:
    """(VmRSS, Pss) in kB; (0, 0) once the process is gone."""
    return _field(f"/proc/{pid}/status", "VmRSS:"), _field(f"/proc/{pid}/smaps_rollup", "Pss:")


def _field(path: str, key: str) -> int:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0
