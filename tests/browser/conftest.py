"""A real browser: Playwright driving Debian's Chromium against a waitress server."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect, sync_playwright

CHROMIUM = os.environ.get("TAUSCHRING_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        if os.environ.get("TAUSCHRING_TEST_STRICT") == "1":
            pytest.fail(f"no Chromium at {CHROMIUM}")
        pytest.skip("no Chromium: run the suite with scripts/test")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS,
                                             headless=True)
        yield browser
        browser.close()


@pytest.fixture
def base_url(live_server):
    return live_server.application_url.rstrip("/")


class Visitor:
    """A person at a browser: reads, clicks, types — by labels and roles."""

    def __init__(self, page: Page, base_url: str):
        self.page = page
        self.base_url = base_url

    def open(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def log_in(self, email: str, password: str) -> None:
        self.open("/login")
        self.page.get_by_label(re.compile("E-Mail|E-mail")).fill(email)
        self.page.get_by_label(re.compile("Passwort|Password")).fill(password)
        self.page.locator("main form").get_by_role("button").click()
        expect(self.page.get_by_role("heading", level=1)).to_be_visible()

    def log_out(self) -> None:
        self.page.locator("header").get_by_role(
            "button", name=re.compile("Abmelden|Log out")).click()

    def switch_language(self, code: str) -> None:
        self.page.locator("header").get_by_role("button", name=code.upper()).click()

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture
def visit(browser, base_url):
    """visit() -> a Visitor in a fresh browser context (own cookies)."""
    contexts = []

    def make(width: int = 1280, height: int = 900) -> Visitor:
        context = browser.new_context(viewport={"width": width, "height": height},
                                      locale="de-DE")
        contexts.append(context)
        return Visitor(context.new_page(), base_url)

    yield make
    for context in contexts:
        context.close()
