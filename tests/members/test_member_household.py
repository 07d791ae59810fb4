"""A household: people who share one account, each with a log-in of their own."""

from __future__ import annotations

from member_pages import Visitor, text_of
from sqlalchemy import func, select

from tauschring.db import atomic, db
from tauschring.members.models import Member
from tauschring.members.service import member_by_email
from tauschring.rings.service import update_settings

JONAS = {"household-name": "Jonas Becker", "household-email": "jonas@example.org",
         "household-password": "jonas-geheim", "household-password_again": "jonas-geheim"}


def member_count() -> int:
    db.session.rollback()
    return db.session.scalar(select(func.count(Member.id)))


def test_an_active_member_adds_a_person_who_shares_the_account(app, world, visitor_as):
    ring = world.ring()
    anna = world.member(ring, "Anna")
    browser = visitor_as(anna)
    assert 'name="household-name"' in text_of(browser.get("/profile"))

    added = browser.submit("/profile/household", JONAS, form_on="/profile")
    assert added.status_code == 302
    db.session.rollback()
    jonas = member_by_email(db.session, "jonas@example.org")
    assert (jonas.account_id, jonas.status, jonas.ring_id) == (anna.account_id, "active",
                                                               ring.id)
    page = text_of(browser.get("/profile"))
    assert "Jonas Becker" in page and "Anna" in page
    assert Visitor(app).submit("/login", {"email": "jonas@example.org",
                                          "password": "jonas-geheim"}).status_code == 302


def test_a_full_household_has_no_form_and_takes_nobody_more(world, visitor_as):
    ring = world.ring()
    karin = world.coordinator(ring)
    atomic(update_settings, karin.actor, household_size=2)
    browser = visitor_as(world.member(ring, "Anna"))
    assert browser.submit("/profile/household", JONAS, form_on="/profile").status_code == 302

    page = text_of(browser.get("/profile"))
    assert 'name="household-name"' not in page and "at most 2 people" in page
    before = member_count()
    refused = browser.submit("/profile/household",
                             {**JONAS, "household-email": "lena@example.org"},
                             form_on="/profile")
    assert refused.status_code == 200 and "at most 2 people" in text_of(refused)
    assert member_count() == before


def test_a_member_waiting_for_admission_cannot_add_household_members(world, visitor_as):
    ring = world.ring()
    fritz = visitor_as(world.member(ring, "Fritz", status="pending"))
    page = text_of(fritz.get("/profile"))
    assert 'name="household-name"' not in page
    before = member_count()
    refused = fritz.submit("/profile/household", JONAS, form_on="/profile")
    # Until admitted, a member's pages are its own profile and account only.
    assert refused.status_code == 403
    assert member_count() == before


def test_a_refused_household_member_is_explained_beside_the_field(world, visitor_as):
    ring = world.ring()
    anna = world.member(ring, "Anna")
    browser = visitor_as(anna)
    before = member_count()
    refused = browser.submit("/profile/household", {**JONAS, "household-email": anna.email},
                             form_on="/profile")
    page = text_of(refused)
    assert refused.status_code == 200 and "exists already" in page
    assert page.index("exists already") > page.index('id="household-email"')
    assert member_count() == before
