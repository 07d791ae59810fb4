"""A real browser: Playwright driving Debian's Chromium against a waitress server.

People find things by their names, so the tests do too: labels, roles and
button names, each a pattern that accepts the German or the English wording
(`Words`). The `language` fixture runs a story once in German (the default)
and once in English, and checks the wording of that language (`Language`);
both live in browser_words.py.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from browser_words import Language, Words
from playwright.sync_api import Locator, Page, expect, sync_playwright
from sqlalchemy import select

from tauschring.db import atomic, utcnow
from tauschring.exchanges import service as exchanges
from tauschring.market.models import Category
from tauschring.market.service import create_talent

CHROMIUM = os.environ.get("TAUSCHRING_TEST_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(params=["de", "en"])
def language(request) -> Language:
    return Language(request.param)


@pytest.fixture
def post_talent(app):
    """post_talent(person, title, ...) -> id: a talent in the market, without the browser."""

    def post(person, title: str, *, kind: str = "offer", description: str = "",
             category: str = "sonstiges") -> int:
        def make(session):
            category_id = session.scalar(select(Category.id).where(
                Category.ring_id == person.ring_id, Category.slug == category))
            return create_talent(session, person.actor, kind=kind, title=title,
                                 description=description, category_id=category_id).id
        return atomic(make)
    return post


@pytest.fixture
def booked_exchange(app):
    """booked_exchange(provider, recipient, minutes, description) -> id, without the browser."""

    def book(provider, recipient, minutes: int, description: str,
             talent_id: int | None = None) -> int:
        exchange_id = atomic(lambda session: exchanges.propose(
            session, recipient.actor, provider_id=provider.id, recipient_id=recipient.id,
            minutes=minutes, description=description, performed_on=utcnow().date(),
            talent_id=talent_id).id)
        atomic(lambda session: exchanges.confirm(session, provider.actor, exchange_id))
        return exchange_id
    return book


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

    @property
    def main(self) -> Locator:
        return self.page.locator("main")

    def open(self, path: str) -> None:
        self.page.goto(self.base_url + path)

    def log_in(self, email: str, password: str) -> None:
        self.open("/login")
        self.page.get_by_label(Words.EMAIL).fill(email)
        self.page.get_by_label(Words.PASSWORD).fill(password)
        self.page.locator("main form").get_by_role("button").click()
        expect(self.page).not_to_have_url(re.compile(r"/login"))
        expect(self.page.get_by_role("heading", level=1)).to_be_visible()

    def log_out(self) -> None:
        self.page.locator("header").get_by_role("button", name=Words.LOG_OUT).click()
        expect(self.page).to_have_url(re.compile(r"/login"))

    def switch_language(self, code: str) -> None:
        # exact: "EN" is also in "AbmeldEN"
        self.page.locator("header").get_by_role("button", name=code.upper(), exact=True).click()
        expect(self.page.locator("html")).to_have_attribute("lang", code)

    def speak(self, language: Language) -> None:
        """Choose the story's language with the switch (German is the default)."""
        if language.english:
            self.switch_language("en")
        expect(self.page.locator("html")).to_have_attribute("lang", language.code)

    def go_to(self, name: re.Pattern) -> None:
        """Follow a link of the main menu in the header."""
        with self.page.expect_navigation():
            self.page.locator("header").get_by_role("navigation").get_by_role(
                "link", name=name).click()

    def follow(self, locator: Locator) -> None:
        """Click a link or button that opens another page, and wait for that page."""
        with self.page.expect_navigation():
            locator.click()

    def submit(self) -> None:
        """The one button of the form in the page's main part; waits for the answer."""
        self.follow(self.page.locator("main form").get_by_role("button"))

    def flash(self) -> Locator:
        return self.page.locator("main .flash")

    def balance(self) -> Locator:
        return self.page.get_by_test_id("balance")

    def scroll_width(self) -> int:
        return self.page.evaluate("document.documentElement.scrollWidth")

    def screenshot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path


@pytest.fixture(scope="session")
def idle_pages(browser):
    """Pages of browser contexts no test uses at the moment.

    A new context and page cost about half a second; a used one, with its
    cookies cleared and its page blank, is as good as new to the next visitor.
    """
    idle: list[Page] = []
    yield idle
    for page in idle:
        page.context.close()


@pytest.fixture
def visit(browser, base_url, idle_pages):
    """visit() -> a Visitor in a browser context of its own (no cookies yet)."""
    used: list[Page] = []

    def make(width: int = 1280, height: int = 900) -> Visitor:
        viewport = {"width": width, "height": height}
        if idle_pages:
            page = idle_pages.pop()
            page.set_viewport_size(viewport)
        else:
            page = browser.new_context(viewport=viewport, locale="de-DE").new_page()
        used.append(page)
        return Visitor(page, base_url)

    yield make
    for page in used:
        try:
            page.goto("about:blank")
            page.context.clear_cookies()
        except Exception:  # noqa: BLE001 - a broken page is not worth keeping
            page.context.close()
        else:
            idle_pages.append(page)
