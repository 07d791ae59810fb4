"""Every (state, action, actor) triple: allowed moves reach the right state,
every other one is refused with the right error and changes nothing."""

from datetime import date

import pytest
from sqlalchemy import func, select

from tauschring.db import atomic, db
from tauschring.errors import Conflict, Forbidden, NotFound
from tauschring.exchanges import service as exchanges
from tauschring.exchanges.models import Exchange, ExchangeEvent
from tauschring.ledger.audit import audit_ring
from tauschring.ledger.models import Transfer

STATES = ["proposed", "booked", "declined", "cancelled", "disputed_from_proposed",
          "disputed_from_booked", "reversed"]
ACTORS = ["proposer", "other", "outsider", "coordinator", "stranger"]
ACTIONS = ["confirm", "decline", "cancel", "dispute", "message", "resolve_book",
           "resolve_cancel", "resolve_adjust"]

# (state, action, actor) -> the state it ends in. Everything else is refused.
ALLOWED = {
    ("proposed", "confirm", "other"): "booked",
    ("proposed", "decline", "other"): "declined",
    ("proposed", "cancel", "proposer"): "cancelled",
    ("proposed", "dispute", "proposer"): "disputed",
    ("proposed", "dispute", "other"): "disputed",
    ("booked", "dispute", "proposer"): "disputed",
    ("booked", "dispute", "other"): "disputed",
}
for origin, cancelled in (("proposed", "cancelled"), ("booked", "reversed")):
    state = f"disputed_from_{origin}"
    ALLOWED[(state, "resolve_book", "coordinator")] = "booked"
    ALLOWED[(state, "resolve_adjust", "coordinator")] = "booked"
    ALLOWED[(state, "resolve_cancel", "coordinator")] = cancelled
    for who in ("proposer", "other", "coordinator"):
        ALLOWED[(state, "message", who)] = "disputed"


@pytest.fixture
def cast(world):
    ring = world.ring(min_balance=None, max_balance=None)  # many bookings per test
    other_ring = world.ring("anderswo")
    return {
        "ring": ring,
        "proposer": world.member(ring, "Anna"),
        "other": world.member(ring, "Bernd"),
        "outsider": world.member(ring, "Clara"),
        "coordinator": world.coordinator(ring),
        "stranger": world.coordinator(other_ring, "Fremd"),
    }


def make_exchange(cast, state):
    anna, bernd, karin = cast["proposer"], cast["other"], cast["coordinator"]
    exchange = atomic(exchanges.propose, anna.actor, provider_id=anna.id,
                      recipient_id=bernd.id, minutes=60, description="Fenster putzen",
                      performed_on=date.today())
    if state in ("booked", "disputed_from_booked", "reversed"):
        atomic(exchanges.confirm, bernd.actor, exchange.id)
    if state == "declined":
        atomic(exchanges.decline, bernd.actor, exchange.id, "war anders abgemacht")
    if state == "cancelled":
        atomic(exchanges.cancel, anna.actor, exchange.id)
    if state.startswith("disputed") or state == "reversed":
        atomic(exchanges.dispute, bernd.actor, exchange.id, "stimmt nicht")
    if state == "reversed":
        atomic(exchanges.resolve, karin.actor, exchange.id, decision="cancel", note="storno")
    return exchange.id


def act(action, person, exchange_id):
    actor = person.actor
    if action == "confirm":
        return atomic(exchanges.confirm, actor, exchange_id)
    if action == "decline":
        return atomic(exchanges.decline, actor, exchange_id, "nein")
    if action == "cancel":
        return atomic(exchanges.cancel, actor, exchange_id)
    if action == "dispute":
        return atomic(exchanges.dispute, actor, exchange_id, "Einspruch")
    if action == "message":
        return atomic(exchanges.add_message, actor, exchange_id, "Hallo")
    decision = action.removeprefix("resolve_")
    return atomic(exchanges.resolve, actor, exchange_id, decision=decision, note="Entscheid",
                  minutes=45 if decision == "adjust" else None)


def snapshot(exchange_id):
    db.session.rollback()
    exchange = db.session.get(Exchange, exchange_id)
    return (exchange.state, exchange.minutes, exchange.transfer_id,
            db.session.scalar(select(func.count(Transfer.id))),
            db.session.scalar(select(func.count(ExchangeEvent.id))
                              .where(ExchangeEvent.exchange_id == exchange_id)))


def expected_refusal(state, action, actor):
    if actor in ("stranger", "outsider"):
        return NotFound  # they cannot even see the exchange
    if action.startswith("resolve") and actor != "coordinator":
        return Forbidden
    return (Conflict, Forbidden)


@pytest.mark.parametrize("state", STATES)
def test_every_action_of_every_actor(cast, state):
    wrong = []
    for action in ACTIONS:
        for who in ACTORS:
            exchange_id = make_exchange(cast, state)
            before = snapshot(exchange_id)
            outcome = ALLOWED.get((state, action, who))
            try:
                act(action, cast[who], exchange_id)
            except (Conflict, Forbidden, NotFound) as error:
                if outcome is not None:
                    wrong.append(f"{action} by {who}: refused ({error.code}), "
                                 f"expected {outcome}")
                elif not isinstance(error, expected_refusal(state, action, who)):
                    wrong.append(f"{action} by {who}: {type(error).__name__}")
                if snapshot(exchange_id) != before:
                    wrong.append(f"{action} by {who}: refused but changed something")
                continue
            after = snapshot(exchange_id)
            if outcome is None:
                wrong.append(f"{action} by {who}: allowed, should be refused")
            elif after[0] != outcome:
                wrong.append(f"{action} by {who}: ended {after[0]}, expected {outcome}")
    assert not wrong, "\n".join(wrong)
    assert audit_ring(db.session, cast["ring"].id)["ok"]
