"""Notifications in a real browser: a batch (with its video) ends while the user is on
another page; the bell shows it without a reload, and opening it shows the video and
marks it read."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.test_batch import finalize_new_script
from tests.e2e.test_journey import register_and_log_in, wait_until_idle

pytestmark = pytest.mark.browser
SCREENS = 3


def click_once(page: Page, link: Locator, path: str) -> None:
    """Click a link (or a button that opens a page) once, as a user does, and wait until
    its page is shown."""
    link.click()
    expect(page).to_have_url(re.compile(rf"/{path}(\?|$)"))
    wait_until_idle(page)


def test_a_batch_ends_on_another_page_and_the_bell_links_to_the_video(
    page: Page, app_url: str
) -> None:
    register_and_log_in(page, app_url, "notified")
    finalize_new_script(page, "Glass octopus", SCREENS)
    sidebar = page.get_by_test_id("stSidebar")
    expect(sidebar.get_by_role("link", name=re.compile(r"Notifications$"))).to_be_visible()

    page.get_by_role("button", name="Batch generate").click()  # and the video, by default
    expect(page.get_by_text(re.compile(r"^Images \d+/3")).first).to_be_visible()
    click_once(page, sidebar.get_by_role("link", name="Ideas", exact=True), "ideas")
    page.evaluate("window.notReloaded = true")  # gone if the page were loaded again

    bell = sidebar.get_by_role("link", name=re.compile(r"Notifications\s*1$"))
    expect(bell).to_be_visible(timeout=180_000)  # media, then the render, then the bell
    assert page.evaluate("window.notReloaded === true")
    expect(page).to_have_url(re.compile(r"/ideas$"))  # the user is still where they went
    expect(page.get_by_test_id("stToast").first).to_contain_text("Video ready")

    click_once(page, bell, "notifications")
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text(re.compile(r"Glass octopus.* — Video ready"))).to_be_visible()
    expect(main.get_by_text("1 unread", exact=False)).to_be_visible()
    click_once(page, main.get_by_role("button", name="Open the video"), r"video\?id=\d+")
    expect(main.locator("video")).to_have_count(1)
    expect(sidebar.get_by_role("link", name=re.compile(r"Notifications$"))).to_be_visible()
