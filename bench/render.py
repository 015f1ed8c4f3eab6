"""Render speed: the same generated input rendered three ways, with the same encoder.

    python -m bench.render [--quick] [--long]

Input: 12 screens of 5 s (a stdlib WAV voice with word timings at ~2.5 words/s, a
distinct 1080×1920 PNG each, English narration); `--quick`: 4 screens. Every arm
encodes libx264 veryfast, CRF 23, 30 fps, 1080×1920.

- ours: FFmpegRenderer (captions with highlight, 0.5 s crossfades, Ken Burns) into a
  fresh cache; then one screen's image changes and it renders again with that cache
  (incremental).
- moviepy 2.2.1 written the way its users do (bench/render_arms.py). It first renders
  a slice (the first quarter of the screens); the full timeline follows only when the
  slice predicts it fits the time budget, otherwise its time is extrapolated linearly
  per second of video (column "extrapolated").
- floor: ffmpeg encoding our output's frames, decoded beforehand to a raw yuv420p file
  in /tmp (only the encode is timed; the file is deleted afterwards).

`--long` adds a 10-minute input (120 screens) rendered by ours only, for its peak memory.
Each arm runs in its own process; its peak memory is that process plus every ffmpeg it
starts (sum of VmRSS sampled every 50 ms; PSS beside it counts shared pages once). CPU
seconds (the arm and its reaped children) are shown too: on a shared two-core machine
the CPU ratios move less than the wall-clock ones. Prints a table and one JSON line:
{"bench": "render", "seconds_of_video": 60, "ours_s": …, "moviepy_s": …, …}
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.render_arms import SETTINGS
from bench.render_inputs import PeakRss, make_inputs
from core.media.probe import ffmpeg_exe

SECONDS = 5.0  # of narration per screen
BUDGET = 15 * 60  # the whole run (without --long) should end within this many seconds
TARGETS = {"speedup_vs_moviepy": (">=", 12), "ratio_to_floor": ("<=", 1.3),
           "peak_rss_mb": ("<", 600), "incremental_ratio": ("<=", 0.25)}  # fmt: skip


def run_arm(*args: str) -> dict[str, Any]:
    """Run one arm in a child process; its JSON result plus its tree's peak memory (MB)."""
    command = [sys.executable, "-m", "bench.render_arms", *args]
    with tempfile.TemporaryFile(mode="w+") as err:
        proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=err, text=True)
        with PeakRss(proc.pid) as rss:
            out, _ = proc.communicate()
        if proc.returncode != 0:
            err.seek(0)
            sys.exit(f"bench.render: arm {args[0]} failed:\n{err.read()[-3000:]}")
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result | {"peak_rss_mb": rss.peak_mb, "peak_pss_mb": rss.peak_pss_mb}


def floor(video: Path, seconds: float, scratch: Path) -> tuple[float, float]:
    """Wall and CPU seconds ffmpeg takes to encode `video`'s frames from raw yuv420p (the
    decode beforehand is not counted)."""
    raw, out = scratch / "floor.yuv", scratch / "floor.mp4"
    width, height = SETTINGS.size
    need = seconds * SETTINGS.fps * width * height * 1.5
    if shutil.disk_usage(scratch).free < need * 1.2:
        sys.exit(f"bench.render: {need / 1e9:.1f} GB free in {scratch} needed for the floor")
    quiet = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y"]
    try:
        subprocess.run([*quiet, "-i", str(video), "-map", "0:v:0", "-f", "rawvideo",
                        "-pix_fmt", "yuv420p", str(raw)], check=True)  # fmt: skip
        os.sync()  # the raw file's write-back must not compete with the timed encode
        encode = [*quiet, "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s", f"{width}x{height}",
                  "-r", str(SETTINGS.fps), "-i", str(raw), "-c:v", "libx264",
                  "-preset", SETTINGS.preset, "-crf", str(SETTINGS.crf), "-pix_fmt", "yuv420p",
                  "-movflags", "+faststart", "-f", "mp4", str(out)]  # fmt: skip
        start, cpu = time.perf_counter(), children_cpu()
        subprocess.run(encode, check=True)
        return time.perf_counter() - start, children_cpu() - cpu
    finally:
        raw.unlink(missing_ok=True)
        out.unlink(missing_ok=True)


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def moviepy(
    manifest: Path, screens: int, full_seconds: float, scratch: Path, deadline: float
) -> dict[str, Any]:
    """Render a slice; then the whole timeline if the slice says it fits before `deadline`."""
    part = min(screens, max(2, round(screens / 4)))
    out = scratch / "moviepy.mp4"
    result = run_arm("moviepy", str(manifest), str(out), str(part))
    scale = full_seconds / result["duration"]  # linear per second of video
    sliced, estimate = result["moviepy_s"], result["moviepy_s"] * scale
    row = result | {"slice_screens": part, "slice_s": sliced, "moviepy_s": estimate,
                    "cpu_s": result["cpu_s"] * scale, "extrapolated": True}  # fmt: skip
    if part < screens and time.monotonic() + 1.15 * estimate < deadline:
        result = run_arm("moviepy", str(manifest), str(out), str(screens))
        peaks = {k: max(row[k], result[k]) for k in ("peak_rss_mb", "peak_pss_mb")}
        row |= {"moviepy_s": result["moviepy_s"], "cpu_s": result["cpu_s"],
                "extrapolated": False, **peaks}  # fmt: skip
    elif part == screens:
        row["extrapolated"] = False
    out.unlink(missing_ok=True)
    return row


