"""Partnerships through the HTTP API: propose, accept, pause, resume, end; who
may see and do what; the audit's mirror check (on both engines)."""

from __future__ import annotations

import json
import threading

import pytest
from sqlalchemy import func, select, text

from tauschring.auditlog import LoggedAction
from tauschring.db import atomic, db
from tauschring.errors import Invalid
from tauschring.mail.models import OutgoingMail
from tauschring.partners import clearing


def _post(http, path, token, body=None):
    return http.post(path, token=token, json=body if body is not None else {})


def _propose(http, rings, credit_line=600, ring="bergdorf", token="karin"):
    return _post(http, "/api/v1/partners", rings.tokens[token],
                 {"ring": ring, "credit_line": credit_line})


def _pay(rings, minutes):
    """Anna (Auental) pays Bernd (Bergdorf) across the rings."""
    return atomic(lambda s: clearing.book_across(
        s, payer_ring_id=rings.a.id, payer_account_id=rings.anna.account_id,
        payee_ring_id=rings.b.id, payee_account_id=rings.bernd.account_id,
        minutes=minutes, memo="Fahrrad repariert"))


def test_propose_accept_pause_resume_end(http, rings, problem):
    proposed = _propose(http, rings)
    assert proposed.status_code == 201, proposed.text
    body = proposed.json()
    assert body["status"] == "proposed" and body["ring"] == "bergdorf"
    assert body["credit_line"] == 600 and body["proposed_by_us"] is True
    assert body["allowed_actions"] == ["decline", "end"]
    pid = body["id"]

    # Auental cannot accept its own proposal; Bergdorf sees it waiting for its answer.
    problem(_post(http, f"/api/v1/partners/{pid}/accept", rings.tokens["karin"]), 409)
    [seen] = http.get("/api/v1/partners", token=rings.tokens["bodo"]).json()["items"]
    assert seen["awaiting_us"] is True and seen["ring"] == "auental"
    assert seen["allowed_actions"] == ["accept", "decline", "end"]
    # ... and the coordinators of Bergdorf got a mail.
    db.session.rollback()
    mails = db.session.scalars(select(OutgoingMail).where(
        OutgoingMail.member_id == rings.bodo.id)).all()
    assert len(mails) == 1 and "Auental" in mails[0].subject

    accepted = _post(http, f"/api/v1/partners/{pid}/accept", rings.tokens["bodo"])
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["status"] == "active"
    assert accepted.json()["clearing_balance"] == 0 and accepted.json()["mirrored"] is True
    payer_half, _ = _pay(rings, 90)
    assert payer_half.minutes == 90

    # Members see the active partner ring, without the clearing balance.
    [seen] = http.get("/api/v1/partners", token=rings.tokens["anna"]).json()["items"]
    assert (seen["ring_name"], seen["credit_line"]) == ("Bergdorf", 600)
    assert seen["clearing_balance"] is None and seen["allowed_actions"] == []

    paused = _post(http, f"/api/v1/partners/{pid}/pause", rings.tokens["bodo"],
                   {"reason": "Jahreshauptversammlung"})
    assert paused.status_code == 200 and paused.json()["status"] == "paused"
    with pytest.raises(Invalid) as refused:
        _pay(rings, 30)
    assert refused.value.code == "not_partners"
    assert http.get("/api/v1/partners", token=rings.tokens["anna"]).json()["items"] == []

    # Resuming is a proposal again, with a new credit line, which the other ring accepts.
    resumed = _propose(http, rings, credit_line=900)
    assert resumed.status_code == 201 and resumed.json()["id"] == pid
    assert (resumed.json()["status"], resumed.json()["proposed_credit_line"]) == (
        "paused", 900)
    assert resumed.json()["credit_line_in_force"] == 600
    problem(_propose(http, rings, ring="auental", token="bodo"), 409)
    accepted = _post(http, f"/api/v1/partners/{pid}/accept", rings.tokens["bodo"])
    assert accepted.json()["status"] == "active"
    assert accepted.json()["credit_line_in_force"] == 900
    assert accepted.json()["proposed_credit_line"] is None
    _pay(rings, 30)
    bodos = http.get("/api/v1/partners", token=rings.tokens["bodo"]).json()["items"][0]
    assert bodos["clearing_balance"] == -120 and bodos["mirrored"] is True

    ended = _post(http, f"/api/v1/partners/{pid}/end", rings.tokens["karin"])
    assert ended.status_code == 200 and ended.json()["status"] == "ended"
    problem(_post(http, f"/api/v1/partners/{pid}/end", rings.tokens["karin"]), 409)

    # Every step is in both rings' audit logs.
    db.session.rollback()
    for ring in (rings.a, rings.b):
        actions = db.session.scalars(select(LoggedAction.action).where(
            LoggedAction.ring_id == ring.id, LoggedAction.subject == f"partnership:{pid}")
            .order_by(LoggedAction.id)).all()
        assert actions == ["partnership.proposed", "partnership.accepted",
                           "partnership.paused", "partnership.proposed",
                           "partnership.accepted", "partnership.ended"]


