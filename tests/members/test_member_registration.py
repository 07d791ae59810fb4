"""Joining a ring: register on the web page, wait for a coordinator, be admitted."""

from __future__ import annotations

import re

import pytest
from member_pages import csrf_token_in, outbox, text_of
from sqlalchemy import func, select

from tauschring.actors import Actor
from tauschring.db import atomic, db
from tauschring.errors import Forbidden
from tauschring.ledger.models import Account
from tauschring.market.service import categories, create_talent
from tauschring.members.models import Member
from tauschring.members.service import admit, member_by_email
from tauschring.rings.service import update_settings

NEWCOMER = {"name": "Fritz Neumann", "email": "fritz@example.org", "password": "geheim1234",
            "password_again": "geheim1234", "language": "en", "postcode": "79098",
            "district": "Altstadt"}


def fresh_member(email: str) -> Member:
    db.session.rollback()
    return member_by_email(db.session, email)


def member_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Member.id)))


def offer_something(member: Member):
    category = categories(db.session, member.ring_id)[0]
    return atomic(create_talent, Actor.of(member), kind="offer", title="Rasen mähen",
                  category_id=category.id)


def test_a_newcomer_registers_waits_and_trades_once_admitted(app, world, http):
    ring = world.ring("sonnenberg")
    karin = world.coordinator(ring)
    atomic(update_settings, karin.actor, starting_credit=120)
    http.session.cookies.set("lang", "en")

    form = http.get("/register?ring=sonnenberg")
    assert form.status_code == 200 and 'name="password_again"' in form.text
    response = http.post("/register?ring=sonnenberg",
                         data={"csrf_token": csrf_token_in(form.text), **NEWCOMER},
                         allow_redirects=False)
    assert response.status_code == 302, response.text
    done = http.get(response.headers["Location"])
    assert "A coordinator will admit you soon" in done.text

    fritz = fresh_member("fritz@example.org")
    assert (fritz.status, fritz.ring_id, fritz.district, fritz.postcode, fritz.language) == (
        "pending", ring.id, "Altstadt", "79098", "en")
    waiting, = outbox(karin.email)
    assert "Fritz Neumann" in waiting.subject
    assert f"/members/{fritz.id}" in waiting.body

    login = http.get("/login")
    logged_in = http.post("/login", data={"csrf_token": csrf_token_in(login.text),
                                          "email": "fritz@example.org",
                                          "password": "geheim1234"})
    assert logged_in.status_code == 200 and "admit you soon" in logged_in.text

    with pytest.raises(Forbidden) as refused:
        offer_something(fritz)
    assert (refused.value.status, refused.value.code) == (403, "member_not_active")

    atomic(admit, karin.actor, fritz.id)
    fritz = fresh_member("fritz@example.org")
    account = db.session.get(Account, fritz.account_id)
    assert (fritz.status, account.status, account.balance) == ("active", "open", 120)
    welcome, = outbox("fritz@example.org")
    assert "2:00 h" in welcome.body and "/login" in welcome.body
    assert offer_something(fritz).status == "active"
    assert "admit you soon" not in http.get("/dashboard").text


def test_with_several_rings_the_visitor_first_chooses_one(world, visitor):
    world.ring("sonnenberg")
    world.ring("weststadt")
    page = text_of(visitor.get("/register"))
    assert "/register?ring=sonnenberg" in page and "/register?ring=weststadt" in page
    assert 'name="password"' not in page


def test_with_a_single_ring_the_form_shows_at_once(world, visitor):
    world.ring("sonnenberg")
    assert 'name="password"' in text_of(visitor.get("/register"))


def test_a_ring_closed_for_registration_says_so_and_takes_nobody(world, visitor):
    ring = world.ring("sonnenberg")
    karin = world.coordinator(ring)
    atomic(update_settings, karin.actor, registration_open=False)
    before = member_count()

    page = visitor.get("/register?ring=sonnenberg")
    assert page.status_code == 200
    assert "not taking registrations" in text_of(page)
    assert 'name="password"' not in text_of(page)
    visitor.submit("/register?ring=sonnenberg", NEWCOMER)
    assert member_count() == before


def test_an_unknown_ring_is_not_found(world, visitor):
    world.ring("sonnenberg")
    assert visitor.get("/register?ring=atlantis").status_code == 404


REFUSALS = [  # (what is wrong, the field that says so)
    ({"password_again": "something else"}, "password_again"),
    ({"password": "short", "password_again": "short"}, "password"),
    ({"email": "no address"}, "email"),
    ({"name": ""}, "name"),
]


def test_a_refused_registration_says_why_beside_the_field_and_stores_nothing(world, visitor):
    world.ring("sonnenberg")
    before = member_count()

    for change, field in REFUSALS:
        response = visitor.submit("/register?ring=sonnenberg", {**NEWCOMER, **change})
        assert response.status_code == 200
        # The message sits in the field's own block, right after its input.
        block = re.search(rf'<div class="field has-error">\s*<label for="{field}".*?</div>',
                          text_of(response), re.S)
        assert block and 'class="error"' in block.group(0), change
    assert member_count() == before


def test_logged_in_members_are_sent_to_their_account(world, visitor_as):
    ring = world.ring("sonnenberg")
    anna = visitor_as(world.member(ring, "Anna"))
    response = anna.get("/register?ring=sonnenberg")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard")


def test_odd_input_is_no_server_error(world, visitor):
    world.ring("sonnenberg")
    assert visitor.get("/register?ring=%00").status_code == 404
    assert visitor.get("/register/done?ring=%00").status_code == 404
    response = visitor.submit("/register?ring=sonnenberg",
                              {**NEWCOMER, "name": "Fritz\x00 Neumann", "district": "Alt\x00stadt"})
    assert response.status_code == 302
    fritz = fresh_member("fritz@example.org")
    assert (fritz.name, fritz.district) == ("Fritz Neumann", "Altstadt")
