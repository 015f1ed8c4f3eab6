"""The main journey in a real browser, offline providers, real worker and queue."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Locator, Page, TimeoutError, expect

pytestmark = pytest.mark.browser

PASSWORD = "journey-pass-1"


def register_and_log_in(page: Page, base: str, username: str) -> None:
    """Register (which signs in and opens Welcome), log out, and log in again."""
    page.goto(f"{base}/register")
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("textbox", name="Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/welcome$"))
    page.get_by_role("button", name="Log out").click()
    log_in(page, username)


def log_in(page: Page, username: str) -> None:
    page.get_by_role("textbox", name="Username").fill(username)
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text(f"Signed in as {username}")).to_be_visible()
    wait_until_idle(page)


def open_from_sidebar(page: Page, name: str, path: str) -> None:
    """Click a sidebar link and wait until its page is the one shown."""
    follow(page, page.get_by_role("link", name=name, exact=True), path)


def follow(page: Page, link: Locator, path: str) -> None:
    """Click a page link once and wait until the page at `path` is shown."""
    link.click()
    expect(page).to_have_url(re.compile(rf"/{path}(\?|$)"))
    wait_until_idle(page)


def edit_first_narration(page: Page, text: str) -> None:
    """Type into the first Narration cell of the scenes table (a canvas grid)."""
    grid = page.locator(".stDataFrame").first
    cell = grid.get_by_test_id("glide-cell-2-0")  # the grid's accessible mirror: column 2, row 0
    expect(cell).not_to_have_text(text)
    for _attempt in range(3):  # a rerun that lands mid-edit remounts the grid: type again
        wait_until_idle(page)
        # Columns: row marker, "#", Narration, Visual; the header row is ~35 px high.
        grid.click(position={"x": 160, "y": 35 + 17})
        page.keyboard.press("Enter")  # opens the cell editor with its text selected
        editor = page.locator(".gdg-growing-entry textarea").first
        try:
            editor.wait_for(timeout=5000)
        except TimeoutError:  # the click landed while the grid was being remounted
            continue
        page.wait_for_timeout(300)  # the editor selects its text once it has settled
        editor.fill(text)
        page.wait_for_timeout(200)
        editor.press("Enter")
        try:
            expect(cell).to_have_text(text, timeout=3000)  # the grid took the edit
            break
        except AssertionError:
            continue
    expect(cell).to_have_text(text)
    wait_until_idle(page)


def wait_until_idle(page: Page) -> None:
    """Wait until Streamlit is not running a script (its status widget is gone)."""
    page.wait_for_timeout(300)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)


def test_idea_to_finalized_screens_then_log_out(page: Page, app_url: str) -> None:
    register_and_log_in(page, app_url, "journey")

    open_from_sidebar(page, "Ideas", "ideas")
    page.get_by_role("textbox", name="Title").fill("Why octopuses are clever")
    page.get_by_role("button", name="Add idea").click()
    expect(page.get_by_text("Why octopuses are clever").first).to_be_visible()
    page.get_by_role("button", name="Execute").click()
    expect(page).to_have_url(re.compile(r"/workspace\?id=\d+"))

    page.get_by_role("textbox", name="Topic").fill("how octopuses solve puzzles")
    page.get_by_role("button", name="Create script").click()
    expect(page).to_have_url(re.compile(r"/script\?id=\d+"))
    # The offline writer runs in the real worker; the page follows its progress live.
    expect(page.get_by_role("tab", name="Edit")).to_be_visible(timeout=60_000)
    expect(page.get_by_text("version 1", exact=False).first).to_be_visible()

    edit_first_narration(page, "Octopuses open jars from the inside.")
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_text("version 2", exact=False).first).to_be_visible()

    page.get_by_role("tab", name="Compare").click()
    compare = page.get_by_role("tabpanel", name="Compare")
    expect(compare.get_by_text("changed").first).to_be_visible()
    expect(compare.get_by_text("Octopuses open jars from the inside.").first).to_be_visible()

    page.get_by_role("tab", name="Finalize").click()
    page.get_by_role("button", name="Finalize").click()
    expect(page).to_have_url(re.compile(r"/screens\?id=\d+"))
    expect(page.get_by_text("Octopuses open jars from the inside.").first).to_be_visible()
    expect(page.get_by_text("Image: not generated yet").first).to_be_visible()
    screens_url = page.url

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    page.goto(screens_url)  # a reload must not sign the user back in from a stale cookie
    page.wait_for_timeout(3000)
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.get_by_text("Octopuses open jars from the inside.")).to_have_count(0)
