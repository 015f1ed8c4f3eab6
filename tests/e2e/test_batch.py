"""Batch generate in a real browser: live progress that survives a reload, then media."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_journey import open_from_sidebar, register_and_log_in, wait_until_idle

pytestmark = pytest.mark.browser
SCREENS = 12


def finalize_new_script(page: Page, idea: str, scenes: int) -> str:
    """Idea → workspace → offline script of `scenes` scenes → finalized; ends on the screens
    page and returns the workspace's URL."""
    open_from_sidebar(page, "Ideas", "ideas")
    page.get_by_role("textbox", name="Title").fill(idea)
    page.get_by_role("button", name="Add idea").click()
    page.get_by_role("button", name="Execute").click()
    expect(page).to_have_url(re.compile(r"/workspace\?id=\d+"))
    workspace_url = page.url
    page.get_by_role("spinbutton", name="Number of scenes").fill(str(scenes))
    page.get_by_role("button", name="Create script").click()
    expect(page.get_by_role("tab", name="Finalize")).to_be_visible(timeout=60_000)
    page.get_by_role("tab", name="Finalize").click()
    page.get_by_role("button", name="Finalize").click()
    expect(page).to_have_url(re.compile(r"/screens\?id=\d+"))
    wait_until_idle(page)  # the screens page has loaded, as a user sees it
    return workspace_url


def images_done(page: Page) -> int:
    """The number in the live "Images k/12" line."""
    line = page.get_by_text(re.compile(rf"^Images \d+/{SCREENS}")).first
    match = re.search(r"Images (\d+)/", line.inner_text())
    assert match is not None
    return int(match.group(1))


def test_batch_progress_survives_a_reload_and_ends_with_media(page: Page, app_url: str) -> None:
    register_and_log_in(page, app_url, "batcher")
    workspace_url = finalize_new_script(page, "Deep sea lights", SCREENS)

    page.get_by_text("…and render the video when done").click()  # on by default: media only
    page.get_by_role("button", name="Batch generate").click()
    # Live progress: the count moves while the worker runs, without any click.
    expect(page.get_by_text(re.compile(rf"^Images ([1-9]|1[01])/{SCREENS}"))).to_be_visible()
    before = images_done(page)
    page.reload()  # the same progress comes back from the server, not from the old tab
    expect(page.get_by_text(re.compile(rf"^Images \d+/{SCREENS}")).first).to_be_visible()
    assert images_done(page) >= before

    expect(page.get_by_text(f"Images {SCREENS}/{SCREENS}").first).to_be_visible(timeout=90_000)
    expect(page.get_by_text(f"Voice {SCREENS}/{SCREENS}").first).to_be_visible(timeout=90_000)
    main = page.get_by_test_id("stMain")
    expect(main.get_by_test_id("stImage")).to_have_count(SCREENS)
    expect(main.locator("audio")).to_have_count(SCREENS)

    page.goto(workspace_url)
    summary = rf"Images {SCREENS}/{SCREENS} · \S+ Voice {SCREENS}/{SCREENS}"
    expect(page.get_by_text(re.compile(summary))).to_be_visible()
