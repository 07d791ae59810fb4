"""Booking across two partner rings: both halves or neither, mirrored clearing
accounts, the credit line, and both audits (on both engines)."""

from __future__ import annotations

import pytest

from tauschring.db import atomic, db
from tauschring.errors import Invalid
from tauschring.ledger import service as ledger
from tauschring.ledger.audit import audit_ring
from tauschring.ledger.models import Account, Transfer
from tauschring.partners import clearing, service
from tests.ledger.conftest import ledger_facts


@pytest.fixture
def rings(world):
    a, b = world.ring("auental"), world.ring("bergdorf")
    anna, bernd = world.member(a, "Anna"), world.member(b, "Bernd")
    atomic(lambda s: service.add(s, ring_id=a.id, partner_ring_id=b.id, credit_line=400))
    return a, b, anna, bernd


def _pay(payer, payee, minutes, **kwargs):
    return atomic(lambda s: clearing.book_across(
        s, payer_ring_id=payer.ring_id, payer_account_id=payer.account_id,
        payee_ring_id=payee.ring_id, payee_account_id=payee.account_id, minutes=minutes,
        memo="Fahrrad repariert", **kwargs))


def _balance(account_id):
    db.session.rollback()
    return db.session.get(Account, account_id).balance


def test_both_halves_book_and_mirror(rings):
    a, b, anna, bernd = rings
    payer_half, payee_half = _pay(anna, bernd, 90)
    assert (payer_half.ring_id, payee_half.ring_id) == (a.id, b.id)
    assert _balance(anna.account_id) == -90 and _balance(bernd.account_id) == 90
    for ring, other in ((a, b), (b, a)):
        report = audit_ring(db.session, ring.id)
        assert report["ok"], report
        assert report["transfers"] == 1 and report["sum_of_balances"] == 0
        [partner] = report["partners"]
        assert partner["ring"] == other.slug and partner["mirrored"]
    assert audit_ring(db.session, a.id)["partners"][0]["clearing_balance"] == 90
    assert audit_ring(db.session, b.id)["partners"][0]["clearing_balance"] == -90


def test_credit_line_refuses_and_nothing_moves(rings):
    a, b, anna, bernd = rings
    _pay(anna, bernd, 300)
    before = (ledger_facts(a.id).snapshot(), ledger_facts(b.id).snapshot())
    with pytest.raises(Invalid) as refused:
        _pay(anna, bernd, 101)
    assert refused.value.code == "credit_line_exceeded"
    assert (ledger_facts(a.id).snapshot(), ledger_facts(b.id).snapshot()) == before
    _pay(bernd, anna, 400)  # the other way round, down to -100 for A
    assert audit_ring(db.session, a.id)["partners"][0]["clearing_balance"] == -100


def test_a_refused_payee_half_undoes_the_payer_half(rings, world):
    """Ring A's half is written first; when B's half is refused, A's goes too."""
    a, b, anna, bernd = rings
    berta = world.member(b, "Berta")
    for name in ("Bruno", "Bella"):
        payer = world.member(b, name)
        atomic(lambda s, payer=payer: ledger.book(
            s, ring_id=b.id, debit_account_id=payer.account_id,
            credit_account_id=berta.account_id, minutes=500))
    before = (ledger_facts(a.id).snapshot(), ledger_facts(b.id).snapshot())
    with pytest.raises(Invalid) as refused:
        _pay(anna, berta, 201)  # Berta would rise to 1,201, above 1,200
    assert refused.value.code == "exceeds_max_balance"
    assert refused.value.details["account_id"] == berta.account_id
    assert (ledger_facts(a.id).snapshot(), ledger_facts(b.id).snapshot()) == before


def test_not_partners_is_refused(world):
    a, c = world.ring("auental"), world.ring("celle")
    anna, carl = world.member(a, "Anna"), world.member(c, "Carl")
    with pytest.raises(Invalid) as refused:
        _pay(anna, carl, 10)
    assert refused.value.code == "not_partners"
    db.session.rollback()
    assert db.session.query(Transfer).count() == 0


def test_a_clearing_account_moves_only_with_its_mirror(rings, world, http, problem):
    """A coordinator's manual booking on a clearing account, or reversing one half
    of a booking across, would leave the partner ring's mirror behind: refused."""
    a, b, anna, bernd = rings
    karin = world.coordinator(a)
    payer_half, _ = _pay(anna, bernd, 60)
    [partner] = audit_ring(db.session, a.id)["partners"]
    clearing_id = partner["clearing_account_id"]
    before = (ledger_facts(a.id).snapshot(), ledger_facts(b.id).snapshot())
    token = http.token(karin)
    for debit, credit in ((clearing_id, anna.account_id), (anna.account_id, clearing_id)):
        refused = problem(http.post("/api/v1/transfers", token=token, json={
            "debit_account_id": debit, "credit_account_id": credit, "minutes": 10,
            "memo": "Ausgleich"}), 422)
        assert refused["code"] == "clearing_account_reserved"
    refused = problem(http.post(f"/api/v1/transfers/{payer_half.id}/reverse", token=token,
                                json={"reason": "Irrtum"}), 409)
    assert refused["code"] == "reversal_across_rings"
    with pytest.raises(Invalid) as direct:
        atomic(lambda s: ledger.book(s, ring_id=a.id, debit_account_id=clearing_id,
                                     credit_account_id=anna.account_id, minutes=5,
                                     override_reason="Vorstand"))
    assert direct.value.code == "clearing_account_reserved"
    assert (ledger_facts(a.id).snapshot(), ledger_facts(b.id).snapshot()) == before
    assert audit_ring(db.session, a.id)["ok"] and audit_ring(db.session, b.id)["ok"]
