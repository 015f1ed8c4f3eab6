"""Browser tests: the real app (launcher, Valkey, RQ worker, Streamlit) driven by Chromium.

No browser is a failure, not a skip: CI must run these. The test command installs
Debian's chromium when it runs as root.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parents[2]
expect.set_options(timeout=20_000)
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _chromium() -> str:
    found = os.environ.get("STUDIO_CHROMIUM") or shutil.which("chromium") or ""
    if not found:
        pytest.fail(
            "BROWSER TESTS CANNOT RUN: no Chromium found (looked for $STUDIO_CHROMIUM and "
            "`chromium` on PATH). Install Debian's chromium: `apt-get install chromium` "
            "(python3 studio.py test does it when run as root).",
            pytrace=False,
        )
    return found


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("e2e-data")
    port = _free_port()
    env = {
        **os.environ,
        "STUDIO_DATA_DIR": str(data_dir),
        "STUDIO_PORT": str(port),
        "STUDIO_REDIS_PORT": str(_free_port()),
        "STUDIO_DASHBOARD_PORT": str(_free_port()),  # not 9181: another app may run
    }
    for var in ("DATABASE_URL", "REDIS_URL"):
        env.pop(var, None)
    log = (data_dir / "serve.log").open("wb")
    proc = subprocess.Popen(
        [sys.executable, "studio.py", "_serve"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:
                if resp.read() == b"ok":
                    break
        except OSError:
            time.sleep(0.5)
        if proc.poll() is not None:
            pytest.fail(f"the app exited early: {(data_dir / 'serve.log').read_text()[-2000:]}")
    else:
        proc.kill()
        pytest.fail("the app did not become healthy within 90 s")
    yield url
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    executable = _chromium()
    with sync_playwright() as pw:
        launched = pw.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Browser, request: pytest.FixtureRequest) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.set_default_timeout(20_000)
    tab = context.new_page()
    yield tab
    if getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed:
        out = ROOT / "test-artifacts"
        out.mkdir(exist_ok=True)
        tab.screenshot(path=str(out / f"{request.node.name}.png"), full_page=True)
        # CI keeps only pytest's output: say where the browser was and what it showed.
        print(f"page at failure: {tab.url}\n{tab.locator('body').inner_text()[:2000]}")
    context.close()


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report
