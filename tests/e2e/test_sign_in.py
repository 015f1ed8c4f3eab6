"""Signing in through the real login form, in a real browser: the cookie names the user by
id, a reload signs in again from it, and logging out ends it."""

from __future__ import annotations

import base64
import json

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

PASSWORD = " kim's pass "  # spaces at both ends are part of it


def session_cookie(page: Page) -> dict[str, object] | None:
    """The payload of the sign-in cookie (a signed JWT), or None without one."""
    for cookie in page.context.cookies():
        if cookie["name"] == "faceless_studio_session":
            payload = cookie["value"].split(".")[1]
            return dict(json.loads(base64.urlsafe_b64decode(payload + "==")))
    return None


def test_a_reload_signs_in_again_by_id_and_logging_out_ends_it(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/register")
    page.get_by_role("link", name="Already registered? Log in").click()  # the same tab
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    assert len(page.context.pages) == 1
    page.goto(f"{app_url}/register")
    page.get_by_role("textbox", name="Username").fill("Kim")
    page.get_by_role("textbox", name="Password", exact=True).fill(PASSWORD)
    page.get_by_role("textbox", name="Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Signed in as Kim (Kim)")).to_be_visible()  # registering signs in
    page.get_by_role("button", name="Log out").click()

    page.get_by_role("textbox", name="Username").fill("KIM")
    page.get_by_role("textbox", name="Password").fill(PASSWORD.strip())
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Wrong username or password.")).to_be_visible()
    page.get_by_role("textbox", name="Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Signed in as Kim (Kim)")).to_be_visible()

    cookie = None
    for _ in range(40):  # the page's script writes it as soon as the signed-in page shows
        cookie = session_cookie(page)
        if cookie:
            break
        page.wait_for_timeout(250)
    assert cookie is not None and str(cookie["username"]).isdigit(), cookie

    page.reload()
    expect(page.get_by_text("Signed in as Kim (Kim)")).to_be_visible()

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    page.reload()
    page.wait_for_timeout(3000)
    expect(page.get_by_role("button", name="Log in")).to_be_visible()
    expect(page.get_by_text("Signed in as Kim")).to_have_count(0)
