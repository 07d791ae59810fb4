"""Every paged list of the web pages answers any `?page=`: a number far too big, a
negative or zero one, and one that is no number at all each show a page (200),
never an error of the database (500)."""

from __future__ import annotations

import re

import pytest

from tauschring.paging import MAX_PAGE, page_number

CSRF_TOKEN = re.compile(r'name="[\w-]*csrf_token"[^>]*\bvalue="([^"]+)"')

# Every page that reads ?page=, with whom to ask: "member" or "coordinator".
PAGED = [
    ("/exchanges", "member"),
    ("/exchanges?state=booked", "member"),
    ("/notifications", "member"),
    ("/members", "member"),
    ("/market", "member"),
    ("/coordination/members", "coordinator"),
    ("/coordination/transfers", "coordinator"),
    ("/coordination/log", "coordinator"),
]
NUMBERS = ["99999999999999999999", "9" * 5000, "2147483648", "9223372036854775808",
           "-5", "-99999999999999999999", "0", "000", "abc", "", "1e3", "1.5", " 7",
           "7 ", "+3", "0x10", "1_000", "٣", "²", "３", "\u0663\u0660\u0660"]


class Browser:
    """One logged-in browser: each request in an app context of its own."""

    def __init__(self, app, person):
        self.app = app
        self.client = app.test_client()
        self.client.set_cookie("lang", "en")
        page = self.get("/login")
        token = CSRF_TOKEN.search(page.get_data(as_text=True)).group(1)
        with app.app_context():
            answer = self.client.post("/login", data={
                "csrf_token": token, "email": person.email, "password": person.password})
        assert answer.status_code == 302, answer.get_data(as_text=True)

    def get(self, path: str):
        with self.app.app_context():
            return self.client.get(path)


def with_page(path: str, number: str) -> str:
    from urllib.parse import quote

    return f"{path}{'&' if '?' in path else '?'}page={quote(number)}"


def test_page_numbers_are_whole_ascii_numbers_within_bounds():
    assert [page_number(v) for v in ("1", "2", "0042", str(MAX_PAGE))] == [1, 2, 42, MAX_PAGE]
    for nonsense in (None, "", "0", "-1", "abc", "1e3", " 7", "+3", "1_000", "٣", "²",
                     "３", "2\n"):
        assert page_number(nonsense) == 1, nonsense
    for huge in (str(MAX_PAGE + 1), "99999999999999999999", "9" * 5000):
        assert page_number(huge) == MAX_PAGE
    assert page_number("12", maximum=10) == 10 and page_number("10", maximum=10) == 10


@pytest.mark.parametrize("path,who", PAGED, ids=[p for p, _ in PAGED])
def test_every_paged_page_answers_any_page_number(app, world, path, who):
    ring = world.ring()
    person = (world.coordinator(ring) if who == "coordinator"
              else world.member(ring, "Anna"))
    world.member(ring, "Bert")
    browser = Browser(app, person)
    assert browser.get(path).status_code == 200
    answers = {number: browser.get(with_page(path, number)).status_code
               for number in NUMBERS}
    assert answers == {number: 200 for number in NUMBERS}
