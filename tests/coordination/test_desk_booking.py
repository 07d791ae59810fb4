"""A coordinator books a transfer by hand: starting credit, fee, correction."""

from __future__ import annotations

from sqlalchemy import select

from tauschring.ledger.audit import audit_ring
from tauschring.ledger.models import Account, Transfer

PAGE = ACTION = "/coordination/transfers/new"


def booking(debit, credit, time: str, memo: str = "Correction", **more) -> dict:
    return {"debit_account_id": str(debit), "credit_account_id": str(credit),
            "minutes": time, "memo": memo, **more}


def test_a_manual_booking_books_exactly_one_transfer(world, pages, fresh):
    ring = world.ring()
    karin = world.coordinator(ring)
    anton = world.member(ring, "Anton")
    pages.login(karin)

    form = pages.form(PAGE, ACTION)
    assert "Association account" in pages.client.get(PAGE).text
    assert "Anton" in pages.client.get(PAGE).text
    response = pages.client.post(ACTION, data={
        **form, **booking(ring.association_account_id, anton.account_id, "2:30",
                          "Starting credit")})
    assert response.status_code == 302

    session = fresh()
    transfer = session.scalars(select(Transfer)).one()
    assert (transfer.debit_account_id, transfer.credit_account_id, transfer.minutes) == (
        ring.association_account_id, anton.account_id, 150)
    assert transfer.memo == "Starting credit"
    assert transfer.booked_by_id == karin.id
    assert transfer.override_reason is None
    assert session.get(Account, anton.account_id).balance == 150
    assert audit_ring(session, ring.id)["ok"]

    shown = pages.client.get(response.headers["Location"]).text
    assert f"Transfer #{transfer.id} is booked" in shown
    assert "2:30 h" in shown and "Starting credit" in shown


def test_a_booking_past_a_limit_is_refused_beside_the_time(errors, world, pages, pay, snapshot):
    ring = world.ring()  # limits -10:00 .. 20:00
    karin = world.coordinator(ring)
    anton, berta = world.member(ring, "Anton"), world.member(ring, "Berta")
    pages.login(karin)
    before = snapshot()

    response = pages.submit(PAGE, ACTION, booking(anton.account_id, berta.account_id, "11"))
    assert response.status_code == 422
    assert errors.beside(response.text, "minutes") == [
        "Anton would fall to −11:00 h, below the lowest allowed balance of −10:00 h."]
    assert snapshot() == before

    pay(ring, ring, berta, 1140)  # Berta holds 19:00 of at most 20:00
    before = snapshot()
    response = pages.submit(PAGE, ACTION, booking(ring.association_account_id,
                                                  berta.account_id, "1:01"))
    assert response.status_code == 422
    assert errors.beside(response.text, "minutes") == [
        "Berta would rise to 20:01 h, above the highest allowed balance of 20:00 h."]
    assert snapshot() == before


def test_overriding_a_limit_needs_a_reason_and_the_transfer_carries_it(errors, world, pages,
                                                                        snapshot, fresh):
    ring = world.ring()
    karin = world.coordinator(ring)
    anton, berta = world.member(ring, "Anton"), world.member(ring, "Berta")
    pages.login(karin)
    before = snapshot()

    no_reason = pages.submit(PAGE, ACTION, booking(anton.account_id, berta.account_id, "11",
                                                   override_limits="y", reason="  "))
    assert no_reason.status_code == 422
    assert errors.beside(no_reason.text, "reason") == ["Overriding a limit needs a reason."]
    assert snapshot() == before

    allowed = pages.submit(PAGE, ACTION, booking(
        anton.account_id, berta.account_id, "11", "Moving help, agreed",
        override_limits="y", reason="agreed at the members' meeting"))
    assert allowed.status_code == 302
    session = fresh()
    transfer = session.scalars(select(Transfer)).one()
    assert transfer.override_reason == "agreed at the members' meeting"
    assert session.get(Account, anton.account_id).balance == -660
    audit = audit_ring(session, ring.id)
    assert audit["ok"]
    assert audit["limit_violations"][0]["override_recorded"] is True
    detail = pages.client.get(f"/coordination/transfers/{transfer.id}").text
    assert "agreed at the members&#39; meeting" in detail


