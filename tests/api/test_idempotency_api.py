"""Idempotency-Key: a retried POST returns the first answer and books nothing more.

Each test books from ring A's association account to a member of its own,
so counts and balances are those of that member's account.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import pytest
import requests


@dataclass
class Ledger:
    scene: object
    member: object
    token: str

    @property
    def http(self):
        return self.scene.http

    def booking(self, minutes: int = 30, memo: str = "Startguthaben") -> dict:
        return {"debit_account_id": self.scene.ring_a.association_account_id,
                "credit_account_id": self.member.account_id, "minutes": minutes,
                "memo": memo}

    def book(self, body: dict, key: str | None = None, token: str | None = None):
        headers = {"Idempotency-Key": key} if key is not None else {}
        return self.http.post("/api/v1/transfers", token=token or self.token, json=body,
                              headers=headers)

    def transfers(self) -> int:
        """How many transfers touch this test's member account."""
        response = self.http.get(f"/api/v1/transfers?account_id={self.member.account_id}",
                                 token=self.token)
        assert response.status_code == 200, response.text
        return response.json()["total"]

    def balance(self) -> int:
        return self.http.get(f"/api/v1/accounts/{self.member.account_id}",
                             token=self.token).json()["balance"]


@pytest.fixture
def ledger(scene):
    member = scene.new_member("Ida")
    return Ledger(scene, member, scene.tokens["karin"])


def test_same_key_and_body_twice_books_once_and_replays_the_first_answer(ledger):
    first = ledger.book(ledger.booking(), key="booking-0001")
    again = ledger.book(ledger.booking(), key="booking-0001")

    assert first.status_code == 201, first.text
    assert again.status_code == first.status_code
    assert again.content == first.content
    assert again.json() == first.json()
    assert again.headers["Content-Type"].split(";")[0] == "application/json"
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert ledger.transfers() == 1
    assert ledger.balance() == 30


def test_the_same_body_in_another_key_order_is_the_same_request(ledger):
    body = ledger.booking()
    first = ledger.book(body, key="reordered")
    again = ledger.book(dict(reversed(list(body.items()))), key="reordered")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert ledger.transfers() == 1


def test_same_key_with_another_body_is_a_conflict_and_books_nothing(ledger, problem):
    first = ledger.book(ledger.booking(), key="booking-0002")
    assert first.status_code == 201, first.text

    other = ledger.book(ledger.booking(minutes=45), key="booking-0002")

    problem(other, 409)
    assert ledger.transfers() == 1
    assert ledger.balance() == 30


def test_same_key_on_another_endpoint_is_a_conflict(ledger, problem):
    booked = ledger.book(ledger.booking(), key="shared-key")
    assert booked.status_code == 201, booked.text

    reversal = ledger.http.post(f"/api/v1/transfers/{booked.json()['id']}/reverse",
                                token=ledger.token, json={"reason": "Irrtum"},
                                headers={"Idempotency-Key": "shared-key"})

    problem(reversal, 409)
    assert ledger.transfers() == 1


def test_the_same_key_from_another_caller_is_independent(ledger):
    other = ledger.scene.token(ledger.scene.new_member("Kurt", role="coordinator"))

    first = ledger.book(ledger.booking(), key="everyones-favourite-key")
    second = ledger.book(ledger.booking(), key="everyones-favourite-key", token=other)

    assert first.status_code == second.status_code == 201
    assert first.json()["id"] != second.json()["id"]
    assert first.json()["booked_by"] != second.json()["booked_by"]
    assert "Idempotent-Replayed" not in second.headers
    assert ledger.transfers() == 2
    assert ledger.balance() == 60


def test_a_refused_request_is_not_stored_and_may_be_retried_fixed(ledger, problem):
    refused = ledger.book(ledger.booking(minutes=0), key="fix-and-retry")
    problem(refused, 422, field="minutes")
    refused_again = ledger.book(ledger.booking(minutes=0), key="fix-and-retry")
    problem(refused_again, 422, field="minutes")
    assert "Idempotent-Replayed" not in refused_again.headers

    fixed = ledger.book(ledger.booking(minutes=30), key="fix-and-retry")
    assert fixed.status_code == 201, fixed.text
    replay = ledger.book(ledger.booking(minutes=30), key="fix-and-retry")
    assert replay.status_code == 201 and replay.json() == fixed.json()
    assert ledger.transfers() == 1


def test_a_retried_reversal_is_replayed_not_refused_as_reversed_twice(ledger):
    booked = ledger.book(ledger.booking()).json()
    path = f"/api/v1/transfers/{booked['id']}/reverse"
    key = {"Idempotency-Key": "reverse-once"}

    first = ledger.http.post(path, token=ledger.token, json={"reason": "Irrtum"}, headers=key)
    again = ledger.http.post(path, token=ledger.token, json={"reason": "Irrtum"}, headers=key)
    without_key = ledger.http.post(path, token=ledger.token, json={"reason": "Irrtum"})

    assert first.status_code == again.status_code == 201, first.text
    assert again.json() == first.json()
    assert without_key.status_code == 409
    assert ledger.transfers() == 2
    assert ledger.balance() == 0


def test_concurrent_requests_with_one_key_book_exactly_once(ledger):
    body, clicks = ledger.booking(minutes=25), 8
    start = threading.Barrier(clicks)
    answers: list = [None] * clicks
    headers = {"Idempotency-Key": "many-clicks", "Authorization": f"Bearer {ledger.token}"}

    def click(index):  # a requests.Session is not shared across threads
        session = requests.Session()
        start.wait()
        answers[index] = session.post(ledger.http.base_url + "/api/v1/transfers", json=body,
                                      headers=headers, timeout=60)

    workers = [threading.Thread(target=click, args=(i,)) for i in range(clicks)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=90)

    assert all(answer is not None for answer in answers)
    assert {a.status_code for a in answers} == {201}, [a.text for a in answers]
    assert len({a.content for a in answers}) == 1
    assert sum("Idempotent-Replayed" not in a.headers for a in answers) == 1
    assert ledger.transfers() == 1
    assert ledger.balance() == 25
    audit = ledger.http.get("/api/v1/audit", token=ledger.token).json()
    assert audit["ok"] is True