def test_declining_a_new_credit_line_keeps_the_old_one(http, rings):
    pid = _propose(http, rings).json()["id"]
    _post(http, f"/api/v1/partners/{pid}/accept", rings.tokens["bodo"])
    changed = _propose(http, rings, ring="auental", credit_line=60, token="bodo")
    assert (changed.json()["status"], changed.json()["credit_line"],
            changed.json()["proposed_credit_line"]) == ("active", 600, 60)
    # While the new line waits, the rings go on trading on the line in force.
    assert _pay(rings, 90)[0].minutes == 90
    karins = http.get("/api/v1/partners", token=rings.tokens["karin"]).json()["items"][0]
    assert karins["awaiting_us"] is True and karins["allowed_actions"][:2] == [
        "accept", "decline"]
    declined = _post(http, f"/api/v1/partners/{pid}/decline", rings.tokens["karin"],
                     {"reason": "Zu wenig"})
    assert declined.status_code == 200, declined.text
    assert declined.json()["status"] == "active" and declined.json()["credit_line"] == 600
    assert declined.json()["proposed_credit_line"] is None
    # A first proposal declined: the partnership has ended before it began.
    other = _propose(http, rings, ring="christdorf").json()["id"]
    declined = _post(http, f"/api/v1/partners/{other}/decline", rings.tokens["carl"])
    assert declined.json()["status"] == "ended"


def test_who_may_do_what(http, rings, problem):
    pid = _propose(http, rings).json()["id"]
    # A coordinator of a third ring: the partnership does not exist for it.
    for action in ("accept", "decline", "pause", "end"):
        problem(_post(http, f"/api/v1/partners/{pid}/{action}", rings.tokens["carl"]), 404)
    assert http.get("/api/v1/partners", token=rings.tokens["carl"]).json()["items"] == []
    # Members may not propose or answer.
    problem(_propose(http, rings, token="anna"), 403)
    problem(_post(http, f"/api/v1/partners/{pid}/accept", rings.tokens["bernd"]), 403)
    # Bad input: a clear refusal, nothing changes.
    problem(_propose(http, rings, ring="nirgendwo"), 404)
    problem(_propose(http, rings, ring="auental"), 422, field="ring")
    problem(_propose(http, rings, credit_line=0), 422, field="credit_line")
    problem(_propose(http, rings, credit_line="viel"), 422, field="credit_line")
    problem(_post(http, "/api/v1/partners", rings.tokens["karin"], {"ring": True,
                                                                    "credit_line": 5}), 422)
    problem(_post(http, f"/api/v1/partners/{pid}/decline", rings.tokens["bodo"],
                  {"reason": "x" * 1001}), 422, field="reason")
    [still] = http.get("/api/v1/partners", token=rings.tokens["karin"]).json()["items"]
    assert (still["status"], still["credit_line"]) == ("proposed", 600)


def test_the_audit_names_a_partnership_out_of_balance(http, rings):
    pid = _propose(http, rings).json()["id"]
    _post(http, f"/api/v1/partners/{pid}/accept", rings.tokens["bodo"])
    _pay(rings, 45)
    audit = http.get("/api/v1/audit", token=rings.tokens["karin"]).json()
    assert audit["ok"] is True and audit["partners"][0]["mirrored"] is True

    db.session.rollback()
    partnership = clearing.partnership_between(db.session, rings.a.id, rings.b.id)
    tampered = partnership.account_of(rings.b.id)
    db.session.execute(text("UPDATE accounts SET balance = balance + 5 WHERE id = :id"),
                       {"id": tampered})
    db.session.commit()
    for token, other in (("karin", "bergdorf"), ("bodo", "auental")):
        audit = http.get("/api/v1/audit", token=rings.tokens[token]).json()
        assert audit["ok"] is False, json.dumps(audit)[:500]
        [partner] = audit["partners"]
        assert partner["ring"] == other and partner["mirrored"] is False
    listed = http.get("/api/v1/partners", token=rings.tokens["karin"]).json()["items"][0]
    assert listed["mirrored"] is False


def _at_once(*calls):
    """Run the calls in threads released together; their responses in order."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        barrier.wait()
        results[index] = call()
    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_answers_at_the_same_moment(http, rings, world):
    # Both rings propose to each other at once: one proposal stands, the other is told.
    answers = _at_once(lambda: _propose(http, rings),
                       lambda: _propose(http, rings, ring="auental", token="bodo"))
    assert sorted(r.status_code for r in answers) == [201, 409], [r.text for r in answers]
    assert {r.json()["code"] for r in answers if r.status_code == 409} == {"proposed_by_partner"}
    pid = next(r.json()["id"] for r in answers if r.status_code == 201)
    proposer = next(i for i, r in enumerate(answers) if r.status_code == 201)
    # Two coordinators of the other ring accept at once: one acceptance, one 409.
    other_ring = rings.b if proposer == 0 else rings.a
    second = http.token(world.coordinator(other_ring, "Zweite"))
    first = rings.tokens["bodo" if proposer == 0 else "karin"]
    answers = _at_once(*(lambda t=t: _post(http, f"/api/v1/partners/{pid}/accept", t)
                         for t in (first, second)))
    assert sorted(r.status_code for r in answers) == [200, 409], [r.text for r in answers]
    db.session.rollback()
    count = db.session.scalar(select(func.count(LoggedAction.id)).where(
        LoggedAction.subject == f"partnership:{pid}",
        LoggedAction.action == "partnership.accepted"))
    assert count == 2  # one acceptance, in both rings' logs
