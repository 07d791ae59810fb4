"""A coordinator admits newcomers from the admissions page."""

from __future__ import annotations

from tauschring.db import atomic
from tauschring.ledger.audit import audit_ring
from tauschring.ledger.models import Account
from tauschring.members.models import Member
from tauschring.members.service import update_profile
from tauschring.rings.service import update_settings


def test_admitting_opens_the_account_with_the_starting_credit(world, pages, fresh):
    ring = world.ring()
    karin = world.coordinator(ring)
    paula = world.member(ring, "Paula Neu", status="pending")
    atomic(update_settings, karin.actor, starting_credit=180)
    atomic(update_profile, paula.actor, paula.id, district="Altstadt")
    pages.login(karin)

    page = pages.client.get("/coordination/admissions").text
    assert "Paula Neu" in page and paula.email in page and "Altstadt" in page
    assert "3:00" in page  # the starting credit the admission books

    action = f"/coordination/admissions/{paula.id}/admit"
    response = pages.submit("/coordination/admissions", action)
    assert response.status_code == 302
    page = pages.client.get(response.headers["Location"]).text
    assert "Paula Neu" in page  # the message says so
    assert f'action="{action}"' not in page  # and nobody waits any more

    session = fresh()
    member = session.get(Member, paula.id)
    account = session.get(Account, paula.account_id)
    association = session.get(Account, ring.association_account_id)
    assert member.status == "active" and member.joined_on is not None
    assert (account.status, account.balance) == ("open", 180)
    assert association.balance == -180
    assert audit_ring(session, ring.id)["ok"]


def test_admitting_twice_is_refused_and_books_once(world, pages, fresh):
    ring = world.ring()
    karin = world.coordinator(ring)
    paula = world.member(ring, "Paula", status="pending")
    atomic(update_settings, karin.actor, starting_credit=60)
    pages.login(karin)
    action = f"/coordination/admissions/{paula.id}/admit"
    token = pages.form("/coordination/admissions", action)["csrf_token"]

    assert pages.client.post(action, data={"csrf_token": token}).status_code == 302
    again = pages.client.post(action, data={"csrf_token": token})
    assert again.status_code == 409
    assert ("Only members waiting for admission can be admitted; Paula is active."
            in again.text)
    session = fresh()
    assert session.get(Account, paula.account_id).balance == 60
    assert audit_ring(session, ring.id)["ok"]


def test_a_pending_member_is_shown_on_the_overview(world, pages):
    ring = world.ring()
    karin = world.coordinator(ring)
    world.member(ring, "Paula", status="pending")
    world.member(ring, "Anton")
    pages.login(karin)
    page = pages.client.get("/coordination").text
    assert 'data-testid="pending-count">1<' in page
    assert 'data-testid="active-count">2<' in page  # Karin and Anton
