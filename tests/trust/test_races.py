"""Twenty at once: races end with exactly one winner, or as many as a limit allows.

Real clients, each with its own HTTP session, start together (a barrier) and
call the live server on SQLite and on PostgreSQL: twenty confirmations of
one exchange, twenty reversals of one transfer, and twenty bookings (by
confirming twenty proposals, or by coordinators' transfers) that together
would take an account past its lowest allowed balance. Every loser gets the
precise refusal (409 or 422), the stored ledger agrees with the winners, and
the audit is ok.
"""

from __future__ import annotations

from collections import Counter

import pytest
import requests

from tauschring.db import db
from tauschring.ledger.audit import audit_ring
from tests.ledger.test_concurrency import run_threads

CLIENTS = 20
TIMEOUT = 120  # seconds: twenty writers queue for one lock on a busy machine
MINUTES = 60
LOWEST = -120  # Bert's lowest allowed balance: room for two bookings of an hour


@pytest.fixture
def ring(world):
    return world.ring("wettlauf", min_balance=LOWEST, max_balance=6000)


@pytest.fixture
def people(ring, world):
    return {"anna": world.member(ring, "Anna"), "bert": world.member(ring, "Bert"),
            "karin": world.coordinator(ring, "Karin"), "kurt": world.coordinator(ring, "Kurt")}


def race(http, token_of, method_path_body) -> list[requests.Response]:
    """CLIENTS requests at once, client i sending method_path_body(i) with token_of(i)."""
    def one(index):
        method, path, body = method_path_body(index)
        with requests.Session() as session:
            return session.request(method, http.base_url + path, json=body, timeout=TIMEOUT,
                                   headers={"Authorization": f"Bearer {token_of(index)}"})

    return run_threads(CLIENTS, one)


def outcomes(responses) -> Counter:
    return Counter((r.status_code, r.json().get("code") if r.status_code >= 400 else None)
                   for r in responses)


def assert_audit_ok(http, token, ring):
    audit = http.get("/api/v1/audit", token=token).json()
    assert audit["ok"] is True and audit["limit_violations"] == [], audit
    db.session.rollback()
    assert audit_ring(db.session, ring.id)["ok"] is True
    return audit


def assert_audit_ring_has(http, token, ring, *, transfers: int) -> dict:
    audit = assert_audit_ok(http, token, ring)
    assert audit["transfers"] == transfers, audit
    return audit


def balance(http, token, account_id) -> int:
    return http.get(f"/api/v1/accounts/{account_id}", token=token).json()["balance"]


def propose(http, anna_token, people, description) -> int:
    response = http.post("/api/v1/exchanges", token=anna_token, json={
        "provider_id": people["anna"].id, "recipient_id": people["bert"].id,
        "minutes": MINUTES, "description": description, "performed_on": "2025-01-02"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_twenty_confirmations_of_one_exchange_book_it_once(http, people, ring):
    anna, karin = http.token(people["anna"]), http.token(people["karin"])
    berts = [http.token(people["bert"]) for _ in range(4)]  # phone, laptop, ...
    exchange = propose(http, anna, people, "Garten umgegraben")

    responses = race(http, lambda i: berts[i % len(berts)],
                     lambda i: ("POST", f"/api/v1/exchanges/{exchange}/confirm", None))

    assert outcomes(responses) == {(200, None): 1, (409, "exchange_booked"): CLIENTS - 1}
    booked = http.get(f"/api/v1/exchanges/{exchange}", token=anna).json()
    assert booked["state"] == "booked" and booked["transfer_id"] is not None
    transfers = http.get(f"/api/v1/transfers?account_id={people['bert'].account_id}",
                         token=karin).json()
    assert [t["id"] for t in transfers["items"]] == [booked["transfer_id"]]
    assert balance(http, karin, people["bert"].account_id) == -MINUTES
    assert balance(http, karin, people["anna"].account_id) == MINUTES
    assert [e["action"] for e in booked["events"]].count("confirmed") == 1
    assert_audit_ok(http, karin, ring)


def test_twenty_reversals_of_one_transfer_reverse_it_once(http, people, ring):
    coordinators = [http.token(people[name]) for name in ("karin", "kurt") for _ in range(2)]
    karin = coordinators[0]
    booked = http.post("/api/v1/transfers", token=karin, json={
        "debit_account_id": ring.association_account_id,
        "credit_account_id": people["anna"].account_id, "minutes": 90,
        "memo": "Startguthaben"})
    assert booked.status_code == 201, booked.text
    original = booked.json()["id"]

    responses = race(http, lambda i: coordinators[i % len(coordinators)],
                     lambda i: ("POST", f"/api/v1/transfers/{original}/reverse",
                                {"reason": f"doppelt gebucht ({i})"}))

    assert outcomes(responses) == {(201, None): 1, (409, "already_reversed"): CLIENTS - 1}
    reversal = next(r.json() for r in responses if r.status_code == 201)
    assert reversal["reverses_id"] == original
    shown = http.get(f"/api/v1/transfers/{original}", token=karin).json()
    assert shown["reversed_by_id"] == reversal["id"]
    assert balance(http, karin, people["anna"].account_id) == 0
    audit = assert_audit_ring_has(http, karin, ring, transfers=2)
    assert audit["sum_of_balances"] == 0


def test_twenty_confirmations_past_a_limit_book_only_what_it_allows(http, people, ring):
    """Bert may go down to -2 hours: of twenty proposals of an hour each that he
    confirms at once, two are booked and eighteen stay proposed (422)."""
    anna, karin = http.token(people["anna"]), http.token(people["karin"])
    berts = [http.token(people["bert"]) for _ in range(4)]
    proposals = [propose(http, anna, people, f"Einkauf Nr. {i}") for i in range(CLIENTS)]

    responses = race(http, lambda i: berts[i % len(berts)],
                     lambda i: ("POST", f"/api/v1/exchanges/{proposals[i]}/confirm", None))

    allowed = -LOWEST // MINUTES
    assert outcomes(responses) == {(200, None): allowed,
                                   (422, "exceeds_min_balance"): CLIENTS - allowed}
    states = Counter(http.get(f"/api/v1/exchanges/{p}", token=anna).json()["state"]
                     for p in proposals)
    assert states == {"booked": allowed, "proposed": CLIENTS - allowed}
    assert balance(http, karin, people["bert"].account_id) == LOWEST
    assert_audit_ring_has(http, karin, ring, transfers=allowed)


def test_twenty_transfers_past_a_limit_book_only_what_it_allows(http, people, ring):
    coordinators = [http.token(people[name]) for name in ("karin", "kurt") for _ in range(2)]
    karin = coordinators[0]

    responses = race(http, lambda i: coordinators[i % len(coordinators)],
                     lambda i: ("POST", "/api/v1/transfers", {
                         "debit_account_id": people["bert"].account_id,
                         "credit_account_id": people["anna"].account_id,
                         "minutes": MINUTES, "memo": f"Ausgleich {i}"}))

    allowed = -LOWEST // MINUTES
    assert outcomes(responses) == {(201, None): allowed,
                                   (422, "exceeds_min_balance"): CLIENTS - allowed}
    assert balance(http, karin, people["bert"].account_id) == LOWEST
    assert_audit_ring_has(http, karin, ring, transfers=allowed)
