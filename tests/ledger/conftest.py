"""Helpers for the ledger invariant tests: an auditor's independent look.

`ledger_facts` reads what is stored with plain SQL (not through the audit or
the ORM's identity map), so the tests can compare the audit, the service and
the raw tables with each other.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
import sqlalchemy as sa

from tauschring.db import db
from tauschring.ledger.audit import audit_ring


@dataclass(frozen=True)
class TransferRow:
    id: int
    seq: int
    debit_account_id: int
    credit_account_id: int
    minutes: int
    reverses_id: int | None
    override_reason: str | None


@dataclass(frozen=True)
class LedgerFacts:
    """What an auditor reads from the tables of one ring."""

    balances: dict[int, int]                 # account id -> stored balance
    limits: dict[int, tuple]                 # account id -> (own min, own max)
    statuses: dict[int, str]
    kinds: dict[int, str]
    ring_limits: tuple                       # (default min, default max)
    transfers: dict[int, TransferRow]
    entries: list[tuple]                     # (id, transfer_id, account, counter, minutes,
                                             #  balance_after)
    chain_length: int
    chain_head: str
    limit_log: list[tuple]                   # (subject, detail) of account.limits actions

    def snapshot(self) -> tuple:
        """Everything a refused request must leave exactly as it was."""
        return (self.balances, self.limits, self.statuses, sorted(self.transfers),
                len(self.entries), self.chain_length, self.chain_head, len(self.limit_log))


def ledger_facts(ring_id: int) -> LedgerFacts:
    """Read one ring's ledger in one fresh read transaction (a snapshot)."""
    session = db.session
    session.rollback()
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})
    try:
        run = session.execute
        accounts = run(sa.text(
            "SELECT id, balance, min_balance, max_balance, status, kind FROM accounts "
            "WHERE ring_id = :r ORDER BY id"), {"r": ring_id}).all()
        ring = run(sa.text(
            "SELECT default_min_balance, default_max_balance, chain_length, chain_head "
            "FROM rings WHERE id = :r"), {"r": ring_id}).one()
        transfers = run(sa.text(
            "SELECT id, seq, debit_account_id, credit_account_id, minutes, reverses_id, "
            "override_reason FROM transfers WHERE ring_id = :r ORDER BY seq"),
            {"r": ring_id}).all()
        entries = run(sa.text(
            "SELECT e.id, e.transfer_id, e.account_id, e.counterparty_account_id, e.minutes, "
            "e.balance_after FROM entries e JOIN accounts a ON a.id = e.account_id "
            "WHERE a.ring_id = :r ORDER BY e.id"), {"r": ring_id}).all()
        limit_log = run(sa.text(
            "SELECT subject, detail FROM audit_log WHERE ring_id = :r "
            "AND action = 'account.limits' ORDER BY id"), {"r": ring_id}).all()
    finally:
        session.rollback()
    return LedgerFacts(
        balances={a.id: int(a.balance) for a in accounts},
        limits={a.id: (a.min_balance, a.max_balance) for a in accounts},
        statuses={a.id: a.status for a in accounts},
        kinds={a.id: a.kind for a in accounts},
        ring_limits=(ring.default_min_balance, ring.default_max_balance),
        transfers={t.id: TransferRow(t.id, int(t.seq), t.debit_account_id,
                                     t.credit_account_id, int(t.minutes), t.reverses_id,
                                     t.override_reason) for t in transfers},
        entries=[tuple(e) for e in entries],
        chain_length=int(ring.chain_length),
        chain_head=ring.chain_head,
        limit_log=[tuple(row) for row in limit_log],
    )


def limits_in_force(facts: LedgerFacts, account_id: int) -> tuple:
    """Own limits; member accounts fall back to the ring's defaults."""
    own_min, own_max = facts.limits[account_id]
    if facts.kinds[account_id] != "member":
        return own_min, own_max
    low = own_min if own_min is not None else facts.ring_limits[0]
    high = own_max if own_max is not None else facts.ring_limits[1]
    return low, high


