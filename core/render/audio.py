"""The sound track, built separately from the picture (cheap) and cached by its inputs.

Each voice is padded (or cut) to its segment's exact length in samples; neighbours
overlap by the transition's length with an equal-power crossfade, so sound and picture
stay in step. Background music is looped, lowered, faded out at the end and ducked under
the narration (a sidechain compressor keyed by the narration); then everything is
normalised in two loudnorm passes (measure, then a linear gain) and encoded as AAC.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

from core.render.plan import Timeline

SAMPLE_RATE = 48_000
_FORMAT = f"aresample={SAMPLE_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo"
_LOUDNORM_JSON = re.compile(r"\{[^{}]*\"input_i\"[^{}]*\}")


def samples(frames: int, fps: int) -> int:
    return frames * SAMPLE_RATE // fps  # exact: 48000 is a multiple of 24, 30 and 60


def _inputs(timeline: Timeline, music: Path | None) -> list[str]:
    args: list[str] = []
    for segment in timeline.segments:
        args += ["-i", str(segment.screen.audio)]
    if music is not None:
        args += ["-stream_loop", "-1", "-i", str(music)]
    return args


def _mix_graph(timeline: Timeline, music: Path | None) -> str:
    """Filters from the inputs to a `[mix]` pad: the narration, plus ducked music."""
    fps = timeline.fps
    parts = []
    for index, segment in enumerate(timeline.segments):
        length = samples(segment.frames, fps)
        parts.append(
            f"[{index}:a:0]{_FORMAT},apad=whole_len={length},atrim=end_sample={length}[v{index}]"
        )
    count = len(timeline.segments)
    narration = "[mix]" if music is None else "[narration]"
    if count == 1:
        parts.append(f"[v0]anull{narration}")
    elif timeline.joined:
        overlap = samples(timeline.overlap, fps)
        previous = "[v0]"
        for index in range(1, count):
            label = narration if index == count - 1 else f"[x{index}]"
            parts.append(f"{previous}[v{index}]acrossfade=ns={overlap}:c1=qsin:c2=qsin{label}")
            previous = label
    else:
        pads = "".join(f"[v{index}]" for index in range(count))
        parts.append(f"{pads}concat=n={count}:v=0:a=1{narration}")
    if music is not None:
        total = samples(timeline.total_frames, fps)
        volume = timeline.settings.music_volume
        fade = min(total // 4, 2 * SAMPLE_RATE)  # the music fades out over the last 2 s
        parts += [
            f"[{count}:a:0]{_FORMAT},atrim=end_sample={total},volume={volume:.4f},"
            f"afade=t=out:start_sample={total - fade}:nb_samples={fade}[music]",
            "[narration]asplit=2[voice][key]",
            "[music][key]sidechaincompress=threshold=0.02:ratio=8:attack=20:release=400[ducked]",
            "[voice][ducked]amix=inputs=2:duration=first:normalize=0[mix]",
        ]
    return ";".join(parts)


def measure_args(timeline: Timeline, music: Path | None) -> list[str]:
    """First pass: print the loudness of the mix as JSON (on stderr, at log level info)."""
    settings = timeline.settings
    loudnorm = f"loudnorm=I={settings.loudness_lufs}:TP=-1.5:LRA=11:print_format=json"
    graph = _mix_graph(timeline, music) + f";[mix]{loudnorm}[out]"
    return [*_inputs(timeline, music), "-filter_complex", graph, "-map", "[out]", "-f", "null", "-"]


def parse_measurement(stderr: str) -> dict[str, str] | None:
    """The loudnorm measurement, or None when the mix is silent (nothing to normalise)."""
    found = _LOUDNORM_JSON.findall(stderr)
    if not found:
        return None
    values: dict[str, str] = json.loads(found[-1])
    if not _finite(values.get("input_i", "")) or not _finite(values.get("input_tp", "")):
        return None
    return values


def encode_args(
    timeline: Timeline, music: Path | None, measured: dict[str, str] | None, output: Path
) -> list[str]:
    """Second pass: a linear gain to the target loudness, AAC 48 kHz stereo 160 kb/s."""
    settings = timeline.settings
    graph = _mix_graph(timeline, music)
    if measured is None:
        graph += ";[mix]anull[out]"
    else:
        graph += (
            f";[mix]loudnorm=I={settings.loudness_lufs}:TP=-1.5:LRA=11"
            f":measured_I={measured['input_i']}:measured_TP={measured['input_tp']}"
            f":measured_LRA={measured['input_lra']}:measured_thresh={measured['input_thresh']}"
            f":offset={measured['target_offset']}:linear=true:print_format=none"
            f",aresample={SAMPLE_RATE}[out]"
        )
    return [
        *_inputs(timeline, music),
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
