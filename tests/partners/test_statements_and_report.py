"""Bookings across partner rings on statements (the partner ring, and the
partner member of the exchange) and in the annual report (hours traded with
each partner ring), on both engines."""

from __future__ import annotations

import csv
import io

import pytest

from tauschring.db import atomic, db, utcnow
from tauschring.exchanges.models import Exchange
from tauschring.partners import clearing, service
from tauschring.reports.render import render
from tauschring.reports.service import annual_report
from tauschring.statements import render as statement_render
from tauschring.statements.service import statement


@pytest.fixture
def partners(world):
    a, b, c = world.ring("auental"), world.ring("bergdorf"), world.ring("christdorf")
    people = {"karin": world.coordinator(a, "Karin"), "anna": world.member(a, "Anna Arndt"),
              "bernd": world.member(b, "Bernd Brandt"), "bodo": world.coordinator(b, "Bodo"),
              "clara": world.member(c, "Clara Czerny")}
    atomic(lambda s: service.add(s, ring_id=a.id, partner_ring_id=b.id, credit_line=600))
    atomic(lambda s: service.add(s, ring_id=a.id, partner_ring_id=c.id, credit_line=600))
    return a, b, c, people


def _pay(payer, payee, minutes, *, exchange=False):
    def book(session):
        exchange_id = None
        if exchange:
            found = Exchange(ring_id=payer.ring_id, partner_ring_id=payee.ring_id,
                             provider_id=payee.id, recipient_id=payer.id, proposer_id=payee.id,
                             minutes=minutes, description="Fahrrad repariert",
                             performed_on=utcnow().date(), state="booked")
            session.add(found)
            session.flush()
            exchange_id = found.id
        return clearing.book_across(
            session, payer_ring_id=payer.ring_id, payer_account_id=payer.account_id,
            payee_ring_id=payee.ring_id, payee_account_id=payee.account_id,
            minutes=minutes, memo="Fahrrad repariert", exchange_id=exchange_id)
    return atomic(book)


def test_statements_name_the_partner_ring_and_member(partners):
    a, b, c, people = partners
    anna, bernd, clara = people["anna"], people["bernd"], people["clara"]
    _pay(anna, bernd, 90, exchange=True)
    _pay(clara, anna, 30)
    year = utcnow().year
    annas = statement(db.session, anna.actor, anna.account_id, year, language="en")
    labels = [str(line.counterparty) for line in annas.lines]
    assert labels == ["Bernd Brandt (partner ring Bergdorf)", "Partner ring Christdorf"]
    bernds = statement(db.session, bernd.actor, bernd.account_id, year, language="de")
    text = statement_render.statement_csv(bernds).decode("utf-8-sig")
    assert "Anna Arndt (Partnerring Auental)" in text, text


def test_the_annual_report_counts_hours_per_partner_ring(partners):
    a, b, c, people = partners
    anna, bernd, clara = people["anna"], people["bernd"], people["clara"]
    _pay(anna, bernd, 90)
    _pay(anna, bernd, 30)
    _pay(bernd, anna, 45)
    _pay(clara, anna, 60)
    report = annual_report(db.session, people["karin"].actor, utcnow().year)
    rows = {row["ring"]: row for row in report["partners"]}
    assert (rows["bergdorf"]["minutes_out"], rows["bergdorf"]["minutes_in"]) == (120, 45)
    assert rows["bergdorf"]["transfers"] == 3
    assert (rows["christdorf"]["minutes_out"], rows["christdorf"]["minutes_in"]) == (0, 60)
    seen_from_b = annual_report(db.session, people["bodo"].actor, utcnow().year)
    [row] = seen_from_b["partners"]
    assert (row["ring"], row["minutes_in"], row["minutes_out"]) == ("auental", 120, 45)

    text = render(report, "csv").decode("utf-8-sig")
    found = [r for r in csv.reader(io.StringIO(text)) if r and r[0] == "Bergdorf"]
    assert found == [["Bergdorf", "3", "45", "0:45", "120", "2:00"]], text
    holders = {row["account_id"]: row["holders"] for row in report["trial_balance"]["accounts"]}
    partnership = clearing.partnership_between(db.session, a.id, b.id)
    assert holders[partnership.account_of(a.id)] == ["Partner ring Bergdorf"]
