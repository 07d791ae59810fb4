"""What one ring may not do to its partner: its coordinators act in their own
ring only, and a partner ring's members stay unknown unless they can trade
(both engines, real HTTP)."""

from __future__ import annotations

import pytest

from tauschring.db import atomic, db, utcnow
from tauschring.errors import Invalid
from tauschring.exchanges import service as exchanges
from tauschring.feedback import service as feedback
from tauschring.partners import clearing
from tauschring.partners import service as partners
from tauschring.reports.service import annual_report
from tests.ledger.conftest import ledger_facts
from tests.support.pages import pages  # noqa: F401, F811  (the page browser)


@pytest.fixture
def trading(rings):
    atomic(lambda s: partners.add(s, ring_id=rings.a.id, partner_ring_id=rings.b.id,
                                  credit_line=600))
    return rings


def _exchange(rings, minutes=60):
    """Bernd (Bergdorf) worked for Anna (Auental); Anna proposes, Bernd confirms."""
    exchange_id = atomic(lambda s: exchanges.propose(
        s, rings.anna.actor, provider_id=rings.bernd.id, recipient_id=rings.anna.id,
        minutes=minutes, description="Hecke geschnitten", performed_on=utcnow().date()).id)
    atomic(lambda s: exchanges.confirm(s, rings.bernd.actor, exchange_id))
    return exchange_id


def test_a_coordinator_cannot_set_a_clearing_accounts_limits(trading, http, problem):
    [row] = http.get("/api/v1/partners", token=trading.tokens["karin"]).json()["items"]
    before = ledger_facts(trading.a.id).snapshot()
    refused = problem(http.patch(f"/api/v1/accounts/{row['clearing_account_id']}",
                                 token=trading.tokens["karin"], json={"max_balance": 0}), 409)
    assert refused["code"] == "clearing_account_reserved"
    assert ledger_facts(trading.a.id).snapshot() == before


def test_no_override_across_rings(trading, http, problem):
    exchange_id = _exchange(trading)
    atomic(lambda s: exchanges.dispute(s, trading.anna.actor, exchange_id, "Nur halb"))
    for coordinator in ("karin", "bodo"):
        refused = problem(http.post(f"/api/v1/exchanges/{exchange_id}/resolve",
                                    token=trading.tokens[coordinator],
                                    json={"decision": "adjust", "minutes": 900,
                                          "note": "Doch mehr", "override_limits": True}), 422)
        assert refused["code"] == "override_across_rings"
    assert http.get(f"/api/v1/exchanges/{exchange_id}",
                    token=trading.tokens["anna"]).json()["state"] == "disputed"


def test_feedback_on_a_partner_rings_member_reaches_that_rings_coordinators(trading):
    exchange_id = _exchange(trading)
    atomic(lambda s: feedback.give(s, trading.bernd.actor, exchange_id, rating="negative",
                                   comment="Kam zu spät"))
    db.session.rollback()
    seen_by_a = db.session.scalars(feedback.negative_for_desk(trading.karin.actor)).all()
    seen_by_b = db.session.scalars(feedback.negative_for_desk(trading.bodo.actor)).all()
    assert [f.subject_id for f in seen_by_a] == [trading.anna.id] and seen_by_b == []


def test_only_members_of_an_agreed_partner_ring_who_can_trade_are_known(trading, world):
    c_member = world.member(trading.c, "Clara")
    # Auental proposed to Christdorf; Christdorf has not answered.
    atomic(lambda s: partners.propose(s, trading.karin.actor, ring="christdorf",
                                      credit_line=120))
    away = world.member(trading.b, "Berta", status="suspended")
    for stranger in (c_member, away):
        with pytest.raises(Invalid) as refused:
            atomic(lambda s, stranger=stranger: exchanges.propose(
                s, trading.anna.actor, provider_id=stranger.id, recipient_id=trading.anna.id,
                minutes=30, description="x", performed_on=utcnow().date()))
        assert refused.value.code == "member_not_found"
        assert stranger.name not in str(refused.value)


def test_the_partner_rings_report_counts_the_dispute(trading):
    exchange_id = _exchange(trading)
    atomic(lambda s: exchanges.dispute(s, trading.bernd.actor, exchange_id, "Zu wenig"))
    for coordinator in (trading.karin, trading.bodo):
        db.session.rollback()
        disputes = annual_report(db.session, coordinator.actor, utcnow().year)["disputes"]
        assert disputes["opened"] == 1, (coordinator.name, disputes)


def test_manual_bookings_do_not_offer_clearing_accounts(trading, pages):  # noqa: F811
    db.session.rollback()
    clearing_id = clearing.partnership_between(db.session, trading.a.id, trading.b.id) \
        .account_of(trading.a.id)
    pages.login(trading.karin)
    form = pages.client.get("/coordination/transfers/new").text
    assert f'value="{clearing_id}"' not in form
    listed = pages.client.get(f"/coordination/transfers?account={clearing_id}").text
    assert f'value="{clearing_id}" selected' in listed or \
        f'selected value="{clearing_id}"' in listed
