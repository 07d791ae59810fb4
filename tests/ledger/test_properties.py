"""Random sequences of ledger operations keep every invariant an auditor checks.

A Hypothesis state machine drives the ledger service (book,
book_by_coordinator, reverse, set_limits), each call in its own `atomic`
unit, on SQLite and on PostgreSQL. It keeps its own model of the ledger
(balances, transfers, limits, overrides) and predicts which requests must be
refused and why. After every step:

- each refused request changed nothing (balances, limits, transfers, entries,
  chain head, audit log);
- the ring sums to zero, every stored balance equals the sum of its entries
  and of its transfers, running balances hold;
- no balance lies outside its limits unless an override was recorded;
- the audit (`audit_ring`) is ok and the hash chain verifies;
- the stored ledger equals the model.

Each Hypothesis example works in a ring of its own (rings are independent).
"""

from __future__ import annotations

import itertools

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from tauschring.actors import Actor
from tauschring.config import Settings
from tauschring.db import atomic
from tauschring.errors import Conflict, DomainError, Forbidden, Invalid, NotFound
from tauschring.ledger import service
from tauschring.ledger.service import UNSET, open_account

MAX_MINUTES = Settings.max_transfer_minutes  # the tests' app uses the default
_slugs = itertools.count()

# Account slots the rules pick from; the open ones come first.
ASSOCIATION, COORDINATOR, ANNA, BERT, CLARA, CLOSED, PENDING, FOREIGN = range(8)
OPEN_SLOTS = (ASSOCIATION, COORDINATOR, ANNA, BERT, CLARA)

# Two different open accounts (the same account twice is tried by the *_anything rules).
open_pair = st.tuples(st.integers(0, len(OPEN_SLOTS) - 1), st.integers(1, len(OPEN_SLOTS) - 1)
                      ).map(lambda p: (OPEN_SLOTS[p[0]], OPEN_SLOTS[(p[0] + p[1]) % 5]))
any_slot = st.integers(0, FOREIGN)
amount = st.integers(1, 240)
odd_amount = st.sampled_from([0, -1, -90, MAX_MINUTES, MAX_MINUTES + 1, 2.5, True])
reason_st = st.sampled_from([None, "", "   ", "Härtefall, mit dem Vorstand abgestimmt"])
limit_st = st.one_of(st.just(UNSET), st.none(), st.integers(-400, 600))
odd_limit = st.sampled_from([1.5, True, "60"])  # not whole numbers of minutes

CODES_BY_CLASS = {
    "coordinator_only": Forbidden, "account_not_found": (Invalid, NotFound),
    "transfer_not_found": NotFound, "already_reversed": Conflict,
    "reversal_not_reversible": Conflict,
}


def stripped(text):
    return (text or "").strip()


