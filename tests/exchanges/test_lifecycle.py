"""Two members agree on a piece of work, and it ends up booked (or not)."""

from datetime import date

import pytest

from tauschring.db import atomic, db
from tauschring.errors import Conflict, Forbidden, Invalid
from tauschring.exchanges import service as exchanges
from tauschring.ledger.audit import audit_ring
from tauschring.ledger.models import Account
from tauschring.notifications.models import Notification


def balance(account_id):
    db.session.rollback()
    return db.session.get(Account, account_id).balance


def propose(by, provider, recipient, minutes=90, **kw):
    return atomic(exchanges.propose, by.actor, provider_id=provider.id,
                  recipient_id=recipient.id, minutes=minutes,
                  description=kw.pop("description", "Rasen gemäht"),
                  performed_on=kw.pop("performed_on", date.today()), **kw)


@pytest.fixture
def pair(world):
    ring = world.ring(min_balance=-120, max_balance=600)
    return ring, world.member(ring, "Anna"), world.member(ring, "Bernd")


def test_invoice_confirmed_by_recipient_books_once(pair):
    ring, anna, bernd = pair
    exchange = propose(anna, provider=anna, recipient=bernd)
    assert exchange.state == "proposed"
    booked = atomic(exchanges.confirm, bernd.actor, exchange.id)
    assert booked.state == "booked" and booked.transfer_id
    assert balance(anna.account_id) == 90 and balance(bernd.account_id) == -90
    with pytest.raises(Conflict):
        atomic(exchanges.confirm, bernd.actor, exchange.id)
    assert balance(anna.account_id) == 90
    assert audit_ring(db.session, ring.id)["ok"]
    kinds = {n.kind for n in db.session.query(Notification).filter_by(member_id=anna.id)}
    assert kinds == {"confirmed"}


def test_proposer_cannot_confirm_own_proposal(pair):
    _, anna, bernd = pair
    exchange = propose(anna, provider=anna, recipient=bernd)
    with pytest.raises(Forbidden):
        atomic(exchanges.confirm, anna.actor, exchange.id)


def test_limit_breach_leaves_proposal_unchanged(pair):
    ring, anna, bernd = pair
    exchange = propose(anna, provider=anna, recipient=bernd, minutes=121)
    with pytest.raises(Invalid) as refused:
        atomic(exchanges.confirm, bernd.actor, exchange.id)
    assert refused.value.code == "exceeds_min_balance"
    db.session.rollback()
    fresh = exchanges.get_exchange(db.session, bernd.actor, exchange.id)
    assert fresh.state == "proposed"
    assert exchanges.booking_blocker(db.session, fresh)["code"] == "exceeds_min_balance"
    assert balance(bernd.account_id) == 0


def test_dispute_of_booking_adjusted_by_coordinator(pair, world):
    ring, anna, bernd = pair
    karin = world.coordinator(ring)
    exchange = propose(bernd, provider=anna, recipient=bernd, minutes=120)
    atomic(exchanges.confirm, anna.actor, exchange.id)
    atomic(exchanges.dispute, bernd.actor, exchange.id, "Es waren nur 60 Minuten")
    resolved = atomic(exchanges.resolve, karin.actor, exchange.id, decision="adjust",
                      minutes=60, note="Beide einverstanden: 1 Stunde")
    assert resolved.state == "booked" and resolved.minutes == 60
    assert balance(anna.account_id) == 60 and balance(bernd.account_id) == -60
    assert audit_ring(db.session, ring.id)["ok"]


def test_cancel_decision_reverses_a_disputed_booking(pair, world):
    ring, anna, bernd = pair
    karin = world.coordinator(ring)
    exchange = propose(anna, provider=anna, recipient=bernd)
    atomic(exchanges.confirm, bernd.actor, exchange.id)
    atomic(exchanges.dispute, anna.actor, exchange.id, "Doppelt gebucht")
    resolved = atomic(exchanges.resolve, karin.actor, exchange.id, decision="cancel",
                      note="Storniert")
    assert resolved.state == "reversed"
    assert balance(anna.account_id) == 0 and balance(bernd.account_id) == 0
