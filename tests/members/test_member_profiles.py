"""Profiles: what others see of a member, and who may change it."""

from __future__ import annotations

import re

import pytest
from member_pages import Visitor, outbox, text_of

from tauschring.db import atomic, db
from tauschring.members.models import Member
from tauschring.members.service import update_profile

PROFILE = {"name": "Anna Becker", "about": "Mutter von zwei Kindern.",
           "skills": "Nähen, Kuchen backen", "availability": "Vormittags",
           "email_visibility": "members", "phone": "0761 123456",
           "phone_visibility": "coordinators", "address": "Lindenweg 3",
           "address_visibility": "members", "postcode": "79098", "district": "Altstadt",
           "language": "en"}


def stored(person) -> Member:
    db.session.rollback()
    return db.session.get(Member, person.id)


@pytest.fixture
def ring(world):
    return world.ring("sonnenberg")


def test_a_member_fills_in_the_own_profile(ring, world, visitor_as):
    anna = world.member(ring, "Anna")
    browser = visitor_as(anna)
    form = browser.get("/profile")
    assert form.status_code == 200 and 'name="phone_visibility"' in text_of(form)

    saved = browser.submit("/profile", PROFILE)
    assert saved.status_code == 302
    member = stored(anna)
    assert {name: getattr(member, name) for name in PROFILE} == PROFILE
    page = text_of(browser.get(f"/members/{anna.id}"))
    assert "0761 123456" in page and "visible to coordinators only" in page


def test_a_refused_profile_change_says_why_and_changes_nothing(ring, world, visitor_as):
    anna = world.member(ring, "Anna")
    browser = visitor_as(anna)
    response = browser.submit("/profile", {**PROFILE, "name": "", "phone": "1" * 41})
    assert response.status_code == 200 and text_of(response).count('class="error"') == 2
    assert stored(anna).name == "Anna" and stored(anna).phone == ""


def test_contact_details_are_shown_as_the_member_chose(ring, world, visitor_as):
    anna = world.member(ring, "Anna")
    bernd = world.member(ring, "Bernd")
    karin = world.coordinator(ring)
    atomic(update_profile, anna.actor, anna.id, phone="0761 123456",
           phone_visibility="coordinators", address="Lindenweg 3",
           address_visibility="members", district="Altstadt")

    seen_by_member = text_of(visitor_as(bernd).get(f"/members/{anna.id}"))
    assert "Altstadt" in seen_by_member and "Lindenweg 3" in seen_by_member
    assert anna.email in seen_by_member
    assert "0761 123456" not in seen_by_member

    seen_by_coordinator = text_of(visitor_as(karin).get(f"/members/{anna.id}"))
    assert "0761 123456" in seen_by_coordinator


def test_a_member_cannot_edit_another_members_profile(ring, world, visitor_as):
    anna = world.member(ring, "Anna")
    bernd = visitor_as(world.member(ring, "Bernd"))
    assert bernd.get(f"/members/{anna.id}/edit").status_code == 403
    refused = bernd.submit(f"/members/{anna.id}/edit", {**PROFILE, "name": "Hacked"},
                           form_on="/profile")
    assert refused.status_code == 403
    assert stored(anna).name == "Anna"
    assert "/edit" not in text_of(bernd.get(f"/members/{anna.id}"))


def test_the_own_edit_address_leads_to_the_profile_form(ring, world, visitor_as):
    anna = world.member(ring, "Anna")
    response = visitor_as(anna).get(f"/members/{anna.id}/edit")
    assert response.status_code == 302 and response.headers["Location"].endswith("/profile")


def test_a_coordinator_edits_a_members_profile_and_e_mail_address(ring, world, visitor_as):
    anna = world.member(ring, "Anna")
    karin = visitor_as(world.coordinator(ring))
    form = karin.get(f"/members/{anna.id}/edit")
    assert form.status_code == 200 and 'name="email"' in text_of(form)

    saved = karin.submit(f"/members/{anna.id}/edit",
                         {**PROFILE, "email": "Anna.Becker@Example.org"})
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"/members/{anna.id}")
    member = stored(anna)
    # The new log-in address waits for its owner's confirmation; the old one is told.
    assert (member.name, member.email, member.phone) == ("Anna Becker", anna.email,
                                                         "0761 123456")
    told = outbox(anna.email)
    assert len(told) == 1 and "anna.becker@example.org" in told[0].body
    link = re.search(r"/email/confirm/\S+", outbox("anna.becker@example.org")[-1].body).group(0)
    confirmed = Visitor(karin.app).submit(link, {})
    assert confirmed.status_code == 302
    assert stored(anna).email == "anna.becker@example.org"
    assert len(outbox(anna.email)) == 2  # and told again once it changed


def test_members_of_another_ring_are_not_found(ring, world, visitor_as):
    anna = world.member(ring, "Anna")
    other_ring = world.ring("weststadt")
    zoe = visitor_as(world.member(other_ring, "Zoe"))
    their_coordinator = visitor_as(world.coordinator(other_ring, "Olga"))

    assert zoe.get(f"/members/{anna.id}").status_code == 404
    assert zoe.get(f"/members/{anna.id}/edit").status_code == 404
    assert their_coordinator.get(f"/members/{anna.id}").status_code == 404
    refused = their_coordinator.submit(f"/members/{anna.id}/edit", {**PROFILE, "name": "X"},
                                       form_on="/profile")
    assert refused.status_code == 404
    assert stored(anna).name == "Anna"
    assert zoe.get("/members/999999").status_code == 404


def test_the_profile_lists_the_members_current_offers(ring, world, visitor_as):
    from tauschring.market.service import categories, create_talent

    anna = world.member(ring, "Anna")
    category = categories(db.session, ring.id)[0]
    atomic(create_talent, anna.actor, kind="offer", title="Kuchen backen",
           category_id=category.id)
    page = text_of(visitor_as(world.member(ring, "Bernd")).get(f"/members/{anna.id}"))
    assert "Kuchen backen" in page
