"""What newcomers see, which addresses the software gives away, and one rule
for what an e-mail address is.

A member waiting for admission sees its own profile and the ring's public
information only. Registration and address changes answer alike whether or
not an address is known, and tell its owner by mail instead. An address that
one door accepts logs in through every other.
"""

from __future__ import annotations

import re

import pytest
from browsers import Browser
from sqlalchemy import func, select

from tauschring.db import atomic, db
from tauschring.mail.models import OutgoingMail
from tauschring.members.models import Member
from tauschring.members.service import create_member

PASSWORD = "ein langes Passwort"


@pytest.fixture
def ring(world):
    return world.ring()


def mails_to(address: str) -> list[OutgoingMail]:
    db.session.rollback()
    return list(db.session.scalars(select(OutgoingMail).where(
        OutgoingMail.to_address == address).order_by(OutgoingMail.id)))


def member_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Member.id)))


# --- 4. pending members ----------------------------------------------------------------

def test_a_pending_member_reads_nothing_about_other_members(ring, world, http, problem):
    anna = world.member(ring, "Anna")
    nina = world.member(ring, "Nina", status="pending")
    token = http.token(nina)

    for path in ("/api/v1/members", f"/api/v1/members/{anna.id}", "/api/v1/talents",
                 "/api/v1/exchanges", f"/api/v1/accounts/{anna.account_id}",
                 "/api/v1/categories", "/api/v1/notifications"):
        body = problem(http.get(path, token=token), 403)
        assert body["code"] == "not_admitted"
        assert anna.email not in str(body) and "Anna" not in str(body)

    assert http.get("/api/v1/me", token=token).json()["email"] == nina.email
    assert http.get(f"/api/v1/members/{nina.id}", token=token).status_code == 200
    assert http.get("/api/v1/rings/current", token=token).status_code == 200
    patched = http.patch(f"/api/v1/members/{nina.id}", token=token, json={"district": "Ost"})
    assert patched.status_code == 200 and patched.json()["district"] == "Ost"


def test_a_pending_member_opens_its_own_pages_only(ring, world, http):
    anna = world.member(ring, "Anna")
    nina = world.member(ring, "Nina", status="pending")
    browser = Browser(http.base_url)
    assert browser.log_in(nina.email, nina.password).status_code == 302

    for page in ("/dashboard", "/profile", f"/members/{nina.id}", "/password"):
        assert browser.get(page).status_code == 200, page
    for page in ("/members", f"/members/{anna.id}", "/market", "/exchanges",
                 "/notifications", "/statements"):
        response = browser.get(page)
        assert response.status_code == 403, page
        assert anna.email not in response.text


# --- 9. which addresses exist -------------------------------------------------------------

def test_registering_with_a_taken_address_answers_as_with_a_new_one(ring, world, http):
    anna = world.member(ring, "Anna")
    before = member_count()
    fresh = http.post(f"/api/v1/members?ring={ring.slug}",
                      json={"name": "Neu", "email": "neu@example.org", "password": PASSWORD})
    taken = http.post(f"/api/v1/members?ring={ring.slug}",
                      json={"name": "Neu", "email": anna.email.upper(), "password": PASSWORD})

    assert fresh.status_code == taken.status_code == 201
    assert set(fresh.json()) == set(taken.json())
    assert "id" not in taken.json() and "account_id" not in taken.json()
    assert member_count() == before + 1
    [told] = mails_to(anna.email)
    assert "/password/forgot" in told.body


def test_the_registration_page_answers_alike_for_a_taken_address(ring, world, http):
    anna = world.member(ring, "Anna")
    answers = []
    for email in ("frei@example.org", anna.email):
        answer = Browser(http.base_url).submit(
            f"/register?ring={ring.slug}",
            {"name": "Neu", "email": email, "password": PASSWORD,
             "password_again": PASSWORD, "language": "de"})
        answers.append((answer.status_code, answer.headers.get("Location")))
    assert answers[0] == answers[1] and answers[0][0] == 302
    assert len(mails_to(anna.email)) == 1


def test_changing_to_a_taken_address_answers_as_a_free_one_and_tells_its_owner(
        ring, world, http):
    anna, bert = world.member(ring, "Anna"), world.member(ring, "Bert")
    token = http.token(anna)
    taken = http.patch(f"/api/v1/members/{anna.id}", token=token, json={"email": bert.email})
    free = http.patch(f"/api/v1/members/{anna.id}", token=token,
                      json={"email": "anna.neu@example.org"})
    assert taken.status_code == free.status_code == 200
    assert taken.json() == free.json()
    assert taken.json()["email"] == anna.email  # nothing changes before confirmation
    assert len(mails_to(bert.email)) == 1

    [confirm] = mails_to("anna.neu@example.org")
    link = re.search(r"/email/confirm/(\S+)", confirm.body).group(0)
    browser = Browser(http.base_url)
    assert browser.get(link).status_code == 200  # a mail scanner's GET changes nothing
    assert http.get("/api/v1/me", token=token).json()["email"] == anna.email
    assert browser.submit(link, {}).status_code == 302
    assert http.get("/api/v1/me", token=token).json()["email"] == "anna.neu@example.org"
    again = browser.submit(link, {})
    assert again.status_code == 200 and "already" in again.text


# --- 15. one rule for e-mail addresses ---------------------------------------------------

@pytest.mark.parametrize("address", ["oma.hilde@familie.local", "kasse@verein.test",
                                     "büro@tauschring-müllheim.de"])
def test_an_address_the_office_entered_logs_in_through_every_door(ring, http, address):
    def enter(session):
        return create_member(session, ring_id=ring.id, name="Hilde", email=address,
                             password=PASSWORD)
    atomic(enter)
    assert Browser(http.base_url).log_in(address, PASSWORD).status_code == 302
    assert http.post("/api/v1/tokens", json={"email": address,
                                             "password": PASSWORD}).status_code == 201


@pytest.mark.parametrize("address", ["kein-at-zeichen.de", "zwei@@example.org",
                                     "leer zeichen@example.org", "ohne@punkt"])
def test_a_bad_address_is_refused_by_every_door(ring, world, http, problem, address):
    problem(http.post(f"/api/v1/members?ring={ring.slug}",
                      json={"name": "X", "email": address, "password": PASSWORD}),
            422, field="email")
    page = Browser(http.base_url).submit(
        f"/register?ring={ring.slug}", {"name": "X", "email": address, "password": PASSWORD,
                                        "password_again": PASSWORD, "language": "de"})
    assert page.status_code == 200 and "not an e-mail address" in page.text
