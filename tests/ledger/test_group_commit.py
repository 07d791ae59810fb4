"""Group commit: the bookings of one ring sent at the same moment share one
transaction, and each still gets its own answer.

- A group with refusals inside: each request is checked in order against the
  balances its predecessors left; a refused one writes nothing and its
  group-mates are booked as if it had never been sent.
- A group where the database refuses one request (not a domain refusal): the
  others are booked on their own, that one gets its error.
- Many threads booking through `book_now` at once: what was acknowledged is
  exactly what is stored, and the limits hold.
- A writer process killed (kill -9) while its groups are in flight: every
  acknowledged booking is stored, and the ledger is sound.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError

from tauschring.db import db
from tauschring.errors import Invalid
from tauschring.ledger import booking, service
from tests.ledger.test_concurrency import assert_stored_ledger_is_exactly, run_threads

ROOT = Path(__file__).resolve().parents[2]
LIMITS = {"min_balance": -120, "max_balance": 180}


def request(debit, credit, minutes, **more) -> booking.Request:
    return service.checked_request(debit_account_id=debit, credit_account_id=credit,
                                   minutes=minutes, memo="Tausch", **more)


@pytest.fixture
def ring3(world):
    ring = world.ring("gruppe", **LIMITS)
    people = [world.member(ring, name) for name in ("Anna", "Bert", "Clara")]
    db.session.remove()
    return ring, [p.account_id for p in people]


def test_refusals_inside_a_group_spoil_nothing(ring3, auditor):
    ring, (anna, bert, clara) = ring3
    queue = service.booking_queue(ring.id)
    before = queue.batches
    outcomes = queue.submit_many([
        request(anna, bert, 100),        # anna -100
        request(anna, clara, 50),        # anna would fall to -150: refused
        request(clara, anna, 30),        # anna -70, clara -30
        request(anna, 10**8, 5),         # no such account in the ring: refused
        request(anna, bert, 50),         # anna -120, at her limit: booked
        request(bert, clara, 200),       # bert 150 -> -50, clara 170
        request(clara, bert, 1, override_reason="Korrektur"),  # clara 169, bert -49
    ])
    assert queue.batches == before + 1, "one group, one transaction"
    kinds = [o.code if isinstance(o, Invalid) else "booked" for o in outcomes]
    assert kinds == ["booked", "exceeds_min_balance", "booked", "account_not_found",
                     "booked", "booked", "booked"]
    assert outcomes[1].field == "minutes" and outcomes[3].field == "credit_account_id"
    booked = [o for o in outcomes if isinstance(o, dict)]
    assert [o["seq"] for o in booked] == [1, 2, 3, 4, 5]
    facts = auditor.assert_sound(ring.id, overridden=set())
    assert (facts.balances[anna], facts.balances[bert], facts.balances[clara]) == (
        -120, -49, 169)
    stored = {t.id: (t.debit_account_id, t.credit_account_id, t.minutes, t.reverses_id)
              for t in facts.transfers.values()}
    assert stored == {o["id"]: (o["debit_account_id"], o["credit_account_id"], o["minutes"],
                                None) for o in booked}
    assert_stored_ledger_is_exactly(auditor, ring, [anna, bert, clara], stored)


def test_a_group_of_refusals_only_changes_nothing(ring3, auditor):
    ring, (anna, bert, _clara) = ring3
    before = auditor.facts(ring.id).snapshot()
    outcomes = service.booking_queue(ring.id).submit_many(
        [request(anna, bert, 121), request(bert, 10**8, 5)])
    assert [o.code for o in outcomes] == ["exceeds_min_balance", "account_not_found"]
    assert auditor.facts(ring.id).snapshot() == before


def test_a_database_error_in_a_group_books_the_others_alone(ring3, auditor):
    """Not a refusal the checks foresee (here: a booker who does not exist):
    the group is rolled back and every request booked on its own."""
    ring, (anna, bert, clara) = ring3
    queue = service.booking_queue(ring.id)
    outcomes = queue.submit_many([
        request(anna, bert, 10),
        request(bert, clara, 20, booked_by_id=10**8),
        request(clara, anna, 30),
    ])
    assert isinstance(outcomes[0], dict) and isinstance(outcomes[2], dict)
    assert isinstance(outcomes[1], IntegrityError)
    facts = auditor.assert_sound(ring.id, overridden=set())
    assert sorted(facts.transfers) == sorted([outcomes[0]["id"], outcomes[2]["id"]])
    assert (facts.balances[anna], facts.balances[bert], facts.balances[clara]) == (20, 10, -30)


def test_book_now_answers_like_book(ring3, auditor):
    ring, (anna, bert, _clara) = ring3
    transfer = service.book_now(ring_id=ring.id, debit_account_id=anna,
                                credit_account_id=bert, minutes=45, memo="Gartenarbeit")
    assert (transfer.seq, transfer.minutes, transfer.memo) == (1, 45, "Gartenarbeit")
    with pytest.raises(Invalid) as refused:
        service.book_now(ring_id=ring.id, debit_account_id=anna, credit_account_id=bert,
                         minutes=100, memo="zu viel")
    assert refused.value.code == "exceeds_min_balance"
    with pytest.raises(Invalid) as refused:
        service.book_now(ring_id=ring.id, debit_account_id=anna, credit_account_id=anna,
                         minutes=1, memo="")
    assert refused.value.code == "same_account"
    facts = auditor.assert_sound(ring.id, overridden=set())
    assert list(facts.transfers) == [transfer.id]


@pytest.mark.slow
def test_many_threads_booking_through_the_queue(app, ring3, auditor):
    ring, accounts = ring3
    threads, operations = 8, 40
    seed = random.randrange(1 << 30)
    queue = service.booking_queue(ring.id)
    batches_before = queue.batches

    def work(index):
        rng = random.Random(seed + index)
        acknowledged, refused = {}, Counter()
        with app.app_context():
            for _ in range(operations):
                debit, credit = rng.sample(accounts, 2)
                try:
                    t = service.book_now(ring_id=ring.id, debit_account_id=debit,
                                         credit_account_id=credit,
                                         minutes=rng.randint(1, 150), memo="Tausch")
                except Invalid as refusal:
                    refused[refusal.code] += 1
                else:
                    acknowledged[t.id] = (t.debit_account_id, t.credit_account_id,
                                          t.minutes, None)
        return acknowledged, refused

    results = run_threads(threads, work)
    acknowledged = {k: v for mine, _ in results for k, v in mine.items()}
    refused = sum((r for _, r in results), Counter())
    assert len(acknowledged) + sum(refused.values()) == threads * operations, f"seed {seed}"
    assert set(refused) <= {"exceeds_min_balance", "exceeds_max_balance"}, refused
    assert_stored_ledger_is_exactly(auditor, ring, accounts, acknowledged)
    # Grouped: fewer transactions than bookings answered (refusals included).
    assert queue.batches - batches_before <= threads * operations


WRITER = textwrap.dedent("""
    import random, sys, threading
    sys.path.insert(0, sys.argv[3])
    from tests.support.app import make_app
    from tauschring.ledger.service import book_now
    from tauschring.errors import Invalid
    app = make_app(sys.argv[1], sys.argv[4])
    ring_id, accounts = int(sys.argv[2]), [int(a) for a in sys.argv[5:]]
    lock = threading.Lock()

    def work(seed):
        rng = random.Random(seed)
        with app.app_context():
            while True:
                debit, credit = rng.sample(accounts, 2)
                try:
                    t = book_now(ring_id=ring_id, debit_account_id=debit,
                                 credit_account_id=credit, minutes=rng.randint(1, 60),
                                 memo="Tausch")
                except Invalid:
                    continue
                with lock:
                    print(t.id, t.debit_account_id, t.credit_account_id, t.minutes,
                          flush=True)

    for n in range(8):
        threading.Thread(target=work, args=(n,), daemon=True).start()
    threading.Event().wait()
