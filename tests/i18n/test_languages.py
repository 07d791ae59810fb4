"""German first, English on request: pages, API answers, dates and the command line.

Pages speak the logged-in member's language, else the choice of the language
switch (a cookie), else German. The API speaks the calling member's language,
else the best match of Accept-Language, else German. Without a request (the
command line) refusals are English.
"""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest
from babel.dates import format_date
from markupsafe import escape

from tauschring.db import atomic
from tauschring.errors import Forbidden, Invalid
from tauschring.i18n import _l
from tauschring.ledger.service import book_by_coordinator, check_minutes
from tauschring.members.models import Member

CSRF_TOKEN = re.compile(r'name="csrf_token"[^>]*\bvalue="([^"]+)"')
GERMAN_ZERO = "Die Zeit muss größer als null sein."
ENGLISH_ZERO = "The time must be more than zero."


def csrf_token(client, path: str = "/login") -> str:
    return CSRF_TOKEN.search(client.get(path).text).group(1)


def speaks(member, language: str) -> None:
    def save(session):
        session.get(Member, member.id).language = language
    atomic(save)


def log_in(client, person) -> None:
    response = client.post("/login", data={"csrf_token": csrf_token(client),
                                           "email": person.email, "password": person.password})
    assert response.status_code == 302, response.text


def token_of(client, person) -> str:
    response = client.post("/api/v1/tokens", json={"email": person.email,
                                                   "password": person.password})
    assert response.status_code == 201, response.text
    return response.json["token"]


# --- pages ---------------------------------------------------------------------------

def test_a_visitor_reads_german_until_choosing_english_and_the_choice_sticks(client):
    german = client.get("/login").text
    assert '<html lang="de">' in german
    assert "Anmelden" in german and "Passwort vergessen?" in german

    switched = client.post("/language", data={"csrf_token": csrf_token(client),
                                              "language": "en", "next": "/login"})
    assert switched.status_code == 302 and switched.headers["Location"].endswith("/login")

    for _ in range(2):  # the cookie keeps the choice from request to request
        english = client.get("/login").text
        assert '<html lang="en">' in english
        assert "Log in" in english and "Forgotten your password?" in english
        assert "Anmelden" not in english

    client.post("/language", data={"csrf_token": csrf_token(client), "language": "de",
                                   "next": "/login"})
    assert "Anmelden" in client.get("/login").text


def test_a_member_reads_the_pages_in_their_own_language(client, world):
    ring = world.ring()
    anna, ben = world.member(ring, "Anna"), world.member(ring, "Ben")
    speaks(ben, "en")

    log_in(client, anna)
    page = client.get("/dashboard").text
    assert "Mein Konto" in page and "Kontostand" in page and "Untergrenze" in page
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})

    log_in(client, ben)  # no cookie was set: the member's own language counts
    page = client.get("/dashboard").text
    assert "My account" in page and "Lowest allowed balance" in page
    assert "Mein Konto" not in page


def test_dates_and_hours_on_the_dashboard_are_written_as_the_reader_reads_them(client, world):
    ring = world.ring()
    karin = world.coordinator(ring)
    anna, ben = world.member(ring, "Anna"), world.member(ring, "Ben")
    speaks(ben, "en")
    booked = {}
    for person in (anna, ben):
        transfer = atomic(book_by_coordinator, karin.actor,
                          debit_account_id=ring.association_account_id,
                          credit_account_id=person.account_id, minutes=90,
                          memo="Startguthaben")
        booked[person.name] = transfer.booked_at.astimezone(ZoneInfo("Europe/Berlin")).date()

    log_in(client, anna)
    german = client.get("/dashboard").text
    assert booked["Anna"].strftime("%d.%m.%Y") in german  # e.g. 27.11.2026
    assert "1:30 Std." in german
    client.post("/logout", data={"csrf_token": csrf_token(client, "/dashboard")})

    log_in(client, ben)
    english = client.get("/dashboard").text
    assert format_date(booked["Ben"], "medium", locale="en") in english  # e.g. Nov 27, 2026
    assert "1:30 h" in english


def test_a_refusal_on_a_form_is_shown_in_the_members_language(client, world):
    ring = world.ring()
    anna = world.member(ring, "Anna")
    log_in(client, anna)
    token = csrf_token(client, "/password")
    refused = client.post("/password", data={
        "csrf_token": token, "current_password": "not the password",
        "new_password": "a new secret", "new_password_again": "a new secret"})
    assert "Das aktuelle Passwort stimmt nicht." in refused.text


# --- the API --------------------------------------------------------------------------

@pytest.mark.parametrize("language, detail", [("de", GERMAN_ZERO), ("en", ENGLISH_ZERO)])
def test_an_api_refusal_speaks_the_calling_members_language(client, world, language, detail):
    ring = world.ring()
    karin, anna = world.coordinator(ring), world.member(ring, "Anna")
    speaks(karin, language)
    response = client.post(
        "/api/v1/transfers", headers={"Authorization": f"Bearer {token_of(client, karin)}",
                                      # the member's own language beats the header
                                      "Accept-Language": "fr, en;q=0.5, de;q=0.1"},
        json={"debit_account_id": ring.association_account_id,
              "credit_account_id": anna.account_id, "minutes": 0, "memo": "Startguthaben"})
    assert response.status_code == 422
    body = response.json
    assert body["code"] == "amount_must_be_positive"
    assert body["detail"] == detail
    assert body["errors"] == {"minutes": [detail]}


@pytest.mark.parametrize("header, detail", [
    (None, "E-Mail-Adresse oder Passwort ist falsch."),
    ("en-GB,en;q=0.9", "Wrong e-mail address or password."),
    ("de-AT", "E-Mail-Adresse oder Passwort ist falsch."),
    ("fr", "E-Mail-Adresse oder Passwort ist falsch."),
])
def test_an_anonymous_api_caller_gets_the_best_match_of_accept_language(client, world, header,
                                                                          detail):
    anna = world.member(world.ring(), "Anna")
    response = client.post("/api/v1/tokens", headers={"Accept-Language": header} if header else {},
                           json={"email": anna.email, "password": "wrong password"})
    assert response.status_code == 401
    assert response.json["code"] == "login_failed"
    assert response.json["detail"] == detail


# --- outside a request: the command line -------------------------------------------------

def test_a_refusal_is_english_outside_a_request_and_translated_where_it_is_read(app):
    with pytest.raises(Invalid) as refusal:
        check_minutes(0)
    assert str(refusal.value) == ENGLISH_ZERO
    # Each request has an app context (and `g`) of its own, as on a real server.
    with app.app_context(), app.test_request_context("/"):  # a visitor's page: German
        assert str(refusal.value.message) == GERMAN_ZERO
    with app.app_context(), app.test_request_context("/", headers={"Cookie": "lang=en"}):
        assert str(refusal.value.message) == ENGLISH_ZERO


def test_names_inside_messages_are_escaped_in_html(app):
    message = _l("%(name)s cannot trade at the moment.", name="<script>x</script>")
    assert "<script>" not in str(escape(message))
    assert str(message).startswith("<script>")


def test_a_refusal_after_a_german_page_is_english_again_for_the_command_line(client, world):
    ring = world.ring()
    anna = world.member(ring, "Anna")
    assert "Anmelden" in client.get("/login").text  # a German request came and went
    with pytest.raises(Forbidden) as refusal:
        atomic(book_by_coordinator, anna.actor, debit_account_id=anna.account_id,
               credit_account_id=ring.association_account_id, minutes=10, memo="x")
    assert str(refusal.value) == "Only a coordinator of this ring may do this."
