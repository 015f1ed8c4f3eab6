"""The Video page in a real browser: batch generate ends with the video, which plays,
shows its facts and thumbnail, and downloads as an MP4."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.test_batch import finalize_new_script
from tests.e2e.test_journey import follow, register_and_log_in

pytestmark = pytest.mark.browser
SCREENS = 3


def test_batch_with_video_then_watch_and_download(page: Page, app_url: str) -> None:
    register_and_log_in(page, app_url, "director")
    finalize_new_script(page, "Glass frogs", SCREENS)

    page.get_by_text("…and render the video when done").click()
    page.get_by_role("button", name="Batch generate").click()
    expect(page.get_by_text(f"Voice {SCREENS}/{SCREENS}").first).to_be_visible(timeout=90_000)

    follow(page, page.get_by_role("link", name="Video", exact=True), "video")
    main = page.get_by_test_id("stMain")
    # the render follows the media in the queue; the page shows it once it is done
    expect(main.locator("video")).to_have_count(1, timeout=120_000)
    facts = main.get_by_text(re.compile(r"\d+\.\d MB · 0:\d\d · \d+×\d+"))
    expect(facts.first).to_be_visible()
    expect(main.get_by_test_id("stImage").first).to_be_visible()  # the thumbnail
    # the browser can load and decode the file it is given
    page.wait_for_function(
        "() => { const v = document.querySelector('video'); return v && v.duration > 1 }",
        timeout=30_000,
    )

    with page.expect_download() as caught:
        main.get_by_role("button", name="Download MP4").first.click()
    download = caught.value
    assert download.suggested_filename == "Glass frogs.mp4"
    data = download.path().read_bytes()
    assert data[4:8] == b"ftyp" and len(data) > 20_000
    expect(main.get_by_text("Renders")).to_be_visible()  # the history lists it
