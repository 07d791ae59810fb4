"""The two-phase commit between instances, service by service, on both engines."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from tauschring.db import db, utcnow
from tauschring.errors import Invalid
from tauschring.federation import service
from tauschring.federation.models import ReceivedMessage
from tauschring.ledger.models import Transfer
from tests.federation.conftest import make_pair


def pay(pair, minutes, *, to=None, memo="Fahrrad repariert"):
    return service.pay(pair.me, pair.anna.actor, peer_id=pair.peer_a,
                       to_member=str(to or pair.bert_number), minutes=minutes, memo=memo,
                       transport=pair.transport)


def ledger_state(pair):
    db.session.expire_all()
    return (db.session.query(Transfer).count(),
            [(t.direction, t.state) for t in pair.transfers()],
            pair.balance(pair.anna.account_id), pair.balance(pair.bert.account_id),
            pair.balance(pair.clearing_a), pair.balance(pair.clearing_b))


def test_prepare_and_commit_book_both_halves(pair):
    done = pay(pair, 45)
    assert (done.state, done.delivered) == ("committed", True)
    assert pair.balance(pair.anna.account_id) == -45
    assert pair.balance(pair.clearing_a) == 45
    assert pair.balance(pair.bert.account_id) == 45
    assert pair.balance(pair.clearing_b) == -45
    assert [(t.direction, t.state) for t in pair.transfers()] == [
        ("out", "committed"), ("in", "committed")]
    assert pair.audits_ok()
    assert service.reconcile(pair.me, transport=pair.transport) == []


def test_the_credit_line_refuses_at_the_sender_and_nothing_is_booked(world):
    pair = make_pair(world, line_a=60)
    before = ledger_state(pair)
    with pytest.raises(Invalid) as refused:
        pay(pair, 90)
    assert refused.value.code == "credit_line_exceeded"
    assert ledger_state(pair) == before


def test_the_receivers_credit_line_aborts_and_nothing_is_booked_on_either_side(world):
    pair = make_pair(world, line_a=600, line_b=20)
    done = pay(pair, 30)
    assert done.state == "aborted" and "credit_line_exceeded" in done.reason
    count, states, *balances = ledger_state(pair)
    assert count == 0 and balances == [0, 0, 0, 0]
    assert states == [("out", "aborted")]  # the receiver recorded no hold
    assert service.reconcile(pair.me, transport=pair.transport) == []


def test_an_unknown_payee_aborts(pair):
    done = pay(pair, 30, to=987654)
    assert done.state == "aborted" and "payee_unknown" in done.reason
    assert ledger_state(pair)[0] == 0


def test_a_lost_prepare_answer_is_presumed_aborted_and_the_hold_released(pair):
    pair.broken.add("prepare")
    done = pay(pair, 30)
    assert (done.state, done.delivered) == ("aborted", True)  # the abort was told
    assert ledger_state(pair)[0] == 0


def test_a_lost_commit_is_resent_by_retry_and_booked_once(pair):
    pair.broken.add("commit")
    done = pay(pair, 30)
    assert (done.state, done.delivered) == ("committed", False)
    assert pair.balance(pair.anna.account_id) == -30 and pair.balance(pair.bert.account_id) == 0
    assert service.reconcile(pair.me, transport=pair.transport) != []
    pair.broken.clear()
    counts = service.retry(pair.me, older_than=timedelta(0), transport=pair.transport)
    assert counts["resent"] == 1
    assert pair.balance(pair.bert.account_id) == 30
    assert service.retry(pair.me, older_than=timedelta(0), transport=pair.transport)[
        "resent"] == 0
    assert pair.balance(pair.bert.account_id) == 30
    assert service.reconcile(pair.me, transport=pair.transport) == []
    assert pair.audits_ok()


def test_a_hold_without_a_decision_asks_the_sender(pair):
    pair.broken.update({"commit"})
    pay(pair, 30)
    # the receiver's own retry asks for the outcome (status) and books
    pair.broken = {"commit", "abort"}
    counts = service.retry(pair.me, older_than=timedelta(0), transport=pair.transport)
    assert counts["committed_here"] == 1
    assert pair.balance(pair.bert.account_id) == 30


def prepare_message(pair, *, minutes=20, key=None, at=None, transfer="0" * 8 + "-0000-4000-8000-"
                    + "0" * 12, to_key=None):
    me = pair.me if key is None else service.Identity(key, pair.me.url)
    return service.envelope(me, kind="prepare", from_ring="sonnenberg",
                            to_url="https://b.example", to_ring="talheim", now=at,
                            to_key=to_key or pair.me.public_key,
                            body={"transfer": transfer, "payee": str(pair.bert_number),
                                  "payer": str(pair.anna_number), "minutes": minutes,
                                  "memo": ""})


def commit_message(pair, held):
    """The commit of the transfer a prepare (answered `held`) held."""
    return service.envelope(pair.me, kind="commit", from_ring="sonnenberg",
                            to_url="https://b.example", to_ring="talheim",
                            to_key=pair.me.public_key,
                            body={"transfer": held["message"]["body"]["transfer"]})


def test_a_repeated_message_gets_the_same_answer_and_changes_nothing(pair):
    message = prepare_message(pair)
    first = service.receive(pair.me, json.loads(json.dumps(message)))
    again = service.receive(pair.me, json.loads(json.dumps(message)))
    assert first == again and first["message"]["body"]["outcome"] == "prepared"
    assert [(t.direction, t.state) for t in pair.transfers()] == [("in", "prepared")]
    assert db.session.query(ReceivedMessage).count() == 1


def test_a_message_id_with_other_content_is_refused(pair):
    message = prepare_message(pair)
    service.receive(pair.me, message)
    before = ledger_state(pair)
    other = json.loads(json.dumps(message))
    other["message"]["body"]["minutes"] = 500
    other["signature"] = service.sign(pair.me.key, other["message"])  # even signed by the peer
    with pytest.raises(service.ProtocolError) as refused:
        service.receive(pair.me, other)
    assert (refused.value.status, refused.value.code) == (409, "message_id_reused")
    assert ledger_state(pair) == before


@pytest.mark.parametrize("forge", ["other_key", "tampered", "unsigned"])
def test_a_forged_message_is_refused_and_changes_nothing(pair, forge):
    message = prepare_message(pair, key=Ed25519PrivateKey.generate() if forge == "other_key"
                              else None)
    if forge == "tampered":
        message["message"]["body"]["minutes"] = 21
    if forge == "unsigned":
        del message["signature"]
    before = ledger_state(pair)
    with pytest.raises(service.ProtocolError) as refused:
        service.receive(pair.me, message)
    assert refused.value.status == 401
    assert refused.value.code == {"other_key": "unknown_peer", "tampered": "bad_signature",
                                  "unsigned": "unsigned"}[forge]
    assert ledger_state(pair) == before and db.session.query(ReceivedMessage).count() == 0


@pytest.mark.parametrize("minutes_off", [-6, 6])
def test_a_stale_time_stamp_is_refused(pair, minutes_off):
    message = prepare_message(pair, at=utcnow() + timedelta(minutes=minutes_off))
    before = ledger_state(pair)
    with pytest.raises(service.ProtocolError) as refused:
        service.receive(pair.me, message)
    assert (refused.value.status, refused.value.code) == (400, "stale")
    assert ledger_state(pair) == before


def test_a_hold_counts_and_its_commit_books_even_past_a_limit_that_moved(world):
    pair = make_pair(world, line_a=5000, line_b=5000)
    # Bert may hold at most 1200 minutes (the ring's default).
    held = prepare_message(pair, minutes=1000)
    assert service.receive(pair.me, held)["message"]["body"]["outcome"] == "prepared"
    # a second prepare must count the first hold: 1000 + 300 > 1200
    second = prepare_message(pair, minutes=300,
                             transfer="11111111-1111-4111-8111-111111111111")
    answer = service.receive(pair.me, second)["message"]["body"]
    assert (answer["outcome"], answer["code"]) == ("refused", "exceeds_max_balance")
    # a local booking moves Bert's balance meanwhile (holds bind only federation)
    from tauschring.db import atomic
    from tauschring.ledger import service as ledger
    carla = world.member(pair.b, "Carla")
    atomic(lambda s: ledger.book(s, ring_id=pair.b.id, debit_account_id=carla.account_id,
                                 credit_account_id=pair.bert.account_id, minutes=500))
    commit = commit_message(pair, held)
    assert service.receive(pair.me, commit)["message"]["body"]["outcome"] == "committed"
    assert pair.balance(pair.bert.account_id) == 1500
    booked = db.session.query(Transfer).filter(Transfer.minutes == 1000).one()
    assert held["message"]["body"]["transfer"] in booked.override_reason


def test_the_same_idempotency_key_pays_once(pair):
    """A member's client retrying `POST /federation/transfers` with its
    Idempotency-Key (its first answer lost) gets the same payment, taken on from
    where it stood; the key with other details is refused and changes nothing."""
    from tauschring.errors import Conflict

    def pay_with_key(minutes, key="zahlung-1"):
        return service.pay(pair.me, pair.anna.actor, peer_id=pair.peer_a,
                           to_member=str(pair.bert_number), minutes=minutes,
                           memo="Fahrrad repariert", key=key, transport=pair.transport)

    pair.broken.add("commit")  # the first attempt books here, its commit is lost
    first = pay_with_key(30)
    assert (first.state, first.delivered) == ("committed", False)
    pair.broken.clear()
    again = pay_with_key(30)
    assert again.id == first.id and again.uuid == first.uuid
    assert (again.state, again.delivered) == ("committed", True)
    assert pair.balance(pair.anna.account_id) == -30
    assert pair.balance(pair.bert.account_id) == 30
    before = ledger_state(pair)
    with pytest.raises(Conflict) as refused:
        pay_with_key(45)
    assert refused.value.code == "idempotency_key_reused"
    assert ledger_state(pair) == before
    other = pay_with_key(45, key="zahlung-2")
    assert other.id != first.id and pair.balance(pair.bert.account_id) == 75
    assert service.reconcile(pair.me, transport=pair.transport) == []
    assert pair.audits_ok()


def test_a_message_for_another_instance_is_refused_and_changes_nothing(pair):
    """Signed by a real peer but meant for another instance's key (captured there
    and replayed here): refused before anything is read or stored."""
    from tauschring.federation.signing import public_text
    elsewhere = public_text(Ed25519PrivateKey.generate())
    before = ledger_state(pair)
    with pytest.raises(service.ProtocolError) as refused:
        service.receive(pair.me, prepare_message(pair, to_key=elsewhere))
    assert (refused.value.status, refused.value.code) == (400, "wrong_recipient")
    assert ledger_state(pair) == before
    db.session.rollback()
    assert db.session.query(ReceivedMessage).count() == 0


def test_a_payee_with_a_hold_cannot_leave_until_it_is_booked(pair, world):
    """The hold is a promise: Bert's account stays open until the commit came."""
    from tauschring.db import atomic
    from tauschring.errors import Conflict
    from tauschring.members import service as members

    kurt = world.coordinator(pair.b, "Kurt")
    held = prepare_message(pair, minutes=60)
    assert service.receive(pair.me, held)["message"]["body"]["outcome"] == "prepared"
    with pytest.raises(Conflict) as refused:
        atomic(members.leave, kurt.actor, pair.bert.id, "zieht weg")
    assert refused.value.code == "federation_transfer_under_way"
    commit = commit_message(pair, held)
    assert service.receive(pair.me, commit)["message"]["body"]["outcome"] == "committed"
    assert pair.balance(pair.bert.account_id) == 60
    atomic(members.leave, kurt.actor, pair.bert.id, "zieht weg")
    assert pair.balance(pair.bert.account_id) == 0  # settled with the association
    assert pair.audits_ok()


