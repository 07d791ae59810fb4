"""A coordinator charges the account fee for a period; running it twice books once."""

from __future__ import annotations

import json

from sqlalchemy import func, select

from tauschring.auditlog import LoggedAction
from tauschring.db import atomic
from tauschring.fees.models import FeeCharge
from tauschring.ledger.audit import audit_ring
from tauschring.ledger.models import Account, Transfer
from tauschring.rings.service import update_settings

PAGE = ACTION = "/coordination/fees"


def test_charging_twice_for_one_period_books_one_fee_per_active_account(world, pages, pay,
                                                                        fresh, snapshot):
    ring = world.ring()  # lowest allowed balance -10:00
    karin = world.coordinator(ring)
    anton, berta = world.member(ring, "Anton"), world.member(ring, "Berta")
    world.member(ring, "Paula", status="pending")
    pay(ring, berta, ring, 590)  # Berta at -9:50: a fee of 0:30 would take her past -10:00
    atomic(update_settings, karin.actor, fee_minutes=30, fee_period="month")
    pages.login(karin)
    assert "0:30 h per month" in pages.client.get(PAGE).text

    first = pages.submit(PAGE, ACTION, {"period": "2026-03"})
    assert first.status_code == 200
    assert "2 accounts charged now." in first.text
    assert "Not charged: 1 account" in first.text
    assert "Berta" in first.text.split('data-testid="refused"')[1].split("</ul>")[0]
    assert ("The balance of −9:50 h would fall below the lowest allowed balance of −10:00 h."
            in first.text)

    session = fresh()
    charged = dict(session.execute(select(FeeCharge.account_id, FeeCharge.period)).all())
    assert charged == {anton.account_id: "2026-03", karin.account_id: "2026-03"}
    assert session.get(Account, anton.account_id).balance == -30
    assert audit_ring(session, ring.id)["ok"]
    before = snapshot()
    transfers = session.scalar(select(func.count(Transfer.id)))

    second = pages.submit(PAGE, ACTION, {"period": "2026-03"})
    assert second.status_code == 200
    assert "Nothing was booked now." in second.text
    assert "Charged earlier for this period: 2 accounts" in second.text
    assert "Charged now: 0 accounts" in second.text
    assert "Berta" in second.text.split('data-testid="refused"')[1].split("</ul>")[0]
    session = fresh()
    assert session.scalar(select(func.count(Transfer.id))) == transfers
    assert session.scalar(select(func.count(FeeCharge.id))) == 2
    after = snapshot()
    assert {k: v for k, v in after.items() if k != "audit_log"} == {
        k: v for k, v in before.items() if k != "audit_log"}
    assert audit_ring(session, ring.id)["ok"]

    runs = session.scalars(select(LoggedAction).where(LoggedAction.action == "fees.charge")
                           .order_by(LoggedAction.id)).all()
    assert [json.loads(r.detail)["charged"] for r in runs] == [2, 0]
    assert json.loads(runs[1].detail)["already"] == 2
    assert json.loads(runs[1].detail)["refused"] == ["Berta"]
    assert runs[1].actor_id == karin.id
    assert "2026-03" in pages.client.get(PAGE).text  # in the periods charged so far
    log = pages.client.get("/coordination/log").text
    assert "Account fees charged" in log and "Refused: Berta" in log


def test_when_every_account_was_charged_the_page_says_nothing_was_booked(world, pages):
    ring = world.ring()
    karin = world.coordinator(ring)
    world.member(ring, "Anton")
    atomic(update_settings, karin.actor, fee_minutes=60, fee_period="year")
    pages.login(karin)
    assert pages.submit(PAGE, ACTION, {"period": "2026"}).status_code == 200
    again = pages.submit(PAGE, ACTION, {"period": "2026"})
    assert ("Nothing was booked: every active account had already been charged for 2026."
            in again.text)


def test_a_period_in_the_wrong_shape_is_refused_beside_the_field(world, pages, snapshot,
                                                                errors):
    ring = world.ring()
    karin = world.coordinator(ring)
    world.member(ring, "Anton")
    atomic(update_settings, karin.actor, fee_minutes=30, fee_period="month")
    pages.login(karin)
    before = snapshot()
    for period in ("2026", "2026-13", "März"):
        response = pages.submit(PAGE, ACTION, {"period": period})
        assert response.status_code == 422
        assert errors.beside(response.text, "period") == [
            "This ring charges its fee per month: give year and month, e.g. 2026-11."]
    empty = pages.submit(PAGE, ACTION, {"period": ""})
    assert empty.status_code == 422 and errors.beside(empty.text, "period")
    assert snapshot() == before


def test_a_ring_without_a_fee_charges_nothing(world, pages, snapshot, errors):
    ring = world.ring()
    karin = world.coordinator(ring)
    pages.login(karin)
    page = pages.client.get(PAGE).text
    assert "This ring charges no account fee." in page
    assert 'action="/coordination/fees"' not in page
    before = snapshot()
    response = pages.client.post(ACTION, data={"csrf_token": pages.csrf_token(),
                                               "period": "2026-01"})
    assert response.status_code == 422
    assert errors.all(response.text) == [
        "This ring charges no account fee: set one in the ring settings first."]
    assert snapshot() == before
