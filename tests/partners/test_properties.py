"""Random sequences of bookings across and inside three rings keep every
invariant, on SQLite and PostgreSQL.

Rings A, B and C: A and B are partners, B and C are partners, A and C are
not. A Hypothesis state machine pays between any two members, books inside a
ring, reverses a cross-ring payment (both halves) and pauses or resumes a
partnership, each step in its own `atomic`. Its model predicts every refusal
(not partners, a member's limit, the credit line, in the order the halves are
booked: the lower ring first). After every step:

- a refused step changed nothing in any ring;
- every ring is sound (sums to zero, balances = entries = transfers, chain,
  audit ok: tests/ledger/conftest.py `assert_ledger_sound`);
- the clearing accounts of each partnership mirror each other exactly and stay
  within the credit line, and the audit's `partners` report says so;
- the stored balances equal the model's.
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tauschring.db import atomic, db
from tauschring.errors import Invalid
from tauschring.ledger import service as ledger
from tauschring.partners import clearing, service
from tauschring.partners.models import Partnership
from tests.ledger.conftest import assert_ledger_sound, fresh_audit, ledger_facts

LOW, HIGH = -300, 300          # every member's limits (the rings' defaults)
CREDIT = {("a", "b"): 240, ("b", "c"): 150}
MEMBERS = [(ring, n) for ring in "abc" for n in (0, 1)]
_names = itertools.count()


class PartnerMachine(RuleBasedStateMachine):
    def __init__(self, world):
        super().__init__()
        n = next(_names)
        self.rings = {r: world.ring(f"p{n}{r}", min_balance=LOW, max_balance=HIGH)
                      for r in "abc"}
        self.members = {(r, i): world.member(self.rings[r], f"{r.upper()}{i} Mitglied")
                        for r, i in MEMBERS}
        self.partnerships = {}
        for (x, y), credit in CREDIT.items():
            p = atomic(lambda s, x=x, y=y, credit=credit: service.add(
                s, ring_id=self.rings[x].id, partner_ring_id=self.rings[y].id,
                credit_line=credit).id)
            self.partnerships[(x, y)] = p
        self.active = set(CREDIT)
        self.balance = {key: 0 for key in self.members}
        self.clearing = {(x, y): 0 for (x, y) in CREDIT}  # x's clearing account for y
        self.payments = []  # (payer key, payee key, minutes, payer half, payee half)
        self.reversed = set()

    # -- the model --------------------------------------------------------------
    @staticmethod
    def link(x, y):
        return (x, y) if (x, y) in CREDIT else (y, x) if (y, x) in CREDIT else None

    def clearing_of(self, ring, other):
        """ring's clearing balance for other (A's = -B's)."""
        link = self.link(ring, other)
        return self.clearing[link] if link[0] == ring else -self.clearing[link]

    def expected_refusal(self, payer, payee, minutes, *, reversal=False):
        x, y = payer[0], payee[0]
        link = self.link(x, y)
        if link is None or (link not in self.active and not reversal):
            return "not_partners"
        halves = {x: ("debit", payer, "credit", ("clearing", x, y)),
                  y: ("debit", ("clearing", y, x), "credit", payee)}
        for ring in sorted(halves, key=lambda r: self.rings[r].id):
            _, debit, _, credit = halves[ring]
            if self.after(debit, -minutes) < self.low(debit):
                return "credit_line_exceeded" if debit[0] == "clearing" \
                    else "exceeds_min_balance"
            if self.after(credit, minutes) > self.high(credit):
                return "credit_line_exceeded" if credit[0] == "clearing" \
                    else "exceeds_max_balance"
        return None

    def after(self, key, minutes):
        if key[0] == "clearing":
            return self.clearing_of(key[1], key[2]) + minutes
        return self.balance[key] + minutes

    def low(self, key):
        return -CREDIT[self.link(key[1], key[2])] if key[0] == "clearing" else LOW

    def high(self, key):
        return CREDIT[self.link(key[1], key[2])] if key[0] == "clearing" else HIGH

    def apply(self, payer, payee, minutes):
        self.balance[payer] -= minutes
        self.balance[payee] += minutes
        link = self.link(payer[0], payee[0])
        self.clearing[link] += minutes if link[0] == payer[0] else -minutes

    def snapshot(self):
        return {r: ledger_facts(ring.id).snapshot() for r, ring in self.rings.items()}

    def attempt(self, expected, step):
        before = self.snapshot()
        try:
            result = atomic(step)
        except Invalid as refusal:
            assert refusal.code == expected, (refusal.code, expected)
            assert self.snapshot() == before
            return None
        assert expected is None, expected
        return result

    # -- the rules --------------------------------------------------------------
    @rule(payer=st.sampled_from(MEMBERS), payee=st.sampled_from(MEMBERS),
          minutes=st.integers(1, 200))
    def pay(self, payer, payee, minutes):
        if payer[0] == payee[0]:
            return self.book_inside(payer, payee, minutes)
        p, q = self.members[payer], self.members[payee]
        expected = self.expected_refusal(payer, payee, minutes)
        halves = self.attempt(expected, lambda s: [t.id for t in clearing.book_across(
            s, payer_ring_id=p.ring_id, payer_account_id=p.account_id,
            payee_ring_id=q.ring_id, payee_account_id=q.account_id, minutes=minutes,
            memo="Tausch über die Ringgrenze")])
        if halves is not None:
            self.apply(payer, payee, minutes)
            self.payments.append((payer, payee, minutes, *halves))

    def book_inside(self, payer, payee, minutes):
        if payer == payee:
            return
        expected = None
        if self.balance[payer] - minutes < LOW:
            expected = "exceeds_min_balance"
        elif self.balance[payee] + minutes > HIGH:
            expected = "exceeds_max_balance"
        p, q = self.members[payer], self.members[payee]
        if self.attempt(expected, lambda s: ledger.book(
                s, ring_id=p.ring_id, debit_account_id=p.account_id,
                credit_account_id=q.account_id, minutes=minutes).id) is not None:
            self.balance[payer] -= minutes
            self.balance[payee] += minutes

    @precondition(lambda self: len(self.reversed) < len(self.payments))
    @rule(pick=st.integers(0, 10**6))
    def reverse(self, pick):
        open_ = [i for i in range(len(self.payments)) if i not in self.reversed]
        index = open_[pick % len(open_)]
        payer, payee, minutes, payer_half, payee_half = self.payments[index]
        p, q = self.members[payer], self.members[payee]
        expected = self.expected_refusal(payee, payer, minutes, reversal=True)
        done = self.attempt(expected, lambda s: clearing.book_across(
            s, payer_ring_id=q.ring_id, payer_account_id=q.account_id,
            payee_ring_id=p.ring_id, payee_account_id=p.account_id, minutes=minutes,
            memo="Storno", reverses=(payee_half, payer_half), require_active=False))
        if done is not None:
            self.apply(payee, payer, minutes)
            self.reversed.add(index)

    @rule(link=st.sampled_from(sorted(CREDIT)))
    def pause_or_resume(self, link):
        status = "paused" if link in self.active else "active"

        def change(session):
            session.get(Partnership, self.partnerships[link]).status = status
        atomic(change)
        (self.active.discard if status == "paused" else self.active.add)(link)

    # -- the invariants ---------------------------------------------------------
    @invariant()
    def every_ring_is_sound(self):
        for ring in self.rings.values():
            assert_ledger_sound(ring.id)

    @invariant()
    def clearing_accounts_mirror_within_the_credit_line(self):
        for (x, y), credit in CREDIT.items():
            audit_x = {p["ring"]: p for p in fresh_audit(self.rings[x].id)["partners"]}
            audit_y = {p["ring"]: p for p in fresh_audit(self.rings[y].id)["partners"]}
            mine, theirs = audit_x[self.rings[y].slug], audit_y[self.rings[x].slug]
            assert mine["mirrored"] and theirs["mirrored"]
            assert mine["clearing_balance"] == -theirs["clearing_balance"] == \
                self.clearing[(x, y)]
            assert abs(mine["clearing_balance"]) <= credit

    @invariant()
    def balances_match_the_model(self):
        db.session.rollback()
        for key, person in self.members.items():
            stored = ledger_facts(person.ring_id).balances[person.account_id]
            assert stored == self.balance[key], key


@pytest.mark.slow
def test_random_trading_across_rings_keeps_every_ring_sound(world):
    run_state_machine_as_test(lambda: PartnerMachine(world), settings=settings(
        max_examples=8, stateful_step_count=25, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
