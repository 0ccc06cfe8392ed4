"""Plain English in the app with no model, end to end in headless Chromium: the first message,
typed as a new user would, is read into households, demographics and engagement in one reply;
Apply fills those steps and the wizard walks them for review. Saves the exchange as
docs/img/chat-plain-english.png (the README's chat section shows it)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, expect
from test_app_browser import ROOT, AppServer, browser, click, open_chat, send, shot

pytestmark = pytest.mark.browser
__all__ = ["browser"]  # the module-scoped Chromium fixture of the app's browser tests

BRIEF = (
    "I need 5,000 affluent suburban families in Texas and Florida, parents aged 35 to 54, who "
    "watch a lot of CTV"
)
SCREENSHOT = ROOT / "docs" / "img" / "chat-plain-english.png"


@pytest.fixture(scope="module")
def plain_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppServer]:
    server = AppServer("plain-english", tmp_path_factory.mktemp("plain") / "warehouse", {})
    yield server
    server.stop()


def test_first_plain_english_message_fills_three_steps(browser: Browser, plain_app: AppServer):
    page = open_chat(browser, plain_app)
    page.set_viewport_size({"width": 1280, "height": 1650})
    expect(page.get_by_text("Describe your target market").first).to_be_visible()

    send(page, BRIEF)
    reply = page.get_by_text("Here is what I understood").last
    expect(reply).to_be_visible()
    for cell in ("count", "states", "income_brackets", "householder_age", "devices"):
        expect(page.get_by_role("cell", name=cell, exact=True).last).to_be_visible()
    expect(page.get_by_role("cell", name='"Texas and Florida"').last).to_be_visible()
    expect(page.get_by_role("cell", name='"35 to 54"').first).to_be_visible()
    expect(page.get_by_role("button", name="Apply", exact=True).last).to_be_visible()
    expect(page.get_by_role("button", name="Adjust", exact=True).last).to_be_visible()
    page.get_by_text(BRIEF).last.evaluate("e => e.scrollIntoView({block: 'start'})")
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))
    shot(page, "plain-english-01-understood")

    click(page, "Apply")
    applied = "Applied: households, demographics and engagement filled."
    expect(page.get_by_text(applied).last).to_be_visible()
    expect(page.get_by_role("cell", name="TX 0.5559, FL 0.4441").last).to_be_visible()
    click(page, "Accept households")
    expect(page.get_by_role("cell", name="45-54 0.5164, 35-44 0.4836").last).to_be_visible()
    click(page, "Accept demographics")
    expect(
        page.get_by_role("cell", name="ctv 0.648, mobile 0.187, desktop 0.11, tablet 0.055").last
    ).to_be_visible()
    shot(page, "plain-english-02-applied")
    assert Path(SCREENSHOT).stat().st_size > 10_000