def test_what_the_ledger_refuses_is_shown_and_nothing_is_booked(errors, world, pages, snapshot):
    from tauschring.db import atomic
    from tauschring.members.service import leave

    ring = world.ring()
    karin = world.coordinator(ring)
    anton, berta = world.member(ring, "Anton"), world.member(ring, "Berta")
    atomic(leave, karin.actor, berta.id, reason="moved away")
    pages.login(karin)
    before = snapshot()

    closed = pages.submit(PAGE, ACTION, booking(anton.account_id, berta.account_id, "1"))
    assert closed.status_code == 422
    assert errors.beside(closed.text, "credit_account_id") == [
        "This account is closed or not yet open: it takes no bookings."]

    same = pages.submit(PAGE, ACTION, booking(anton.account_id, anton.account_id, "1"))
    assert same.status_code == 422
    assert errors.beside(same.text, "credit_account_id") == [
        "A transfer needs two different accounts."]

    zero = pages.submit(PAGE, ACTION, booking(anton.account_id, karin.account_id, "0:00"))
    assert zero.status_code == 422
    assert errors.beside(zero.text, "minutes") == ["The time must be more than zero."]

    not_hours = pages.submit(PAGE, ACTION, booking(anton.account_id, karin.account_id, "1,5"))
    assert not_hours.status_code == 422
    assert "h:mm" in errors.beside(not_hours.text, "minutes")[0]

    no_memo = pages.submit(PAGE, ACTION, booking(anton.account_id, karin.account_id, "1",
                                                 memo=" "))
    assert no_memo.status_code == 422
    assert errors.beside(no_memo.text, "memo")

    unchosen = pages.submit(PAGE, ACTION, booking("", karin.account_id, "1"))
    assert unchosen.status_code == 422
    assert errors.beside(unchosen.text, "debit_account_id") == ["Please choose an account."]
    assert snapshot() == before


def test_the_form_can_start_with_accounts_chosen(errors, world, pages):
    ring = world.ring()
    karin = world.coordinator(ring)
    anton = world.member(ring, "Anton")
    pages.login(karin)
    form = pages.form(f"{PAGE}?debit={ring.association_account_id}&credit={anton.account_id}",
                      ACTION)
    assert form["debit_account_id"] == str(ring.association_account_id)
    assert form["credit_account_id"] == str(anton.account_id)
    assert not errors.all(pages.client.get(PAGE).text)


def test_text_with_nul_characters_is_refused_beside_the_field(world, pages, pay, snapshot,
                                                               errors, fresh):
    ring = world.ring()
    karin = world.coordinator(ring)
    anton = world.member(ring, "Anton")
    pay(ring, ring, anton, 60)
    transfer = fresh().scalars(select(Transfer)).one().id
    pages.login(karin)
    before = snapshot()

    booked = pages.submit(PAGE, ACTION, booking(ring.association_account_id,
                                                anton.account_id, "1", "Start\x00credit"))
    assert booked.status_code == 422
    assert errors.beside(booked.text, "memo") == ["Text must not contain NUL characters."]

    reversed_ = pages.submit(f"/coordination/transfers/{transfer}",
                             f"/coordination/transfers/{transfer}/reverse",
                             {"reason": "oops\x00"})
    assert reversed_.status_code == 422
    assert errors.beside(reversed_.text, "reason") == ["Text must not contain NUL characters."]

    renamed = pages.submit("/coordination/settings", "/coordination/settings",
                           {"name": "Ring\x00"})
    assert renamed.status_code == 422
    assert snapshot() == before
