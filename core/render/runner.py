"""Run ffmpeg processes: progress from `-progress pipe:1`, a timeout, and cancellation.

Processes are started and read here rather than through ffmpeg-python's `run()` so that
progress can be parsed while they run, a stuck one can be killed, and a render that is
abandoned (a progress callback raised) kills every process it started. The filter graphs
are plain strings (see `segments`, `audio`): the captions module hands over a ready,
escaped `ass=` filter, which ffmpeg-python's graph builder cannot take as it is.

If the Python process itself is killed, its ffmpegs end on their own within about half a
second: their next progress line hits a closed pipe (SIGPIPE).
"""

from __future__ import annotations

import subprocess
import tempfile
import threading
from collections.abc import Callable

from core.errors import RenderFailed
from core.media.probe import ffmpeg_exe


class FFmpegFailed(Exception):
    """ffmpeg exited with an error; `detail` holds the last lines it wrote."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class Cancelled(Exception):
    """The render was abandoned while this process ran."""


class FFmpegRunner:
    """Starts ffmpeg processes for one render; `cancel()` kills those still running."""

    def __init__(self, *, seconds_per_media_second: float = 30.0, min_timeout: float = 120.0):
        self._per_second = seconds_per_media_second
        self._min_timeout = min_timeout
        self._lock = threading.Lock()
        self._running: set[subprocess.Popen[str]] = set()
        self._cancelled = False

    def cancel(self) -> None:
        with self._lock:
            self._cancelled = True
            running = list(self._running)
        for proc in running:
            proc.kill()

    def run(
        self,
        args: list[str],
        *,
        seconds: float,
        on_progress: Callable[[float], None] | None = None,
        loglevel: str = "error",
    ) -> str:
        """Run ffmpeg with `args`; report the fraction of `seconds` written; return stderr."""
        command = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", loglevel]
        command += ["-nostats", "-progress", "pipe:1", *args]
        timeout = max(self._min_timeout, seconds * self._per_second)
        with tempfile.TemporaryFile(mode="w+", encoding="utf-8", errors="replace") as stderr:
            with self._lock:
                if self._cancelled:
                    raise Cancelled
                proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=stderr, text=True)
                self._running.add(proc)
            timed_out = threading.Event()
            timer = threading.Timer(timeout, _expire, (proc, timed_out))
            timer.start()
            try:
                _read_progress(proc, seconds, on_progress)
                code = proc.wait()
            finally:
                timer.cancel()
                if proc.poll() is None:
                    proc.kill()
                    proc.wait()
                if proc.stdout is not None:
                    proc.stdout.close()
                with self._lock:
                    self._running.discard(proc)
            stderr.seek(0)
            output = stderr.read()
        if self._cancelled:
            raise Cancelled
        if timed_out.is_set():
            raise RenderFailed(f"Rendering took longer than {timeout:.0f} s and was stopped.")
        if code != 0:
            raise FFmpegFailed(_tail(output))
        return output


def _expire(proc: subprocess.Popen[str], timed_out: threading.Event) -> None:
    timed_out.set()
    proc.kill()


def _read_progress(
    proc: subprocess.Popen[str], seconds: float, on_progress: Callable[[float], None] | None
) -> None:
    assert proc.stdout is not None
    for line in proc.stdout:
        key, _, value = line.strip().partition("=")
        if on_progress is None:
            continue
        if key == "out_time_us" and value.lstrip("-").isdigit() and seconds > 0:
            on_progress(min(1.0, max(0.0, int(value) / 1e6 / seconds)))
        elif key == "progress" and value == "end":
            on_progress(1.0)


def _tail(stderr: str, lines: int = 4) -> str:
    kept = [line for line in stderr.strip().splitlines() if line.strip()]
    return " | ".join(kept[-lines:]) or "ffmpeg failed without a message"