def verdict(name: str, value: float) -> str:
    op, target = TARGETS[name.removesuffix("_10min")]
    ok = {">=": value >= target, "<=": value <= target, "<": value < target}[op]
    return f"{'ok' if ok else 'MISSED'} (target {op} {target})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 screens (20 s) instead of 12")
    parser.add_argument("--long", action="store_true", help="also a 10-minute input, ours only")
    args = parser.parse_args()
    if importlib.util.find_spec("moviepy") is None:
        sys.exit("bench.render: moviepy is missing: pip install --no-deps moviepy==2.2.1")
    began = time.monotonic()
    deadline = began + (150 if args.quick else BUDGET) - 60  # leave a minute for the rest
    screens = 4 if args.quick else 12
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        scratch = Path(tmp)
        manifest = make_inputs(scratch / "inputs", screens, SECONDS)
        (scratch / "ours").mkdir()
        ours = run_arm("ours", str(manifest), str(scratch / "ours"), "--incremental")
        floor_s, floor_cpu = floor(Path(ours["output"]), ours["duration"], scratch)
        mp = moviepy(manifest, screens, ours["duration"], scratch, deadline)
        long: dict[str, Any] | None = None
        if args.long:
            shutil.rmtree(scratch / "ours")
            long_manifest = make_inputs(scratch / "long", 120, SECONDS)
            (scratch / "ours-long").mkdir()
            long = run_arm("ours", str(long_manifest), str(scratch / "ours-long"))
    floor_arm = {"wall": floor_s, "cpu": floor_cpu}
    report(screens, ours, floor_arm, mp, long, load, time.monotonic() - began)


def report(
    screens: int,
    ours: dict[str, Any],
    floor: dict[str, float],
    mp: dict[str, Any],
    long: dict[str, Any] | None,
    load: float,
    took: float,
) -> None:
    seconds, full, again = ours["duration"], ours["full_s"], ours["incremental_s"]
    floor_s, full_cpu = floor["wall"], ours["full_cpu_s"]
    figures = {
        "speedup_vs_moviepy": mp["moviepy_s"] / full,
        "ratio_to_floor": full / floor_s,
        "peak_rss_mb": ours["peak_rss_mb"],
        "incremental_ratio": again / full,
    }
    how = "extrapolated from" if mp["extrapolated"] else "measured; slice of"
    rows = [
        ("ours, full render", seconds, full, full_cpu, ours, ""),
        ("ours, 1 image changed", seconds, again, ours["incremental_cpu_s"], None,
         f"{ours['incremental_segments_encoded']} of {screens} segments encoded"),
        ("floor: x264 on raw frames", seconds, floor_s, floor["cpu"], None,
         "encode only, no audio"),
        ("moviepy 2.2.1", seconds, mp["moviepy_s"], mp["cpu_s"], mp,
         f"{how} {mp['slice_screens']} screens: {mp['slice_s']:.1f} s"),
    ]  # fmt: skip
    if long is not None:
        rows.append(("ours, 10-minute input", long["duration"], long["full_s"],
                     long["full_cpu_s"], long,
                     f"{long['segments_encoded']} segments"))  # fmt: skip
    print(f"{'arm':<26} {'video s':>7} {'render s':>8} {'x realtime':>10} {'CPU s':>6} "
          f"{'RSS MB':>7} {'PSS MB':>7}  note")  # fmt: skip
    for name, video, spent, cpu, arm, note in rows:
        rss = "-" if arm is None else f"{arm['peak_rss_mb']:.0f}"
        pss = "-" if arm is None else f"{arm['peak_pss_mb']:.0f}"
        print(f"{name:<26} {video:>7.1f} {spent:>8.1f} {video / spent:>10.2f} {cpu:>6.1f} "
              f"{rss:>7} {pss:>7}  {note}")  # fmt: skip
    print("(peak memory of the render's process tree: Python and every ffmpeg it starts)\n")
    if long is not None:
        figures["peak_rss_mb_10min"] = long["peak_rss_mb"]
    for name, value in figures.items():
        print(f"{name:<20} {value:>8.2f}  {verdict(name, value)}")
    print(f"load average at start {load:.1f} on {os.cpu_count()} CPUs; bench took {took:.0f} s")
    line: dict[str, Any] = {
        "bench": "render", "seconds_of_video": round(screens * SECONDS),
        "output_seconds": round(seconds, 2), "ours_s": round(full, 2),
        "moviepy_s": round(mp["moviepy_s"], 1), "moviepy_extrapolated": mp["extrapolated"],
        "floor_s": round(floor_s, 2),
        **{k: round(v) if k.startswith("peak") else round(v, 2) for k, v in figures.items()},
        "peak_pss_mb": round(ours["peak_pss_mb"]),
        "moviepy_peak_rss_mb": round(mp["peak_rss_mb"]), "incremental_s": round(again, 2),
        "incremental_segments_encoded": ours["incremental_segments_encoded"],
        "cpu_speedup_vs_moviepy": round(mp["cpu_s"] / full_cpu, 2),
        "cpu_ratio_to_floor": round(full_cpu / floor["cpu"], 2),
    }  # fmt: skip
    if long is not None:
        line["ours_s_10min"] = round(long["full_s"], 1)
    line["loadavg"] = round(load, 1)
    print(json.dumps(line))


if __name__ == "__main__":
    main()
