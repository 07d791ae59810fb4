"""A member leaves: the confirmation shows the settlement, the account closes."""

from __future__ import annotations

import pytest

from tauschring.db import atomic
from tauschring.ledger.audit import audit_ring
from tauschring.ledger.models import Account
from tauschring.members.models import Member
from tauschring.members.service import create_by_coordinator


@pytest.mark.parametrize("balance, says", [
    (150, "2:30 h will be transferred to the association account"),
    (-90, "the association account covers 1:30 h"),
])
def test_leaving_settles_the_balance_against_the_association(world, pages, pay, fresh,
                                                             balance, says):
    ring = world.ring()
    karin = world.coordinator(ring)
    anton = world.member(ring, "Anton")
    if balance > 0:
        pay(ring, ring, anton, balance)
    else:
        pay(ring, anton, karin, -balance)
    pages.login(karin)

    page = f"/coordination/members/{anton.id}/leave"
    confirmation = pages.client.get(page)
    assert confirmation.status_code == 200
    assert says in confirmation.text

    response = pages.submit(page, page, {"reason": "moved away"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/coordination/members/{anton.id}")

    session = fresh()
    association_before = -balance if balance > 0 else 0
    assert session.get(Member, anton.id).status == "left"
    account = session.get(Account, anton.account_id)
    assert (account.status, account.balance) == ("closed", 0)
    association = session.get(Account, ring.association_account_id)
    assert association.balance == association_before + balance
    assert audit_ring(session, ring.id)["ok"]


def test_a_member_who_left_can_leave_no_more(world, pages):
    ring = world.ring()
    karin = world.coordinator(ring)
    anton = world.member(ring, "Anton")
    pages.login(karin)
    page = f"/coordination/members/{anton.id}/leave"
    token = pages.form(page, page)["csrf_token"]
    assert pages.client.post(page, data={"csrf_token": token}).status_code == 302

    assert "has already left" in pages.client.get(page).text
    again = pages.client.post(page, data={"csrf_token": token})
    assert again.status_code == 409


def test_a_household_keeps_its_account_when_one_person_leaves(world, pages, pay, fresh):
    ring = world.ring()
    karin = world.coordinator(ring)
    anna = world.member(ring, "Anna")
    jonas = atomic(create_by_coordinator, karin.actor, name="Jonas", email="jonas@example.org",
                   password="long enough pw", household_of=anna.id)
    pay(ring, ring, anna, 100)
    pages.login(karin)

    page = f"/coordination/members/{jonas.id}/leave"
    assert "The account is shared with Anna" in pages.client.get(page).text
    assert pages.submit(page, page).status_code == 302

    session = fresh()
    account = session.get(Account, anna.account_id)
    assert (account.status, account.balance) == ("open", 100)
    assert session.get(Member, jonas.id).status == "left"
    assert audit_ring(session, ring.id)["ok"]
