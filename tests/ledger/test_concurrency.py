"""Many coordinators booking at once: what was acknowledged is exactly what is stored.

Real HTTP clients (one requests.Session and bearer token per thread) hammer
a real waitress server with bookings and reversals among a few accounts with
tight limits. Every client remembers what the server acknowledged (201 and a
transfer id) and what it refused (422, 409). Afterwards an auditor finds:
the audit ok, no limit breached, the stored transfers exactly the
acknowledged ones (same ids, accounts, amounts; none missing, none extra),
and every balance equal to the one recomputed from the acknowledged
transfers. Nothing else than 201, 409 and 422 was ever answered.
"""

from __future__ import annotations

import random
import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from tauschring.db import atomic, db
from tauschring.errors import Conflict, Invalid
from tauschring.ledger import service

THREADS = 16
LIMITS = {"min_balance": -120, "max_balance": 180}
REFUSALS = {422: {"exceeds_min_balance", "exceeds_max_balance"},
            409: {"already_reversed", "reversal_not_reversible"}}


def run_threads(count: int, work) -> list:
    """Start `count` workers together (a barrier) and collect their results."""
    barrier = threading.Barrier(count)

    def start(index):
        barrier.wait(timeout=60)
        return work(index)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(start, range(count)))


def recompute(accounts, acknowledged: dict) -> dict[int, int]:
    balances = dict.fromkeys(accounts, 0)
    for debit, credit, minutes, _reverses in acknowledged.values():
        balances[debit] -= minutes
        balances[credit] += minutes
    return balances


def assert_stored_ledger_is_exactly(auditor, ring, accounts, acknowledged):
    facts = auditor.assert_sound(ring.id, overridden=set())  # no override was asked for
    stored = {t.id: (t.debit_account_id, t.credit_account_id, t.minutes, t.reverses_id)
              for t in facts.transfers.values()}
    assert set(stored) - set(acknowledged) == set(), "stored but never acknowledged"
    assert set(acknowledged) - set(stored) == set(), "acknowledged but not stored"
    assert stored == acknowledged
    assert facts.balances == recompute(facts.balances, acknowledged)
    audit = auditor.audit(ring.id)
    assert audit["ok"] is True and audit["limit_violations"] == []
    for account in accounts:
        low, high = auditor.limits_in_force(facts, account)
        balance = facts.balances[account]
        assert (low is None or balance >= low) and (high is None or balance <= high)
    return facts


class Client:
    """One coordinator's HTTP client in one thread, with its own record."""

    def __init__(self, base_url: str, token: str):
        self.base_url = base_url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {token}"
        self.acknowledged: dict[int, tuple] = {}
        self.refused: list[tuple] = []
        self.unexpected: list[tuple] = []

    def post(self, path: str, body: dict, expect: tuple):
        response = self.session.post(self.base_url + path, json=body, timeout=60)
        status = response.status_code
        if status == 201:
            transfer = response.json()
            assert transfer["id"] not in self.acknowledged
            assert (transfer["debit_account_id"], transfer["credit_account_id"],
                    transfer["minutes"], transfer["reverses_id"]) == expect, transfer
            self.acknowledged[transfer["id"]] = expect
            return transfer["id"]
        if status in REFUSALS and response.json().get("code") in REFUSALS[status]:
            self.refused.append((path, body, status, response.json()["code"]))
            return None
        self.unexpected.append((path, body, status, response.text[:500]))
        return None


@pytest.fixture
def crowded_ring(world, http):
    ring = world.ring("gedraenge", **LIMITS)
    coordinators = [world.coordinator(ring, f"Koordinatorin {i}") for i in range(4)]
    members = [world.member(ring, name) for name in ("Anna", "Bert", "Clara", "Dora")]
    tokens = [http.token(coordinators[i % len(coordinators)]) for i in range(THREADS)]
    accounts = [ring.association_account_id] + [m.account_id for m in members]
    return ring, accounts, tokens, members


