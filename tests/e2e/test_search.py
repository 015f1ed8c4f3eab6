"""Search in a real browser: a word typed into one scene's narration is found from the
sidebar's box, and its result opens the script. Every link is clicked once."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_journey import edit_first_narration, register_and_log_in, wait_until_idle

pytestmark = pytest.mark.browser

WORD = "Quokkaesque"  # in no template the offline writer knows


def test_search_for_a_word_only_in_one_scenes_narration_finds_that_script(
    page: Page, app_url: str
) -> None:
    register_and_log_in(page, app_url, "seeker")
    page.get_by_role("link", name="Ideas", exact=True).click()
    expect(page).to_have_url(re.compile(r"/ideas(\?|$)"))
    page.get_by_role("textbox", name="Title").fill("Marsupial manners")
    page.get_by_role("button", name="Add idea").click()
    page.get_by_role("button", name="Execute").click()
    expect(page).to_have_url(re.compile(r"/workspace\?id=\d+"))
    page.get_by_role("button", name="Create script").click()
    expect(page).to_have_url(re.compile(r"/script\?id=\d+"))
    script_url = page.url
    expect(page.get_by_role("tab", name="Edit")).to_be_visible(timeout=60_000)
    title = page.get_by_role("heading", level=1).inner_text().removeprefix("📝").strip()

    edit_first_narration(page, f"A {WORD} smile greets every visitor.")
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_text("version 2", exact=False).first).to_be_visible()
    wait_until_idle(page)

    box = page.get_by_test_id("stSidebar").get_by_role("textbox", name="Search")
    box.fill(WORD.lower())
    box.press("Enter")
    expect(page).to_have_url(re.compile(rf"/search\?q={WORD.lower()}$"))
    main = page.get_by_test_id("stMain")
    expect(main.get_by_text(f"1 result for “{WORD.lower()}”")).to_be_visible()
    expect(main.get_by_text("matched in scene 1")).to_be_visible()
    expect(main.get_by_text(WORD, exact=True)).to_be_visible()  # the match, highlighted
    wait_until_idle(page)

    main.get_by_role("link", name=title).click()  # once
    expect(page).to_have_url(script_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
