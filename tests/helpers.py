"""Small helpers the tests share: free ports, waiting, generated media, worker processes."""

from __future__ import annotations

import contextlib
import io
import math
import os
import socket
import struct
import subprocess
import sys
import time
import wave
from collections.abc import Callable
from pathlib import Path

from PIL import Image
from streamlit.testing.v1 import AppTest

from core.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
QUEUES = ("media", "render", "llm", "default")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(check: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll `check` until it holds; return the seconds it took, or fail saying `what`."""
    start = time.monotonic()
    while not check():
        if time.monotonic() - start > timeout:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting until {what}")
        time.sleep(0.1)
    return time.monotonic() - start


def png_upload(width: int, height: int, colour: tuple[int, int, int] = (30, 120, 200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(out, format="PNG")
    return out.getvalue()


def tone_wav(seconds: float = 1.0, rate: int = 44_100, hz: float = 440.0) -> bytes:
    frames = b"".join(
        struct.pack("<h", round(12_000 * math.sin(2 * math.pi * hz * i / rate)))
        for i in range(round(seconds * rate))
    )
    out = io.BytesIO()
    with wave.open(out, "wb") as track:
        track.setnchannels(1)
        track.setsampwidth(2)
        track.setframerate(rate)
        track.writeframes(frames)
    return out.getvalue()


def worker_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment of a worker process that shares the test's data, database and Redis."""
    env = {k: v for k, v in os.environ.items() if k != "STUDIO_OPENAI_BASE_URL"}
    return env | {
        "STUDIO_DATA_DIR": str(settings.data_dir),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": settings.redis_url,
        **extra,
    }


def run_burst_worker(
    settings: Settings, *queues: str, **extra_env: str
) -> subprocess.CompletedProcess[str]:
    """One `rq worker --burst` process: it works off everything queued, then exits."""
    done = subprocess.run(
        [sys.executable, "-m", "rq.cli", "worker", "--burst", "--url", settings.redis_url,
         "--worker-class", "jobs.worker.StudioWorker", *(queues or QUEUES)],
        cwd=ROOT,
        env=worker_env(settings, **extra_env),
        capture_output=True,
        text=True,
        timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, f"worker failed:\n{done.stdout}\n{done.stderr}"
    return done


def children(pid: int) -> list[int]:
    kids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, IndexError, ValueError):
            if int(stat.read_text().rsplit(")", 1)[1].split()[1]) == pid:
                kids.append(int(stat.parent.name))
    return kids


def work_horse(worker: subprocess.Popen[bytes]) -> int:
    """The child running the job: rq gives it a process group of its own."""
    [horse] = [kid for kid in children(worker.pid) if os.getpgid(kid) == kid]
    return horse


def alive(pid: int) -> bool:
    with contextlib.suppress(OSError):
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in "ZX"
    return False


def texts(at: AppTest) -> str:
    """Everything a page shows as text: markdown, captions, titles and notices."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [t.value for t in at.title] + [e.value for e in (*at.info, *at.warning, *at.error)]
    return "\n".join(str(p) for p in parts)


def no_exception(at: AppTest) -> AppTest:
    assert not at.exception, [e.message for e in at.exception]
    return at


def batch_submit_key(script_id: int) -> str:
    """AppTest's key of the screens page's Batch generate button (a form's submit)."""
    from ui.batch_button import batch_form_key  # the app's own name for its form

    return f"FormSubmitter:{batch_form_key(script_id)}-Batch generate"
