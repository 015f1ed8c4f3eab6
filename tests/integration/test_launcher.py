"""`studio.py _serve` brings the whole app up and takes all of it down on SIGTERM, and
listens on this machine only unless STUDIO_HOST says otherwise."""

from __future__ import annotations

import base64
import ipaddress
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


def is_listening(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(2)
        return sock.connect_ex((host, port)) == 0


def non_loopback_ipv4() -> str | None:
    """An IPv4 address of this machine other than loopback (from `ip -4 -o addr`)."""
    lines = subprocess.run(
        ["ip", "-4", "-o", "addr", "show", "up"], capture_output=True, text=True, check=True
    ).stdout.splitlines()
    for line in lines:  # "2: eth0    inet 192.0.2.2/24 brd ... scope global eth0 ..."
        address = ipaddress.ip_interface(line.split()[3]).ip
        if not address.is_loopback:
            return str(address)
    return None


@pytest.fixture
def other_address() -> Iterator[str]:
    """A non-loopback address of this machine; made on a dummy interface if it has none."""
    address = non_loopback_ipv4()
    if address is not None:
        yield address
        return
    if os.geteuid() != 0:
        pytest.fail("this machine has no non-loopback IPv4 address, and only root can add one")
    script = (
        "ip link add studio-test0 type dummy && ip addr add 10.253.0.1/32 dev studio-test0 "
        "&& ip link set studio-test0 up"
    )
    subprocess.run(["sh", "-c", script], check=True)
    try:
        yield "10.253.0.1"
    finally:
        subprocess.run(["ip", "link", "delete", "studio-test0"], check=True)


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
def launcher(
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[tuple[subprocess.Popen[bytes], int, int, int, Path]]:
    """`studio.py _serve` with its own ports and data (plus any settings given as param)."""
    web_port, redis_port, dashboard_port = free_port(), free_port(), free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
    env |= {
        "STUDIO_DATA_DIR": str(tmp_path / "data"),
        "STUDIO_PORT": str(web_port),
        "STUDIO_REDIS_PORT": str(redis_port),
        "STUDIO_DASHBOARD_PORT": str(dashboard_port),
    }
    env |= getattr(request, "param", {})
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


def listening_ports(
    launcher: tuple[subprocess.Popen[bytes], int, int, int, Path],
) -> dict[str, int]:
    """Wait until the app, Valkey, the worker and rq-dashboard are up; their ports by name."""
    _proc, web_port, redis_port, dashboard_port, log = launcher
    wait_until_up(web_port, redis_port, log)
    wait_for(lambda: dashboard_status(dashboard_port, None) != 0, 20, "no rq-dashboard", log)
    return {"app": web_port, "rq-dashboard": dashboard_port, "valkey": redis_port}


def reachable_ports(host: str, ports: dict[str, int]) -> set[str]:
    return {name for name, port in ports.items() if is_listening(port, host)}


@pytest.mark.timeout(120)
def test_serve_listens_on_this_machine_only(
    launcher: tuple[subprocess.Popen[bytes], int, int, int, Path], other_address: str
) -> None:
    ports = listening_ports(launcher)

    assert health(ports["app"]) == b"ok"
    assert reachable_ports("127.0.0.1", ports) == set(ports)
    assert reachable_ports(other_address, ports) == set(), f"reachable on {other_address}"


@pytest.mark.timeout(120)
@pytest.mark.parametrize("launcher", [{"STUDIO_HOST": "0.0.0.0"}], indirect=True)
def test_studio_host_opens_the_app_to_other_addresses_but_not_the_dashboard(
    launcher: tuple[subprocess.Popen[bytes], int, int, int, Path], other_address: str
) -> None:
    ports = listening_ports(launcher)

    assert reachable_ports(other_address, ports) == {"app"}  # STUDIO_DASHBOARD_HOST is its own
    url = f"http://{other_address}:{ports['app']}/_stcore/health"
    with urllib.request.urlopen(url, timeout=5) as r:
        assert r.read() == b"ok"