@pytest.mark.slow
def test_concurrent_bookings_and_reversals_over_http(crowded_ring, http, auditor):
    ring, accounts, tokens, _members = crowded_ring
    operations = 25  # per thread: 400 requests in all
    seed = random.randrange(1 << 30)
    booked_ids: list[int] = []  # shared: reversal targets for every thread

    def work(index):
        rng = random.Random(seed + index)
        client = Client(http.base_url, tokens[index])
        for _ in range(operations):
            if booked_ids and rng.random() < 0.25:
                target = rng.choice(booked_ids[-20:])  # recent ones: reversals race
                original = known[target]
                reversal = (original[1], original[0], original[2], target)
                reversal_id = client.post(f"/api/v1/transfers/{target}/reverse",
                                          {"reason": "Fehlbuchung"}, reversal)
                if reversal_id is not None:  # reversing it in turn is refused (409)
                    known[reversal_id] = reversal
                    booked_ids.append(reversal_id)
            else:
                debit, credit = rng.sample(accounts, 2)
                minutes = rng.randint(1, 150)
                transfer_id = client.post(
                    "/api/v1/transfers",
                    {"debit_account_id": debit, "credit_account_id": credit,
                     "minutes": minutes, "memo": f"Tausch {index}"},
                    (debit, credit, minutes, None))
                if transfer_id is not None:
                    known[transfer_id] = (debit, credit, minutes, None)
                    booked_ids.append(transfer_id)
        return client

    known: dict[int, tuple] = {}
    clients = run_threads(THREADS, work)

    assert [u for c in clients for u in c.unexpected] == [], f"seed {seed}"
    acknowledged = {}
    for client in clients:
        assert not set(client.acknowledged) & set(acknowledged), "one id acknowledged twice"
        acknowledged.update(client.acknowledged)
    refused = [r for c in clients for r in c.refused]
    assert len(acknowledged) + len(refused) == THREADS * operations
    # The limits are tight, so the crowd must have been refused now and then.
    codes = Counter(code for *_, code in refused)
    assert acknowledged and codes["exceeds_min_balance"] + codes["exceeds_max_balance"] > 0, codes
    assert any(t[3] is not None for t in acknowledged.values()), "no reversal got through"

    assert_stored_ledger_is_exactly(auditor, ring, accounts, acknowledged)

    # What a coordinator sees through the API agrees.
    token = tokens[0]
    audit = http.get("/api/v1/audit", token=token).json()
    assert audit["ok"] is True and audit["limit_violations"] == []
    assert audit["transfers"] == len(acknowledged)
    expected = recompute(accounts, acknowledged)
    for account in accounts:
        shown = http.get(f"/api/v1/accounts/{account}", token=token).json()
        assert shown["balance"] == expected[account]


def test_many_reverse_the_same_transfer_at_once(crowded_ring, http, auditor):
    """Sixteen coordinators reverse one transfer: exactly one succeeds."""
    ring, accounts, tokens, members = crowded_ring
    anna = members[0].account_id
    first = http.post("/api/v1/transfers", token=tokens[0], json={
        "debit_account_id": ring.association_account_id, "credit_account_id": anna,
        "minutes": 90, "memo": "Startguthaben"})
    assert first.status_code == 201, first.text
    original = first.json()["id"]

    def work(index):
        client = Client(http.base_url, tokens[index])
        client.post(f"/api/v1/transfers/{original}/reverse", {"reason": f"Fehler {index}"},
                    (anna, ring.association_account_id, 90, original))
        return client

    clients = run_threads(THREADS, work)
    assert [u for c in clients for u in c.unexpected] == []
    reversals = {i: t for c in clients for i, t in c.acknowledged.items()}
    assert len(reversals) == 1
    assert Counter(code for c in clients for *_, code in c.refused) == {
        "already_reversed": THREADS - 1}
    facts = assert_stored_ledger_is_exactly(
        auditor, ring, accounts,
        {original: (ring.association_account_id, anna, 90, None), **reversals})
    assert facts.balances[anna] == 0


def test_one_idempotency_key_books_once_however_many_send_it(crowded_ring, http, world,
                                                            auditor):
    """Sixteen retries of one request (same caller, same key, same body) at
    once: one transfer, and every answer is that transfer."""
    ring, accounts, _tokens, members = crowded_ring
    karin = world.coordinator(ring, "Karin")
    tokens = [http.token(karin) for _ in range(THREADS)]
    body = {"debit_account_id": ring.association_account_id,
            "credit_account_id": members[2].account_id, "minutes": 75, "memo": "Startguthaben"}

    def work(index):
        response = requests.post(http.base_url + "/api/v1/transfers", json=body, timeout=60,
                                 headers={"Authorization": f"Bearer {tokens[index]}",
                                          "Idempotency-Key": "start-clara"})
        return response.status_code, response.json()

    answers = run_threads(THREADS, work)
    assert {status for status, _ in answers} == {201}, answers
    assert len({answer["id"] for _, answer in answers}) == 1
    transfer = answers[0][1]
    assert_stored_ledger_is_exactly(auditor, ring, accounts, {transfer["id"]: (
        ring.association_account_id, members[2].account_id, 75, None)})