""")


@pytest.mark.slow
def test_a_writer_killed_mid_group_loses_nothing_it_acknowledged(database_url, ring3, auditor,
                                                                  tmp_path):
    ring, accounts = ring3
    db.engine.dispose()
    process = subprocess.Popen(
        [sys.executable, "-c", WRITER, database_url, str(ring.id), str(ROOT),
         str(tmp_path / "writer-instance"), *map(str, accounts)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
        env={**os.environ, "PYTHONUNBUFFERED": "1"})
    acknowledged = {}
    deadline = time.monotonic() + 120
    try:
        for line in process.stdout:
            transfer_id, debit, credit, minutes = map(int, line.split())
            acknowledged[transfer_id] = (debit, credit, minutes, None)
            if len(acknowledged) >= 150 or time.monotonic() > deadline:
                break
    finally:
        process.send_signal(signal.SIGKILL)  # in the middle of its groups
        process.wait(timeout=30)
    assert len(acknowledged) >= 150, process.stderr.read()[-2000:]
    time.sleep(0.5)  # PostgreSQL notices the lost connection and rolls it back
    facts = auditor.assert_sound(ring.id, overridden=set())
    stored = {t.id: (t.debit_account_id, t.credit_account_id, t.minutes, t.reverses_id)
              for t in facts.transfers.values()}
    # Committed but not yet printed when it died: stored without acknowledgement, fine;
    # acknowledged but not stored: never.
    assert set(acknowledged) <= set(stored)
    assert {k: stored[k] for k in acknowledged} == acknowledged
    # A new writer carries on the chain where the dead one left it.
    transfer = service.book_now(ring_id=ring.id, debit_account_id=accounts[0],
                                credit_account_id=accounts[1], minutes=1, memo="danach",
                                override_reason="nach dem Absturz")
    assert transfer.seq == len(stored) + 1
    auditor.assert_sound(ring.id, overridden=set(accounts))