def test_a_commit_arriving_while_the_receiver_asks_for_the_outcome_books_once(pair, app):
    """The receiver's retry asks the sender about a hold (status); meanwhile the
    sender's resent commit arrives and books it. The retry must see the hold as
    it is now, not as it read it before asking, and book nothing more."""
    import threading

    from sqlalchemy import select

    from tauschring.federation.models import FederatedTransfer

    pair.broken.add("commit")
    sent = pay(pair, 5)
    assert (sent.state, sent.delivered) == ("committed", False)
    pair.broken.clear()
    db.session.rollback()
    hold = db.session.scalar(select(FederatedTransfer.id).where(
        FederatedTransfer.direction == "in"))

    def commit_meanwhile():  # the sender's retry, on a connection of its own
        with app.app_context():
            try:
                service.retry(pair.me, older_than=timedelta(0), transport=pair.transport)
            finally:
                db.session.remove()

    def transport(url, payload):
        if payload["message"]["kind"] == "status":
            worker = threading.Thread(target=commit_meanwhile)
            worker.start()
            worker.join(60)
        return pair.transport(url, payload)

    assert service._resolve_hold(pair.me, hold, transport) == "waiting"
    assert pair.balance(pair.bert.account_id) == 5
    assert pair.balance(pair.clearing_b) == -5
    assert pair.audits_ok()
    assert service.reconcile(pair.me, transport=pair.transport) == []