def fresh_audit(ring_id: int) -> dict:
    """The audit as a new request would see it (no stale identity map)."""
    db.session.remove()
    try:
        return audit_ring(db.session, ring_id)
    finally:
        db.session.remove()


def assert_ledger_sound(ring_id: int, *, overridden: set[int] | None = None) -> LedgerFacts:
    """Every invariant an auditor checks, computed independently of the audit,
    then the audit itself. `overridden`: accounts allowed outside their limits."""
    facts = ledger_facts(ring_id)
    balances = facts.balances

    # The ring is closed: time is moved, never created.
    assert sum(balances.values()) == 0, balances

    # The chain positions are 1..n without gaps, and the ring's head counts them all.
    assert [t.seq for t in facts.transfers.values()] == list(range(1, len(facts.transfers) + 1))
    assert facts.chain_length == len(facts.transfers)

    # Every transfer: amount > 0, two different accounts of this ring.
    for t in facts.transfers.values():
        assert t.minutes > 0 and t.debit_account_id != t.credit_account_id, t
        assert t.debit_account_id in balances and t.credit_account_id in balances, t

    # Every stored balance equals the sum of its transfers ...
    from_transfers = dict.fromkeys(balances, 0)
    for t in facts.transfers.values():
        from_transfers[t.debit_account_id] -= t.minutes
        from_transfers[t.credit_account_id] += t.minutes
    assert balances == from_transfers

    # ... and the sum of its postings, each posting leaving the running balance.
    from_entries = dict.fromkeys(balances, 0)
    sides: dict[int, list[tuple]] = {}
    for _id, transfer_id, account, counter, minutes, balance_after in facts.entries:
        from_entries[account] += minutes
        assert balance_after == from_entries[account], (transfer_id, account)
        sides.setdefault(transfer_id, []).append((account, counter, minutes))
    assert balances == from_entries
    assert set(sides) == set(facts.transfers)
    for t in facts.transfers.values():
        assert sorted(sides[t.id]) == sorted([
            (t.debit_account_id, t.credit_account_id, -t.minutes),
            (t.credit_account_id, t.debit_account_id, t.minutes)]), t

    # A reversal mirrors its original, and nothing is reversed twice.
    reversed_ids = [t.reverses_id for t in facts.transfers.values() if t.reverses_id]
    assert len(reversed_ids) == len(set(reversed_ids))
    for t in facts.transfers.values():
        if t.reverses_id is not None:
            original = facts.transfers[t.reverses_id]
            assert original.reverses_id is None
            assert (t.debit_account_id, t.credit_account_id, t.minutes) == (
                original.credit_account_id, original.debit_account_id, original.minutes)

    # A balance outside its limits is explained by a recorded override.
    outside = set()
    for account_id, balance in balances.items():
        low, high = limits_in_force(facts, account_id)
        if (low is not None and balance < low) or (high is not None and balance > high):
            outside.add(account_id)
    if overridden is not None:
        assert outside <= overridden, (outside, overridden)

    audit = fresh_audit(ring_id)
    assert audit["ok"] is True, audit
    assert audit["chain"]["ok"] is True and audit["chain"]["problem"] is None
    assert audit["chain"]["length"] == len(facts.transfers) == audit["transfers"]
    assert audit["chain"]["head"] == facts.chain_head
    assert audit["sum_of_balances"] == 0 and audit["mismatched_accounts"] == []
    assert audit["entries"]["ok"] is True
    assert audit["entries"]["count"] == 2 * len(facts.transfers)
    violations = {v["account_id"]: v for v in audit["limit_violations"]}
    assert set(violations) == outside, (violations, outside)
    assert all(v["override_recorded"] for v in violations.values()), violations
    return facts


class Auditor:
    """The helpers above, handed to tests as the `auditor` fixture."""

    facts = staticmethod(ledger_facts)
    limits_in_force = staticmethod(limits_in_force)
    audit = staticmethod(fresh_audit)
    assert_sound = staticmethod(assert_ledger_sound)


@pytest.fixture
def auditor(app):
    return Auditor()
