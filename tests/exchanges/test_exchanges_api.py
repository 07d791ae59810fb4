"""Exchanges through the HTTP API, and two answers racing each other."""

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from tauschring.db import db
from tauschring.ledger.audit import audit_ring
from tauschring.ledger.models import Transfer


@pytest.fixture
def trio(world, http):
    ring = world.ring(min_balance=-600, max_balance=600)
    people = {name: world.member(ring, name) for name in ("Anna", "Bernd")}
    people["Karin"] = world.coordinator(ring)
    tokens = {name: http.token(person) for name, person in people.items()}
    return ring, people, tokens


def propose(http, token, provider, recipient, minutes=90):
    response = http.post("/api/v1/exchanges", token=token, json={
        "provider_id": provider.id, "recipient_id": recipient.id, "minutes": minutes,
        "description": "Hecke geschnitten", "performed_on": date.today().isoformat()})
    assert response.status_code == 201, response.text
    return response.json()


def test_proposal_confirmed_through_the_api(http, trio):
    ring, people, tokens = trio
    anna, bernd = people["Anna"], people["Bernd"]
    exchange = propose(http, tokens["Anna"], anna, bernd)
    assert exchange["state"] == "proposed" and exchange["allowed_actions"] == [
        "cancel", "dispute"]
    seen_by_bernd = http.get(f"/api/v1/exchanges/{exchange['id']}", token=tokens["Bernd"])
    assert seen_by_bernd.json()["allowed_actions"] == ["confirm", "decline", "dispute"]

    confirmed = http.post(f"/api/v1/exchanges/{exchange['id']}/confirm", token=tokens["Bernd"])
    assert confirmed.status_code == 200, confirmed.text
    body = confirmed.json()
    assert body["state"] == "booked" and body["transfer_id"]
    again = http.post(f"/api/v1/exchanges/{exchange['id']}/confirm", token=tokens["Bernd"])
    assert again.status_code == 409
    assert again.headers["Content-Type"] == "application/problem+json"

    bernds = http.get(f"/api/v1/accounts/{bernd.account_id}", token=tokens["Bernd"]).json()
    assert bernds["balance"] == -90
    events = [e["action"] for e in http.get(f"/api/v1/exchanges/{exchange['id']}",
                                            token=tokens["Anna"]).json()["events"]]
    assert events == ["proposed", "confirmed"]
    waiting = http.get("/api/v1/notifications?unread=true", token=tokens["Anna"]).json()
    assert [n["kind"] for n in waiting["items"]] == ["confirmed"]


def test_outsider_sees_nothing_and_limits_answer_422(http, trio, world):
    ring, people, tokens = trio
    anna, bernd = people["Anna"], people["Bernd"]
    clara = world.member(ring, "Clara")
    exchange = propose(http, tokens["Anna"], anna, bernd, minutes=601)
    hidden = http.get(f"/api/v1/exchanges/{exchange['id']}", token=http.token(clara))
    assert hidden.status_code == 404
    blocked = http.get(f"/api/v1/exchanges/{exchange['id']}", token=tokens["Bernd"]).json()
    assert blocked["blocked_by"]["code"] == "exceeds_min_balance"
    refused = http.post(f"/api/v1/exchanges/{exchange['id']}/confirm", token=tokens["Bernd"])
    assert refused.status_code == 422 and refused.json()["code"] == "exceeds_min_balance"
    after = http.get(f"/api/v1/exchanges/{exchange['id']}", token=tokens["Bernd"]).json()
    assert after["state"] == "proposed"


def test_dispute_resolved_by_coordinator_both_see_the_note(http, trio):
    ring, people, tokens = trio
    anna, bernd = people["Anna"], people["Bernd"]
    exchange = propose(http, tokens["Bernd"], anna, bernd, minutes=120)
    http.post(f"/api/v1/exchanges/{exchange['id']}/confirm", token=tokens["Anna"])
    disputed = http.post(f"/api/v1/exchanges/{exchange['id']}/dispute", token=tokens["Bernd"],
                         json={"reason": "Es war nur eine Stunde"})
    assert disputed.json()["state"] == "disputed"
    message = http.post(f"/api/v1/exchanges/{exchange['id']}/messages", token=tokens["Anna"],
                        json={"message": "Stimmt, eine Stunde"})
    assert message.status_code == 201
    member_resolve = http.post(f"/api/v1/exchanges/{exchange['id']}/resolve",
                               token=tokens["Anna"],
                               json={"decision": "adjust", "minutes": 60, "note": "x"})
    assert member_resolve.status_code == 403
    resolved = http.post(f"/api/v1/exchanges/{exchange['id']}/resolve", token=tokens["Karin"],
                         json={"decision": "adjust", "minutes": 60,
                               "note": "Beide sagen: eine Stunde"})
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["state"] == "booked" and resolved.json()["minutes"] == 60
    for name in ("Anna", "Bernd"):
        kinds = [n["kind"] for n in http.get("/api/v1/notifications",
                                             token=tokens[name]).json()["items"]]
        assert "resolved" in kinds
    balances = [http.get(f"/api/v1/accounts/{p.account_id}", token=tokens["Karin"])
                .json()["balance"] for p in (anna, bernd)]
    assert balances == [60, -60]


def _race(calls):
    """Start all calls at the same moment; return their responses."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.parametrize("round_", range(3))
def test_two_confirmations_at_once_book_exactly_once(http, trio, round_):
    ring, people, tokens = trio
    anna, bernd = people["Anna"], people["Bernd"]
    exchange = propose(http, tokens["Anna"], anna, bernd, minutes=30)
    url = f"/api/v1/exchanges/{exchange['id']}/confirm"
    responses = _race([lambda: http.post(url, token=tokens["Bernd"])] * 4)
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 409, 409, 409], [r.text for r in responses]
    db.session.rollback()
    booked = db.session.scalar(select(func.count(Transfer.id)).where(
        Transfer.exchange_id == exchange["id"]))
    assert booked == 1
    assert audit_ring(db.session, ring.id)["ok"]


@pytest.mark.parametrize("round_", range(3))
def test_confirm_racing_cancel_ends_in_one_consistent_state(http, trio, round_):
    ring, people, tokens = trio
    anna, bernd = people["Anna"], people["Bernd"]
    exchange = propose(http, tokens["Anna"], anna, bernd, minutes=45)
    base = f"/api/v1/exchanges/{exchange['id']}"
    confirm, cancel = _race([lambda: http.post(f"{base}/confirm", token=tokens["Bernd"]),
                             lambda: http.post(f"{base}/cancel", token=tokens["Anna"])])
    assert sorted([confirm.status_code, cancel.status_code]) == [200, 409]
    final = http.get(base, token=tokens["Anna"]).json()
    db.session.rollback()
    transfers = db.session.scalar(select(func.count(Transfer.id)).where(
        Transfer.exchange_id == exchange["id"]))
    if confirm.status_code == 200:
        assert final["state"] == "booked" and transfers == 1
    else:
        assert final["state"] == "cancelled" and transfers == 0
    assert audit_ring(db.session, ring.id)["ok"]
