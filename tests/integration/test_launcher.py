"""`studio.py _serve` brings the whole app up and takes all of it down on SIGTERM."""

from __future__ import annotations

import base64
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from redis import Redis
from rq import Worker

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def is_listening(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


def health(port: int) -> bytes:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
            return bytes(r.read())
    except OSError:
        return b""


def dashboard_status(port: int, password: str | None) -> int:
    """HTTP status of rq-dashboard's queue list, as user admin (or with no credentials)."""
    request = urllib.request.Request(f"http://127.0.0.1:{port}/0/data/queues.json")
    if password is not None:
        token = base64.b64encode(f"admin:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=2) as r:
            return int(r.status)
    except urllib.error.HTTPError as exc:
        return exc.code
    except OSError:
        return 0


def in_any_command_line(secret: str) -> bool:
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if secret.encode() in cmdline.read_bytes():
                return True
        except OSError:  # the process ended meanwhile
            continue
    return False


def wait_for(condition: Callable[[], bool], seconds: float, what: str, log: Path) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} within {seconds} s; launcher output:\n{log.read_text()}")
        time.sleep(0.25)


@pytest.fixture
def launcher(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, int, int, Path]]:
    web_port, redis_port, dashboard_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env |= {
        "STUDIO_DATA_DIR": str(tmp_path / "data"),
        "STUDIO_PORT": str(web_port),
        "STUDIO_REDIS_PORT": str(redis_port),
        "STUDIO_DASHBOARD_PORT": str(dashboard_port),
    }
    log = tmp_path / "launcher.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "studio.py", "_serve"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield proc, web_port, redis_port, dashboard_port, log
    finally:
        if proc.poll() is None:  # the test failed half-way: still leave nothing behind
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def wait_until_up(web_port: int, redis_port: int, log: Path) -> int:
    """Wait for Streamlit, Valkey and the RQ worker; return the worker's pid."""
    wait_for(lambda: health(web_port) == b"ok", 60, "Streamlit did not answer ok", log)
    with Redis(port=redis_port, socket_timeout=2) as redis:
        assert redis.ping()
        wait_for(lambda: bool(Worker.all(connection=redis)), 20, "no RQ worker registered", log)
        (worker,) = Worker.all(connection=redis)
        assert set(worker.queue_names()) == {"llm", "media", "render", "default"}
        redis.connection_pool.disconnect()
        assert worker.pid
    announcement = f"Faceless Studio is running at http://localhost:{web_port}"
    wait_for(lambda: announcement in log.read_text(), 10, "the URL was not announced", log)
    return int(worker.pid)


def exit_code(proc: subprocess.Popen[bytes], log: Path) -> int:
    try:
        return proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pytest.fail(f"launcher still running after 20 s:\n{log.read_text()}")


def process_group_gone(pgid: int) -> bool:
    """True once no process of the group is left (killed ones may take a moment to be reaped)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.timeout(120)
def test_serve_starts_everything_and_sigterm_stops_everything(
    launcher: tuple[subprocess.Popen[bytes], int, int, int, Path],
) -> None:
    proc, web_port, redis_port, dashboard_port, log = launcher
    worker_pid = wait_until_up(web_port, redis_port, log)
    password = (log.parent / "data" / "secrets" / "dashboard_password").read_text().strip()
    wait_for(lambda: dashboard_status(dashboard_port, None) != 0, 20, "no rq-dashboard", log)
    assert dashboard_status(dashboard_port, None) == 401
    assert dashboard_status(dashboard_port, "wrong") == 401
    assert dashboard_status(dashboard_port, password) == 200
    assert not in_any_command_line(password), "the dashboard password is visible in ps"

    proc.send_signal(signal.SIGTERM)

    assert exit_code(proc, log) == 0, log.read_text()
    assert not is_listening(redis_port), "Valkey outlived the launcher"
    assert not is_listening(web_port), "Streamlit outlived the launcher"
    assert not is_listening(dashboard_port), "rq-dashboard outlived the launcher"
    assert process_group_gone(worker_pid), "the RQ worker outlived the launcher"
    valkey_log = (log.parent / "data" / "valkey" / "valkey.log").read_text()
    assert "ready to exit" in valkey_log, "Valkey was killed, not shut down (AOF not synced)"


@pytest.mark.timeout(120)
def test_serve_stops_everything_and_fails_when_a_child_dies(
    launcher: tuple[subprocess.Popen[bytes], int, int, int, Path],
) -> None:
    proc, web_port, redis_port, dashboard_port, log = launcher
    worker_pid = wait_until_up(web_port, redis_port, log)

    os.kill(worker_pid, signal.SIGKILL)

    assert exit_code(proc, log) == 1, log.read_text()
    assert "rq worker (exit -9) stopped unexpectedly" in log.read_text()
    assert process_group_gone(worker_pid), "the RQ scheduler outlived the launcher"
    assert not is_listening(redis_port), "Valkey outlived the launcher"
    assert not is_listening(web_port), "Streamlit outlived the launcher"
    assert not is_listening(dashboard_port), "rq-dashboard outlived the launcher"