def test_many_race_to_the_limit(crowded_ring, http, auditor):
    """Sixteen debits of 20 minutes from an empty account with a minimum of
    -120: exactly six are booked, ten refused, the balance ends at -120."""
    ring, accounts, tokens, members = crowded_ring
    anna, bert = members[0].account_id, members[1].account_id

    def work(index):
        client = Client(http.base_url, tokens[index])
        client.post("/api/v1/transfers", {"debit_account_id": anna,
                                          "credit_account_id": ring.association_account_id
                                          if index % 2 else bert,
                                          "minutes": 20, "memo": f"Beitrag {index}"},
                    (anna, ring.association_account_id if index % 2 else bert, 20, None))
        return client

    clients = run_threads(THREADS, work)
    assert [u for c in clients for u in c.unexpected] == []
    acknowledged = {i: t for c in clients for i, t in c.acknowledged.items()}
    assert len(acknowledged) == 6
    assert Counter(code for c in clients for *_, code in c.refused) == {
        "exceeds_min_balance": THREADS - 6}
    facts = assert_stored_ledger_is_exactly(auditor, ring, accounts, acknowledged)
    assert facts.balances[anna] == LIMITS["min_balance"]


@pytest.mark.slow
def test_concurrent_bookings_through_the_service(app, world, auditor):
    """Threads with app contexts of their own, each booking in `atomic` units."""
    ring = world.ring("dienst", **LIMITS)
    karin = world.coordinator(ring)
    accounts = [ring.association_account_id] + [
        world.member(ring, name).account_id for name in ("Anna", "Bert", "Clara")]
    threads, operations = 8, 30
    seed = random.randrange(1 << 30)
    db.session.remove()

    def work(index):
        rng = random.Random(seed + index)
        acknowledged, refused, mine = {}, Counter(), []
        with app.app_context():
            for _ in range(operations):
                try:
                    if mine and rng.random() < 0.3:
                        target = mine.pop(rng.randrange(len(mine)))
                        t = atomic(service.reverse, karin.actor, transfer_id=target,
                                   reason="zurück")
                    else:
                        debit, credit = rng.sample(accounts, 2)
                        minutes = rng.randint(1, 150)
                        t = atomic(service.book, ring_id=ring.id, debit_account_id=debit,
                                   credit_account_id=credit, minutes=minutes, memo="Tausch")
                        mine.append(t.id)
                    acknowledged[t.id] = (t.debit_account_id, t.credit_account_id, t.minutes,
                                          t.reverses_id)
                except (Invalid, Conflict) as refusal:
                    refused[refusal.code] += 1
        return acknowledged, refused

    results = run_threads(threads, work)
    acknowledged = {}
    for mine, _ in results:
        acknowledged.update(mine)
    refused = sum((r for _, r in results), Counter())
    assert len(acknowledged) + sum(refused.values()) == threads * operations, (
        f"seed {seed}")
    assert set(refused) <= {"exceeds_min_balance", "exceeds_max_balance"}, refused
    assert_stored_ledger_is_exactly(auditor, ring, accounts, acknowledged)


@pytest.mark.slow
def test_audit_during_traffic_sees_a_consistent_ledger(app, world, auditor):
    """An audit taken while others book must not raise false alarms: it reads
    one consistent state of the ring (and it must be ok at every moment)."""
    ring = world.ring("betrieb", min_balance=None, max_balance=None)
    accounts = [ring.association_account_id] + [
        world.member(ring, name).account_id for name in ("Anna", "Bert", "Clara")]
    db.session.remove()
    stop = threading.Event()

    def book(index):
        rng = random.Random(index)
        booked = 0
        with app.app_context():
            while not stop.is_set() and booked < 400:
                debit, credit = rng.sample(accounts, 2)
                atomic(service.book, ring_id=ring.id, debit_account_id=debit,
                       credit_account_id=credit, minutes=rng.randint(1, 60), memo="Tausch")
                booked += 1
        return booked

    with ThreadPoolExecutor(max_workers=3) as pool:
        writers = [pool.submit(book, i) for i in range(3)]
        try:
            audits = []
            while len(audits) < 40 and not all(w.done() for w in writers):
                result = auditor.audit(ring.id)
                audits.append(result)
                assert result["ok"] is True, result
        finally:
            stop.set()
        booked = sum(w.result() for w in writers)
    assert booked > 0 and len({a["transfers"] for a in audits}) > 1  # really during traffic
    auditor.assert_sound(ring.id)
