"""A first visit speaks the browser's language; API problem titles are translated.

Pages: the logged-in member's saved language, else the switch's cookie, else
the best match of Accept-Language among the ring's languages (de, en), else
German. API problems: `title` in the caller's language like `detail`; `type`
and `code` stay as they are.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest

from tauschring.db import atomic
from tauschring.members.models import Member

CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*\bvalue="([^"]+)"')
CATALOG = Path(__file__).resolve().parents[2] / "tauschring" / "translations"


def page_language(client, path: str = "/login", **headers) -> str:
    response = client.get(path, headers=headers)
    assert response.status_code == 200, response.status_code
    return re.search(r'<html lang="([a-z]+)">', response.text).group(1)


def test_a_first_visit_follows_accept_language_when_the_ring_speaks_it(client):
    response = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert '<html lang="en">' in response.text and "Log in" in response.text
    assert "Accept-Language" in response.headers.get("Vary", "")
    assert page_language(client, **{"Accept-Language": "de-AT,de;q=0.9,en;q=0.5"}) == "de"
    assert page_language(client, **{"Accept-Language": "fr-FR,fr;q=0.9"}) == "de"
    assert page_language(client, **{"Accept-Language": "fr, en;q=0.3"}) == "en"
    assert page_language(client) == "de"


def test_the_switch_cookie_wins_over_accept_language(client):
    client.set_cookie("lang", "de")
    german = client.get("/login", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert '<html lang="de">' in german and "Anmelden" in german
    client.set_cookie("lang", "en")
    assert page_language(client, **{"Accept-Language": "de"}) == "en"


def test_the_members_saved_language_wins_over_accept_language(client, world):
    ring = world.ring()
    anna = world.member(ring, "Anna")

    def speaks_german(session):
        session.get(Member, anna.id).language = "de"
    atomic(speaks_german)

    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en-GB,en;q=0.9"
    token = CSRF_TOKEN.search(client.get("/login").text).group(1)
    logged_in = client.post("/login", data={"csrf_token": token, "email": anna.email,
                                            "password": anna.password})
    assert logged_in.status_code == 302, logged_in.text
    assert page_language(client, "/dashboard") == "de"


def german(text: str) -> str:
    """The catalog's German for `text` (a test of the catalog is tests/i18n)."""
    translations = gettext.translation("messages", str(CATALOG), languages=["de"])
    found = translations.gettext(text)
    if found == text:
        pytest.skip(f"the German catalog has no translation of {text!r} yet "
                    "(scripts/translations)")
    return found


@pytest.mark.parametrize("language, title", [("de", None), ("en", "Not Found"),
                                              ("fr", None)])
def test_api_problem_titles_speak_the_callers_language(client, language, title):
    title = title or german("Not Found")
    response = client.get("/api/v1/no-such-thing", headers={"Accept-Language": language})
    assert response.status_code == 404
    problem = response.json
    assert problem["title"] == title
    assert problem["type"] == "urn:tauschring:problem:not_found"
    assert problem["code"] == "not_found"


def test_a_malformed_body_has_a_translated_title_too(client):
    title = german("Bad Request")
    response = client.post("/api/v1/tokens", data="{not json",
                           headers={"Content-Type": "application/json",
                                    "Accept-Language": "de"})
    assert response.status_code == 400
    assert response.json["title"] == title and response.json["code"] == "malformed_json"
