"""The dashboard in a real browser: a running batch is followed live (its counts move with
no reload and no click), and a link clicked while the section polls opens its page on the
first click (the section never reruns the whole page, which would undo the click)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_batch import finalize_new_script
from tests.e2e.test_journey import register_and_log_in

pytestmark = pytest.mark.browser
SCREENS = 12
COUNTS = f"() => (document.body.innerText.match(/\\d+\\/{SCREENS} finished/g) || []).join()"


def test_the_dashboard_follows_a_batch_live_and_a_link_opens_on_one_click(
    page: Page, app_url: str
) -> None:
    register_and_log_in(page, app_url, "watcher")
    finalize_new_script(page, "Lantern fish", SCREENS)
    screens_url = page.url
    page.get_by_text("…and render the video when done").click()  # on by default: media only
    page.get_by_role("button", name="Batch generate").click()
    expect(page.get_by_text(re.compile(rf"^Images \d+/{SCREENS}")).first).to_be_visible()

    page.get_by_role("link", name="Dashboard", exact=True).click()  # once
    main = page.get_by_test_id("stMain")
    running = main.locator(".st-key-dashboard_running_0")
    expect(running.get_by_text(re.compile(rf"^\d+/{SCREENS} finished"))).to_be_visible()
    before = page.evaluate(COUNTS)
    page.wait_for_function(f"before => ({COUNTS})() !== before", arg=before, timeout=60_000)

    # The first link to the script is in the section's first row (its screens page).
    main.get_by_role("link", name="Lantern fish", exact=True).first.click()  # once

    expect(page).to_have_url(screens_url)
