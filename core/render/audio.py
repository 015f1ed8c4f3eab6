"""The sound track, built separately from the picture (cheap) and cached by its inputs.

Each voice is padded (or cut) to its segment's exact length in samples; neighbours
overlap by the transition's length with an equal-power crossfade, so sound and picture
stay in step. The narration is mixed in groups of voices, each group one ffmpeg writing
its exact stretch of samples as raw float (every open input costs ffmpeg about 1 MB: a
10-minute video's 120 voices in one process took 155 MB); the stretches are read back
to back through ffmpeg's `concat:` protocol. Background music is looped, lowered, faded
out at the end and ducked under the narration (a sidechain compressor keyed by the
narration). Loudness takes two cheap passes: `ebur128` measures the mix's integrated
loudness and true peak, then one gain brings it to the target and a look-ahead limiter
keeps the peaks under -1.5 dBTP while the mix is encoded as AAC. (loudnorm does the same
in 2.3× the time: it measures at 192 kHz, and when the linear gain would clip it falls
back to its dynamic mode.)
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from core.render.plan import Timeline

SAMPLE_RATE = 48_000
_FORMAT = f"aresample={SAMPLE_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo"
_SUMMARY = re.compile(
    r"Integrated loudness:\s*I:\s*(\S+) LUFS.*True peak:\s*Peak:\s*(\S+) dBFS", re.S
)
_PEAK_CEILING = -2.0  # dBFS of samples: true (inter-sample) peaks land at about -1.5 dBTP
_SILENT = -69.0  # LUFS: ebur128 reports -70 for a silent mix, which gets no gain


@dataclass(frozen=True)
class Loudness:
    integrated: float  # LUFS
    true_peak: float  # dBTP


def samples(frames: int, fps: int) -> int:
    return frames * SAMPLE_RATE // fps  # exact: 48000 is a multiple of 24, 30 and 60


GROUP = 12  # voices per ffmpeg
_RAW = ["-f", "f32le", "-ar", str(SAMPLE_RATE), "-ac", "2"]


def narration_groups(timeline: Timeline) -> list[tuple[int, int]]:
    """[first, end) screen indices of each group."""
    count = len(timeline.segments)
    return [(first, min(first + GROUP, count)) for first in range(0, count, GROUP)]


def _starts(timeline: Timeline) -> list[int]:
    """The sample where each screen's voice starts in the narration; then the total."""
    overlap = samples(timeline.overlap, timeline.fps) if timeline.joined else 0
    starts, at = [], 0
    for segment in timeline.segments:
        starts.append(at)
        at += samples(segment.frames, timeline.fps) - overlap
    return [*starts, at + overlap]


def group_args(timeline: Timeline, first: int, end: int, output: Path) -> list[str]:
    """The narration from the start of screen `first` to the start of screen `end` (to the
    very end for the last group) as raw float samples. With transitions the group begins
    with the previous screen's voice, whose tail crossfades into its first one."""
    fps, segments = timeline.fps, timeline.segments
    since = first - 1 if timeline.joined and first > 0 else first
    args: list[str] = []
    parts = []
    for index, segment in enumerate(segments[since:end]):
        length = samples(segment.frames, fps)
        args += ["-i", str(segment.screen.audio)]
        parts.append(
            f"[{index}:a:0]{_FORMAT},apad=whole_len={length},atrim=end_sample={length}[v{index}]"
        )
    count = end - since
    if count == 1:
        parts.append("[v0]anull[voices]")
    elif timeline.joined:
        overlap = samples(timeline.overlap, fps)
        previous = "[v0]"
        for index in range(1, count):
            label = "[voices]" if index == count - 1 else f"[x{index}]"
            parts.append(f"{previous}[v{index}]acrossfade=ns={overlap}:c1=qsin:c2=qsin{label}")
            previous = label
    else:
        pads = "".join(f"[v{index}]" for index in range(count))
        parts.append(f"{pads}concat=n={count}:v=0:a=1[voices]")
    starts = _starts(timeline)
    skip = starts[first] - starts[since]
    stop = starts[end] - starts[since] if end < len(segments) else starts[-1] - starts[since]
    parts.append(f"[voices]atrim=start_sample={skip}:end_sample={stop}[out]")
    graph = ";".join(parts)
    return [*args, "-filter_complex", graph, "-map", "[out]", *_RAW, str(output)]


def _inputs(narration: list[Path], music: Path | None) -> list[str]:
    """The groups' raw files read as one input (our own paths: no `|` in them), and the
    music looped."""
    args = [*_RAW, "-i", "concat:" + "|".join(str(part) for part in narration)]
    if music is not None:
        args += ["-stream_loop", "-1", "-i", str(music)]
    return args


def _mix_graph(timeline: Timeline, music: Path | None) -> str:
    """Filters from the inputs to a `[mix]` pad: the narration, plus ducked music."""
    if music is None:
        return "[0:a:0]anull[mix]"
    total = samples(timeline.total_frames, timeline.fps)
    volume = timeline.settings.music_volume
    fade = min(total // 4, 2 * SAMPLE_RATE)  # the music fades out over the last 2 s
    return ";".join(
        [
            f"[1:a:0]{_FORMAT},atrim=end_sample={total},volume={volume:.4f},"
            f"afade=t=out:start_sample={total - fade}:nb_samples={fade}[music]",
            "[0:a:0]asplit=2[voice][key]",
            "[music][key]sidechaincompress=threshold=0.02:ratio=8:attack=20:release=400[ducked]",
            "[voice][ducked]amix=inputs=2:duration=first:normalize=0[mix]",
        ]
    )


def measure_args(timeline: Timeline, narration: list[Path], music: Path | None) -> list[str]:
    """First pass: ebur128's summary of the mix (on stderr, at log level info)."""
    graph = _mix_graph(timeline, music) + ";[mix]ebur128=peak=true:framelog=quiet[out]"
    inputs = _inputs(narration, music)
    return [*inputs, "-filter_complex", graph, "-map", "[out]", "-f", "null", "-"]


def parse_measurement(stderr: str) -> Loudness | None:
    """The mix's loudness, or None when it is silent (nothing to normalise)."""
    found = _SUMMARY.findall(stderr)
    if not found:
        return None
    integrated, peak = found[-1]
    if not _finite(integrated) or float(integrated) < _SILENT or not _finite(peak):
        return None
    return Loudness(integrated=float(integrated), true_peak=float(peak))


def encode_args(
    timeline: Timeline,
    narration: list[Path],
    music: Path | None,
    measured: Loudness | None,
    output: Path,
) -> list[str]:
    """Second pass: gain to the target loudness, peaks limited, AAC 48 kHz stereo 160 kb/s."""
    graph = _mix_graph(timeline, music)
    if measured is None:
        graph += ";[mix]anull[out]"
    else:
        gain = timeline.settings.loudness_lufs - measured.integrated
        ceiling = 10 ** (_PEAK_CEILING / 20)
        # latency=true: the limiter's look-ahead does not delay the sound against the picture
        graph += (
            f";[mix]volume={gain:.2f}dB,"
            f"alimiter=limit={ceiling:.4f}:attack=5:release=50:level=false:latency=true[out]"
        )
    return [
        *_inputs(narration, music),
        "-filter_complex",
        graph,
        "-map",
        "[out]",
        "-c:a",
        "aac",
        "-b:a",
        "160k",
        "-ar",
        str(SAMPLE_RATE),
        "-ac",
        "2",
        "-f",
        "mp4",
        str(output),
    ]


def _finite(value: str) -> bool:
    try:
        number = float(value)
    except ValueError:
        return False
    return math.isfinite(number)
