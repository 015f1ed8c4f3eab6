"""The Video page in a real browser: batch generate ends with the video, which plays,
shows its facts and thumbnail, and downloads as an MP4; after the script is edited the
video stays, marked out of date, until Re-render brings it up to date."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_batch import finalize_new_script
from tests.e2e.test_journey import (
    edit_first_narration,
    follow,
    register_and_log_in,
    wait_until_idle,
)

pytestmark = pytest.mark.browser
SCREENS = 3


def test_batch_with_video_then_watch_download_edit_and_rerender(page: Page, app_url: str) -> None:
    register_and_log_in(page, app_url, "director")
    finalize_new_script(page, "Glass frogs", SCREENS)

    page.get_by_role("button", name="Batch generate").click()  # the video too, by default
    expect(page.get_by_text(f"Voice {SCREENS}/{SCREENS}").first).to_be_visible(timeout=90_000)

    follow(page, page.get_by_role("link", name="Video", exact=True), "video")
    main = page.get_by_test_id("stMain")
    # the render follows the media in the queue; the page shows it once it is done
    expect(main.locator("video")).to_have_count(1, timeout=120_000)
    video_url = page.url
    facts = main.get_by_text(re.compile(r"\d+\.\d MB · 0:\d\d · \d+×\d+"))
    expect(facts.first).to_be_visible()
    expect(main.get_by_test_id("stImage").first).to_be_visible()  # the thumbnail
    # the browser can load and decode the file it is given
    page.wait_for_function(
        "() => { const v = document.querySelector('video'); return v && v.duration > 1 }",
        timeout=30_000,
    )

    expect(main.get_by_text("Up to date with the screens.")).to_be_visible()
    first = downloaded(page)
    expect(main.get_by_text("Renders")).to_be_visible()  # the history lists it

    # Edit the script: the video stays, playable and downloadable, marked out of date.
    page.goto(video_url.replace("/video?", "/script?"))
    edit_first_narration(page, "Glass frogs show their hearts through their skin.")
    page.get_by_role("button", name="Save as new version").click()
    expect(page.get_by_text("version 2", exact=False).first).to_be_visible()
    page.goto(video_url)
    expect(main.locator("video")).to_have_count(1)
    expect(main.get_by_text("Out of date.")).to_be_visible()
    expect(main.get_by_text("The script was edited after this video")).to_be_visible()
    assert downloaded(page) == first

    # Finalize again and give the edited screen its new voice: Re-render is offered.
    page.goto(video_url.replace("/video?", "/script?"))
    page.get_by_role("tab", name="Finalize").click()
    page.get_by_role("button", name="Finalize").click()
    expect(page).to_have_url(re.compile(r"/screens\?id=\d+"))
    wait_until_idle(page)
    page.get_by_text("…and render the video when done").click()  # media only, this time
    page.get_by_role("button", name="Batch generate").click()
    expect(page.get_by_text(f"Voice {SCREENS}/{SCREENS}").first).to_be_visible(timeout=90_000)
    follow(page, page.get_by_role("link", name="Video", exact=True), "video")
    expect(main.get_by_text("Screens changed since this video was rendered.")).to_be_visible()
    page.get_by_role("button", name="Re-render").click()
    expect(main.get_by_text("Up to date with the screens.")).to_be_visible(timeout=120_000)
    assert downloaded(page) != first  # the new video, with the new narration


def downloaded(page: Page) -> bytes:
    """Click the Video page's main Download MP4 and return the file."""
    main = page.get_by_test_id("stMain")
    with page.expect_download() as caught:
        main.get_by_role("button", name="Download MP4").first.click()
    download = caught.value
    assert download.suggested_filename == "Glass frogs.mp4"
    data = download.path().read_bytes()
    assert data[4:8] == b"ftyp" and len(data) > 20_000
    return data