class LedgerMachine(RuleBasedStateMachine):
    """One ring, its coordinator and members, and a model of its ledger."""

    def __init__(self, world, foreign):
        super().__init__()
        self.world = world
        self.foreign = foreign  # (ring, account id, transfer id) of another ring

    # -- set up ---------------------------------------------------------------

    @initialize(low=st.one_of(st.none(), st.integers(-300, 0)),
                high=st.one_of(st.none(), st.integers(0, 400)))
    def open_ring(self, low, high):
        world = self.world
        self.ring = world.ring(f"prop-{next(_slugs)}", min_balance=low, max_balance=high)
        self.ring_defaults = (low, high)
        self.coordinator = world.coordinator(self.ring)
        self.plain_member = world.member(self.ring, "Anna")
        bert, clara = world.member(self.ring, "Bert"), world.member(self.ring, "Clara")
        pending = world.member(self.ring, "Paul", status="pending")
        closed = atomic(lambda s: open_account(s, ring_id=self.ring.id, status="closed").id)
        self.accounts = [self.ring.association_account_id, self.coordinator.account_id,
                         self.plain_member.account_id, bert.account_id, clara.account_id,
                         closed, pending.account_id, self.foreign[1]]
        self.kind = {a: "member" for a in self.accounts}
        self.kind[self.ring.association_account_id] = "association"
        self.status = {a: "open" for a in self.accounts[:5]}
        self.status.update({closed: "closed", pending.account_id: "pending"})
        # The model.
        self.balance = {a: 0 for a in self.accounts[:7]}
        self.own_limits = {a: (None, None) for a in self.accounts[:7]}
        self.transfers: dict[int, tuple] = {}  # id -> (debit, credit, minutes, reverses_id)
        self.reversed: set[int] = set()
        self.overridden: set[int] = set()

    # -- the model's rules ------------------------------------------------------

    def limits(self, account_id):
        low, high = self.own_limits[account_id]
        if self.kind[account_id] == "member":
            low = self.ring_defaults[0] if low is None else low
            high = self.ring_defaults[1] if high is None else high
        return low, high

    def booking_refusals(self, debit, credit, minutes, override: bool) -> set[str]:
        """Every reason the ledger has to refuse this booking (empty: book it)."""
        reasons = set()
        if isinstance(minutes, bool) or not isinstance(minutes, int):
            reasons.add("minutes_not_integer")
        elif minutes <= 0:
            reasons.add("amount_must_be_positive")
        elif minutes > MAX_MINUTES:
            reasons.add("amount_too_large")
        if debit == credit:
            reasons.add("same_account")
        for account in (debit, credit):
            if account not in self.balance:
                reasons.add("account_not_found")
            elif self.status[account] != "open":
                reasons.add("account_not_open")
        if reasons or override:
            return reasons
        low = self.limits(debit)[0]
        if low is not None and self.balance[debit] - minutes < low:
            reasons.add("exceeds_min_balance")
        high = self.limits(credit)[1]
        if high is not None and self.balance[credit] + minutes > high:
            reasons.add("exceeds_max_balance")
        return reasons

    def attempt(self, expected: set[str], call):
        """Run `call` in a unit of work; it must be refused exactly when expected."""
        before = self.auditor.facts(self.ring.id).snapshot()
        try:
            result = atomic(call)
        except DomainError as refusal:
            assert expected, f"refused without cause: {refusal.code}: {refusal.message}"
            assert refusal.code in expected, (refusal.code, expected)
            wanted = CODES_BY_CLASS.get(refusal.code, Invalid)
            assert isinstance(refusal, wanted), (refusal, wanted)
            after = self.auditor.facts(self.ring.id).snapshot()
            assert after == before, "a refused request changed the ledger"
            return None
        assert not expected, f"accepted although it should be refused: {expected}"
        return result

    def record(self, transfer, debit, credit, minutes, reverses_id, override_reason):
        assert (transfer.debit_account_id, transfer.credit_account_id, transfer.minutes,
                transfer.reverses_id) == (debit, credit, minutes, reverses_id)
        assert transfer.override_reason == override_reason
        assert transfer.id not in self.transfers
        self.transfers[transfer.id] = (debit, credit, minutes, reverses_id)
        self.balance[debit] -= minutes
        self.balance[credit] += minutes
        if override_reason is not None:
            self.overridden.update((debit, credit))
        if reverses_id is not None:
            self.reversed.add(reverses_id)

    # -- rules ----------------------------------------------------------------

    @rule(pair=open_pair, minutes=amount, reason=reason_st)
    def book_directly(self, pair, minutes, reason):
        """service.book: what exchanges and starting credits use."""
        self.book_directly_(*pair, minutes, reason)

    @rule(debit=any_slot, credit=any_slot, minutes=st.one_of(amount, odd_amount),
          reason=reason_st)
    def book_directly_anything(self, debit, credit, minutes, reason):
        self.book_directly_(debit, credit, minutes, reason)

    def book_directly_(self, debit, credit, minutes, reason):
        debit_id, credit_id = self.accounts[debit], self.accounts[credit]
        override = stripped(reason) or None
        expected = self.booking_refusals(debit_id, credit_id, minutes, override is not None)
        transfer = self.attempt(expected, lambda s: service.book(
            s, ring_id=self.ring.id, debit_account_id=debit_id, credit_account_id=credit_id,
            minutes=minutes, memo="  Tausch  ", override_reason=reason))
        if transfer is not None:
            assert transfer.memo == "Tausch"
            self.record(transfer, debit_id, credit_id, minutes, None, override)

    @rule(pair=open_pair, minutes=amount, override=st.booleans(), reason=reason_st)
    def book_by_coordinator(self, pair, minutes, override, reason):
        """service.book_by_coordinator: manual bookings, perhaps past a limit."""
        self.book_by_coordinator_(*pair, minutes, "Startguthaben", override, reason,
                                  as_member=False)

    @rule(pair=open_pair, side=st.sampled_from(["debit", "credit"]), beyond=st.integers(0, 1),
          reason=reason_st)
    def book_to_the_limit(self, pair, side, beyond, reason):
        """Exactly up to the debit's minimum or the credit's maximum, or one minute past."""
        debit, credit = pair
        if side == "debit":
            low = self.limits(self.accounts[debit])[0]
            gap = None if low is None else self.balance[self.accounts[debit]] - low
        else:
            high = self.limits(self.accounts[credit])[1]
            gap = None if high is None else high - self.balance[self.accounts[credit]]
        minutes = 60 if gap is None else gap + beyond
        self.book_by_coordinator_(debit, credit, minutes, "bis zur Grenze", reason is not None,
                                  reason, as_member=False)

    @rule(debit=any_slot, credit=any_slot, minutes=st.one_of(amount, odd_amount),
          memo=st.sampled_from(["Gebühr", "", "  "]), override=st.booleans(),
          reason=reason_st, as_member=st.booleans())
    def book_by_coordinator_anything(self, debit, credit, minutes, memo, override, reason,
                                     as_member):
        self.book_by_coordinator_(debit, credit, minutes, memo, override, reason, as_member)

    def book_by_coordinator_(self, debit, credit, minutes, memo, override, reason, as_member):
        debit_id, credit_id = self.accounts[debit], self.accounts[credit]
        actor = (self.plain_member if as_member else self.coordinator).actor
        if as_member:
            expected = {"coordinator_only"}
        else:
            expected = self.booking_refusals(debit_id, credit_id, minutes, override)
            if not stripped(memo):
                expected.add("memo_required")
            if override and not stripped(reason):
                expected.add("override_needs_reason")
                expected |= self.booking_refusals(debit_id, credit_id, minutes, False)
        transfer = self.attempt(expected, lambda s: service.book_by_coordinator(
            s, actor, debit_account_id=debit_id, credit_account_id=credit_id,
            minutes=minutes, memo=memo, override_limits=override, reason=reason))
        if transfer is not None:
            assert transfer.booked_by_id == self.coordinator.id
            self.record(transfer, debit_id, credit_id, minutes, None,
                        stripped(reason) if override else None)

    @precondition(lambda self: self.transfers)
    @rule(pick=st.integers(0, 10_000), override=st.booleans(),
          fault=st.sampled_from([None] * 5 + ["again", "unknown", "other ring",
                                               "no reason", "by a member"]))
    def reverse(self, pick, override, fault):
        self.reverse_(pick, override, fault)

    def reverse_(self, pick, override, fault):
        """Reverse a transfer: once only, never a reversal, limits still apply.

        With a `fault`: a second reversal (a conflict, even with an override), a
        transfer that does not exist here, no reason, or a member instead of a
        coordinator."""
        ids = sorted(self.transfers)
        transfer_id = ids[pick % len(ids)]
        debit, credit, minutes, reverses_id = self.transfers[transfer_id]
        reason, actor = "Fehlbuchung", self.coordinator.actor
        if fault == "again" and self.reversed:
            transfer_id = sorted(self.reversed)[pick % len(self.reversed)]
            override, expected = True, {"already_reversed"}
        elif fault == "by a member":
            actor, expected = self.plain_member.actor, {"coordinator_only"}
        elif fault == "no reason":
            reason, expected = " ", {"reason_required"}
        elif fault in ("unknown", "other ring"):
            transfer_id = 10**9 if fault == "unknown" else self.foreign[2]
            expected = {"transfer_not_found"}
        elif reverses_id is not None:
            expected = {"reversal_not_reversible"}
        elif transfer_id in self.reversed:
            expected = {"already_reversed"}
        else:
            expected = self.booking_refusals(credit, debit, minutes, override)
        reversal = self.attempt(expected, lambda s: service.reverse(
            s, actor, transfer_id=transfer_id, reason=reason, override_limits=override))
        if reversal is not None:
            assert reversal.memo.startswith(f"Reversal of transfer {transfer_id}")
            self.record(reversal, credit, debit, minutes, transfer_id,
                        reason if override else None)

    @precondition(lambda self: set(self.transfers) - self.reversed)
    @rule(override=st.booleans())
    def reverse_latest(self, override):
        """Undo the newest transfer that is not reversed yet (or reverse a reversal)."""
        latest = max(set(self.transfers) - self.reversed)
        self.reverse_(sorted(self.transfers).index(latest), override, None)

    @rule(which=st.sampled_from(OPEN_SLOTS + (CLOSED,)), low=limit_st, high=limit_st,
          override=st.booleans(), reason=reason_st)
    def set_limits(self, which, low, high, override, reason):
        self.set_limits_(which, low, high, override, reason, as_member=False)

    @rule(which=any_slot, low=st.one_of(limit_st, odd_limit),
          high=st.one_of(limit_st, odd_limit), override=st.booleans(), reason=reason_st,
          as_member=st.booleans())
    def set_limits_anything(self, which, low, high, override, reason, as_member):
        self.set_limits_(which, low, high, override, reason, as_member)

    def set_limits_(self, which, low, high, override, reason, as_member):
        account_id = self.accounts[which]
        actor = (self.plain_member if as_member else self.coordinator).actor
        expected = set()
        if any(v is not UNSET and v is not None and (isinstance(v, bool) or not isinstance(
                v, int)) for v in (low, high)):
            expected.add("limit_not_integer")
        if account_id not in self.balance:
            expected.add("account_not_found")
        if as_member:  # who may act is settled before what is asked
            expected = {"coordinator_only"}
        breached = False
        if not expected:
            saved = self.own_limits[account_id]
            new = (saved[0] if low is UNSET else low, saved[1] if high is UNSET else high)
            self.own_limits[account_id] = new
            eff_low, eff_high = self.limits(account_id)
            self.own_limits[account_id] = saved
            balance = self.balance[account_id]
            if eff_low is not None and eff_high is not None and eff_low > eff_high:
                expected.add("limits_crossed")
            else:
                breached = (eff_low is not None and balance < eff_low) or (
                    eff_high is not None and balance > eff_high)
                if breached and not override:
                    expected.add("limits_exclude_balance")
                elif breached and not stripped(reason):
                    expected.add("override_needs_reason")
        kwargs = {}
        if low is not UNSET:
            kwargs["min_balance"] = low
        if high is not UNSET:
            kwargs["max_balance"] = high
        account = self.attempt(expected, lambda s: service.set_limits(
            s, actor, account_id=account_id, override_limits=override, reason=reason,
            **kwargs))
        if account is not None:
            self.own_limits[account_id] = new
            assert (account.min_balance, account.max_balance) == new
            if breached:
                self.overridden.add(account_id)

    # -- after every step -------------------------------------------------------

    @invariant()
    def ledger_is_sound_and_matches_the_model(self):
        if not hasattr(self, "ring"):
            return
        facts = self.auditor.assert_sound(self.ring.id, overridden=self.overridden)
        assert facts.balances == self.balance
        assert {a: facts.limits[a] for a in self.own_limits} == self.own_limits
        stored = {t.id: (t.debit_account_id, t.credit_account_id, t.minutes, t.reverses_id)
                  for t in facts.transfers.values()}
        assert stored == self.transfers
        # The other ring is untouched by anything done here.
        assert self.auditor.facts(self.foreign[0].id).balances[self.foreign[1]] == 30


