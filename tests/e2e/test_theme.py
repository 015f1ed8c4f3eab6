"""The theme is the account's, not the browser's: dark chosen in Settings is still dark
after logging out and in again, even from a browser that never saw it chosen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.test_journey import follow, log_in, register_and_log_in

pytestmark = pytest.mark.browser


def background(page: Page) -> tuple[int, int, int]:
    """The app's background colour, as the browser paints it."""
    rgb = page.evaluate("getComputedStyle(document.querySelector('.stApp')).backgroundColor")
    red, green, blue = (int(part) for part in rgb[rgb.index("(") + 1 : -1].split(",")[:3])
    return red, green, blue


def is_dark(page: Page) -> bool:
    return sum(background(page)) < 3 * 80


def test_dark_mode_persists_after_logout_and_login(
    page: Page, browser: Browser, app_url: str
) -> None:
    register_and_log_in(page, app_url, "nightowl")
    assert not is_dark(page)  # light by default
    follow(page, page.get_by_role("link", name="Settings", exact=True), "settings")
    page.get_by_text("🌙 Dark").click()
    page.wait_for_function(  # the page reloads once into the dark theme
        "() => { const a = document.querySelector('.stApp');"
        " return a && getComputedStyle(a).backgroundColor !== 'rgb(255, 255, 255)' }"
    )
    expect(page.get_by_text("Signed in as nightowl")).to_be_visible()
    assert is_dark(page)

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    log_in(page, "nightowl")
    assert is_dark(page)

    # Another browser, with nothing stored: the account's choice comes with the sign-in.
    other = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        fresh = other.new_page()
        fresh.goto(app_url)
        expect(fresh.get_by_role("button", name="Log in")).to_be_visible()
        assert not is_dark(fresh)
        log_in(fresh, "nightowl")
        fresh.wait_for_function(
            "() => { const a = document.querySelector('.stApp');"
            " return a && getComputedStyle(a).backgroundColor !== 'rgb(255, 255, 255)' }"
        )
        expect(fresh.get_by_text("Signed in as nightowl")).to_be_visible()
        assert is_dark(fresh)
    finally:
        other.close()
