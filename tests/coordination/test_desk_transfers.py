"""A coordinator looks up transfers, follows them to exchanges and reverses mistakes."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from tauschring.db import atomic
from tauschring.exchanges import service as exchanges
from tauschring.ledger.audit import audit_ring
from tauschring.ledger.models import Account, Transfer


def transfer_ids(html: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-transfer-id="(\d+)"', html)]


def latest(session) -> Transfer:
    return session.scalars(select(Transfer).order_by(Transfer.id.desc()).limit(1)).one()


def test_the_list_shows_every_transfer_newest_first_with_names(world, pages, pay, fresh):
    ring = world.ring()
    karin = world.coordinator(ring)
    anton, berta = world.member(ring, "Anton"), world.member(ring, "Berta")
    pay(ring, ring, anton, 120, "Starting credit")
    exchange = atomic(exchanges.propose, anton.actor, provider_id=anton.id,
                      recipient_id=berta.id, minutes=90, description="Gardening",
                      performed_on=date.today())
    atomic(exchanges.confirm, berta.actor, exchange.id)
    ids = [t.id for t in fresh().scalars(select(Transfer).order_by(Transfer.id))]
    pages.login(karin)

    page = pages.client.get("/coordination/transfers").text
    assert transfer_ids(page) == list(reversed(ids))
    assert "Association account → Anton" in page
    assert "Berta → Anton" in page
    assert "1:30 h" in page and "Starting credit" in page
    assert f'href="/exchanges/{exchange.id}"' in page
    assert "Berta" in page.split(f'data-transfer-id="{ids[1]}"')[1].split("</tr>")[0]


def test_filters_by_account_days_reversals_and_overrides(errors, world, pages, pay, fresh):
    from tauschring.ledger.service import book, reverse

    ring = world.ring()
    karin = world.coordinator(ring)
    anton, berta = world.member(ring, "Anton"), world.member(ring, "Berta")
    pay(ring, ring, anton, 60)  # pay() books past limits: an override
    plain = atomic(lambda s: book(s, ring_id=ring.id, debit_account_id=ring.association_account_id,
                                  credit_account_id=berta.account_id, minutes=30,
                                  memo="plain")).id
    reversal = atomic(reverse, karin.actor, transfer_id=plain, reason="wrong member").id
    override = fresh().scalars(select(Transfer.id).where(
        Transfer.override_reason.is_not(None))).one()
    pages.login(karin)

    def shown(query):
        response = pages.client.get(f"/coordination/transfers?{query}")
        assert response.status_code == 200
        return transfer_ids(response.text)

    assert shown(f"account={berta.account_id}") == [reversal, plain]
    assert shown(f"account={anton.account_id}") == [override]
    assert shown("reversals=y") == [reversal]
    assert shown("overrides=y") == [override]
    today = date.today().isoformat()
    assert shown(f"date_from={today}&date_to={today}") == [reversal, plain, override]
    assert shown("date_from=2999-01-01") == []
    assert shown("account=&date_from=nonsense") == [reversal, plain, override]

    reversed_days = pages.client.get("/coordination/transfers?date_from=2030-01-02"
                                     "&date_to=2030-01-01")
    assert reversed_days.status_code == 200
    assert errors.beside(reversed_days.text, "date_from") == [
        "The first day must not be after the last."]
    assert transfer_ids(reversed_days.text) == [reversal, plain, override]

    page = pages.client.get("/coordination/transfers").text
    row = page.split(f'data-transfer-id="{plain}"')[1].split("</tr>")[0]
    assert f'/coordination/transfers/{reversal}"' in row and "reversed by" in row
    assert "Reverse …" not in row
    row = page.split(f'data-transfer-id="{reversal}"')[1].split("</tr>")[0]
    assert "reverses" in row and "Reverse …" not in row
    row = page.split(f'data-transfer-id="{override}"')[1].split("</tr>")[0]
    assert "past a limit" in row and "Reverse …" in row


def test_the_list_is_paginated(world, pages, pay):
    ring = world.ring(min_balance=None, max_balance=None)
    karin = world.coordinator(ring)
    anton = world.member(ring, "Anton")
    for minutes in range(1, 53):
        pay(ring, ring, anton, minutes)
    pages.login(karin)
    first = pages.client.get("/coordination/transfers").text
    second = pages.client.get("/coordination/transfers?page=2").text
    assert len(transfer_ids(first)) == 50 and len(transfer_ids(second)) == 2
    assert "52 transfers found." in first
    assert 'rel="next"' in first and 'rel="prev"' in second


def test_reverse_through_the_page_then_a_second_reversal_is_refused(errors, world, pages, pay,
                                                                    snapshot, fresh):
    ring = world.ring()
    karin = world.coordinator(ring)
    anton = world.member(ring, "Anton")
    pay(ring, ring, anton, 120, "Starting credit")
    original = latest(fresh()).id
    page, action = (f"/coordination/transfers/{original}",
                    f"/coordination/transfers/{original}/reverse")
    pages.login(karin)
    before = snapshot()

    no_reason = pages.submit(page, action, {"reason": " "})
    assert no_reason.status_code == 422
    assert errors.beside(no_reason.text, "reason")
    assert snapshot() == before

    form = pages.form(page, action)  # kept to post the same form again later
    response = pages.client.post(action, data={**form, "reason": "booked twice"})
    assert response.status_code == 302
    session = fresh()
    reversal = latest(session)
    assert reversal.reverses_id == original
    assert (reversal.debit_account_id, reversal.credit_account_id, reversal.minutes) == (
        anton.account_id, ring.association_account_id, 120)
    assert "booked twice" in reversal.memo
    assert session.get(Account, anton.account_id).balance == 0
    assert audit_ring(session, ring.id)["ok"]
    shown = pages.client.get(page).text
    assert f"Transfer #{original} is reversed by transfer #{reversal.id}." in shown
    assert "This transfer is already reversed." in shown
    assert action not in shown  # no second form

    before = snapshot()
    again = pages.client.post(action, data={**form, "reason": "once more"})
    assert again.status_code == 409
    assert errors.all(again.text) == [
        f"This transfer was already reversed by transfer #{reversal.id}."]
    assert snapshot() == before

    of_reversal = pages.client.post(f"/coordination/transfers/{reversal.id}/reverse",
                                    data={**form, "reason": "undo the undo"})
    assert of_reversal.status_code == 409
    assert "itself a reversal" in of_reversal.text
    assert snapshot() == before


def test_a_reversal_past_a_limit_needs_the_override(errors, world, pages, pay, snapshot, fresh):
    from tauschring.ledger.service import book

    ring = world.ring()  # limits -10:00 .. 20:00
    karin = world.coordinator(ring)
    anton, berta = world.member(ring, "Anton"), world.member(ring, "Berta")
    payment = atomic(lambda s: book(s, ring_id=ring.id, debit_account_id=anton.account_id,
                                    credit_account_id=berta.account_id, minutes=300,
                                    memo="Painting")).id
    pay(ring, berta, ring, 601)  # Berta is at -5:01 now: undoing would take her to -10:01
    page, action = (f"/coordination/transfers/{payment}",
                    f"/coordination/transfers/{payment}/reverse")
    pages.login(karin)
    before = snapshot()

    refused = pages.submit(page, action, {"reason": "not done"})
    assert refused.status_code == 422
    assert errors.beside(refused.text, "override_limits") == [
        "Berta would fall to −10:01 h, below the lowest allowed balance of −10:00 h."]
    assert snapshot() == before

    allowed = pages.submit(page, action, {"reason": "not done", "override_limits": "y"})
    assert allowed.status_code == 302
    session = fresh()
    assert latest(session).override_reason == "not done"
    assert audit_ring(session, ring.id)["ok"]


def test_unknown_transfers_are_404(world, pages):
    ring = world.ring()
    pages.login(world.coordinator(ring))
    assert pages.client.get("/coordination/transfers/999").status_code == 404
    assert pages.client.get("/coordination/transfers?account=999").status_code == 404