def run_machine(world, auditor, *, examples: int, steps: int):
    foreign_ring = world.ring(f"elsewhere-{next(_slugs)}")
    olga = world.member(foreign_ring, "Olga")
    foreign_transfer = atomic(lambda s: service.book(
        s, ring_id=foreign_ring.id, debit_account_id=foreign_ring.association_account_id,
        credit_account_id=olga.account_id, minutes=30, memo="Startguthaben").id)
    foreign = (foreign_ring, olga.account_id, foreign_transfer)

    def factory():
        machine = LedgerMachine(world, foreign)
        machine.auditor = auditor
        return machine

    run_state_machine_as_test(factory, settings=settings(
        max_examples=examples, stateful_step_count=steps, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    ))


@pytest.mark.slow
def test_random_operations_keep_the_ledger_sound(world, auditor):
    run_machine(world, auditor, examples=12, steps=30)


def test_refused_requests_leave_no_trace(world, auditor):
    """A hand-picked sequence: each refusal named, nothing changed."""
    ring = world.ring("fixed", min_balance=-100, max_balance=100)
    karin = world.coordinator(ring)
    anna, bert = world.member(ring, "Anna"), world.member(ring, "Bert")
    before = auditor.facts(ring.id).snapshot()

    def refused(code, call):
        with pytest.raises(DomainError) as caught:
            atomic(call)
        assert caught.value.code == code
        assert auditor.facts(ring.id).snapshot() == before

    a, b = anna.account_id, bert.account_id
    refused("exceeds_min_balance", lambda s: service.book(
        s, ring_id=ring.id, debit_account_id=a, credit_account_id=b, minutes=101))
    refused("exceeds_max_balance", lambda s: service.book(
        s, ring_id=ring.id, debit_account_id=ring.association_account_id,
        credit_account_id=b, minutes=101))
    refused("amount_must_be_positive", lambda s: service.book(
        s, ring_id=ring.id, debit_account_id=a, credit_account_id=b, minutes=0))
    refused("same_account", lambda s: service.book(
        s, ring_id=ring.id, debit_account_id=a, credit_account_id=a, minutes=5))
    refused("override_needs_reason", lambda s: service.book_by_coordinator(
        s, karin.actor, debit_account_id=a, credit_account_id=b, minutes=500, memo="x",
        override_limits=True, reason=" "))

    def book_then_narrow(session):  # one unit of work: all of it or nothing
        service.book(session, ring_id=ring.id, debit_account_id=a, credit_account_id=b,
                     minutes=50)
        service.set_limits(session, karin.actor, account_id=a, min_balance=-10)

    refused("limits_exclude_balance", book_then_narrow)
    refused("coordinator_only", lambda s: service.set_limits(
        s, Actor(ring.id, anna.id, "member", a), account_id=a, min_balance=-10))

    # The same booking with a reason is accepted, audited and explained.
    atomic(lambda s: service.book_by_coordinator(
        s, karin.actor, debit_account_id=a, credit_account_id=b, minutes=150, memo="Umzug",
        override_limits=True, reason="Vorstand hat zugestimmt"))
    facts = auditor.assert_sound(ring.id, overridden={a, b})
    assert facts.balances[a] == -150 and facts.balances[b] == 150
    violations = auditor.audit(ring.id)["limit_violations"]
    assert sorted((v["account_id"], v["override_recorded"]) for v in violations) == [
        (a, True), (b, True)]
