"""The audit: recompute the ledger of a ring from its transfers and compare.

Checks that (1) every stored balance equals both the sum of the ring's
transfers and the sum of the account's entries, (2) every transfer has
exactly its two entries and every entry's balance_after is its running sum,
(3) the balances sum to zero, and (4) the hash chain verifies from the first
transfer to the ring's recorded head. Any difference is named.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import and_, func, literal, select, union_all
from sqlalchemy.orm import Session

from tauschring.auditlog import LoggedAction
from tauschring.ledger.chain import GENESIS_HASH, transfer_hash
from tauschring.ledger.models import Account, Entry, Transfer
from tauschring.ledger.service import effective_limits
from tauschring.rings.models import Ring

CHAIN_BATCH = 20_000
LIST_LIMIT = 100


def audit_ring(session: Session, ring_id: int) -> dict:
    """Audit one ring as it stands in one consistent moment.

    On PostgreSQL the audit reads a snapshot (REPEATABLE READ) on a connection
    of its own: under READ COMMITTED every query would see the bookings
    committed in between, and an audit taken during traffic would report
    mismatches and a broken chain that do not exist. (SQLite's read
    transaction is a snapshot already.) The audit sees committed data only.
    """
    bind = session.get_bind(mapper=Transfer)
    if bind.dialect.name != "postgresql":
        return _audit_ring(session, ring_id)
    engine = getattr(bind, "engine", bind)
    with engine.connect() as connection:
        connection.execution_options(isolation_level="REPEATABLE READ")
        with Session(bind=connection) as snapshot:
            return _audit_ring(snapshot, ring_id)


def _audit_ring(session: Session, ring_id: int) -> dict:
    ring = session.get(Ring, ring_id)
    accounts = session.scalars(select(Account).where(Account.ring_id == ring_id)
                               .order_by(Account.id)).all()
    from_transfers = _balances_from_transfers(session, ring_id)
    from_entries = _balances_from_entries(session, ring_id)
    mismatched = []
    for account in accounts:
        recomputed = from_transfers.get(account.id, 0)
        entry_sum = from_entries.get(account.id, 0)
        if account.balance != recomputed or entry_sum != recomputed:
            mismatched.append({"account_id": account.id, "balance": account.balance,
                               "recomputed": recomputed, "entries_sum": entry_sum})
    sum_of_balances = sum(a.balance for a in accounts)
    entries = _check_entries(session, ring_id)
    chain = verify_chain(session, ring)
    return {
        "ok": sum_of_balances == 0 and not mismatched and entries["ok"] and chain["ok"],
        "ring_id": ring_id,
        "accounts": len(accounts),
        "transfers": chain["length"],
        "sum_of_balances": sum_of_balances,
        "mismatched_accounts": mismatched[:LIST_LIMIT],
        "limit_violations": _limit_violations(session, ring, accounts),
        "entries": entries,
        "chain": chain,
    }


def _balances_from_transfers(session: Session, ring_id: int) -> dict[int, int]:
    credits = select(Transfer.credit_account_id.label("account_id"),
                     Transfer.minutes.label("minutes")).where(Transfer.ring_id == ring_id)
    debits = select(Transfer.debit_account_id.label("account_id"),
                    (literal(0) - Transfer.minutes).label("minutes")
                    ).where(Transfer.ring_id == ring_id)
    moves = union_all(credits, debits).subquery()
    rows = session.execute(select(moves.c.account_id, func.sum(moves.c.minutes))
                           .group_by(moves.c.account_id))
    return {account_id: int(total) for account_id, total in rows}


def _ring_entries(ring_id: int):
    return select(Account.id).where(Account.ring_id == ring_id).scalar_subquery()


def _balances_from_entries(session: Session, ring_id: int) -> dict[int, int]:
    rows = session.execute(select(Entry.account_id, func.sum(Entry.minutes))
                           .where(Entry.account_id.in_(_ring_entries(ring_id)))
                           .group_by(Entry.account_id))
    return {account_id: int(total) for account_id, total in rows}


def _check_entries(session: Session, ring_id: int) -> dict:
    """Each transfer has its debit and credit entry, and running sums hold."""
    def side(account_col, counter_col, sign):
        return (select(Transfer.id).where(Transfer.ring_id == ring_id).where(
            ~select(Entry.id).where(and_(
                Entry.transfer_id == Transfer.id, Entry.account_id == account_col,
                Entry.counterparty_account_id == counter_col,
                Entry.minutes == sign * Transfer.minutes,
                Entry.booked_at == Transfer.booked_at)).exists()))

    missing = session.scalars(
        union_all(side(Transfer.debit_account_id, Transfer.credit_account_id, -1),
                  side(Transfer.credit_account_id, Transfer.debit_account_id, 1))
        .limit(LIST_LIMIT)).all()
    transfer_count = session.scalar(select(func.count()).where(Transfer.ring_id == ring_id))
    entry_count = session.scalar(select(func.count(Entry.id)).where(
        Entry.account_id.in_(_ring_entries(ring_id))))
    running = func.sum(Entry.minutes).over(partition_by=Entry.account_id, order_by=Entry.id)
    walk = (select(Entry.id, Entry.balance_after, running.label("running"))
            .where(Entry.account_id.in_(_ring_entries(ring_id))).subquery())
    bad_running = session.scalars(select(walk.c.id).where(walk.c.balance_after != walk.c.running)
                                  .order_by(walk.c.id).limit(LIST_LIMIT)).all()
    ok = not missing and not bad_running and entry_count == 2 * transfer_count
    return {"ok": ok, "count": entry_count,
            "transfers_without_matching_entries": sorted(set(missing)),
            "entries_with_wrong_balance_after": list(bad_running)}


def verify_chain(session: Session, ring: Ring) -> dict:
    """Walk the ring's transfers in chain order and recompute every hash."""
    columns = (Transfer.id, Transfer.seq, Transfer.debit_account_id, Transfer.credit_account_id,
               Transfer.minutes, Transfer.memo, Transfer.booked_at, Transfer.booked_by_id,
               Transfer.exchange_id, Transfer.reverses_id, Transfer.override_reason,
               Transfer.hash)
    result = session.execute(
        select(*columns).where(Transfer.ring_id == ring.id).order_by(Transfer.seq)
        .execution_options(yield_per=CHAIN_BATCH))
    prev, length, first_bad, problem = GENESIS_HASH, 0, None, None
    for (tid, seq, debit, credit, minutes, memo, booked_at, booked_by, exchange, reverses,
         override, stored) in result:
        length += 1
        if first_bad is not None:
            continue
        if seq != length:
            first_bad, problem = tid, "sequence_gap"
            continue
        expected = transfer_hash(prev, ring_id=ring.id, seq=seq, debit_account_id=debit,
                                 credit_account_id=credit, minutes=minutes, memo=memo,
                                 booked_at=booked_at, booked_by_id=booked_by,
                                 exchange_id=exchange, reverses_id=reverses,
                                 override_reason=override)
        if expected != stored:
            first_bad, problem = tid, "hash_mismatch"
        prev = stored
    if first_bad is None and (length != ring.chain_length or prev != ring.chain_head):
        problem = "head_mismatch"
    return {"ok": problem is None, "length": length, "head": ring.chain_head,
            "first_bad_transfer_id": first_bad, "problem": problem}


def _limit_violations(session: Session, ring: Ring, accounts: list[Account]) -> list[dict]:
    outside = []
    for account in accounts:
        low, high = effective_limits(account, ring)
        if (low is not None and account.balance < low) or (
                high is not None and account.balance > high):
            outside.append((account, low, high))
    if not outside:
        return []
    ids = [a.id for a, _, _ in outside]
    overridden: dict[int, bool] = defaultdict(bool)
    for debit, credit in session.execute(
            select(Transfer.debit_account_id, Transfer.credit_account_id).where(
                Transfer.ring_id == ring.id, Transfer.override_reason.is_not(None))):
        overridden[debit] = overridden[credit] = True
    for subject, in session.execute(select(LoggedAction.subject).where(
            LoggedAction.ring_id == ring.id, LoggedAction.action == "account.limits",
            LoggedAction.detail.contains('"override": true'))):
        overridden[int(subject.split(":")[1])] = True
    return [{"account_id": a.id, "balance": a.balance, "min_balance": low,
             "max_balance": high, "override_recorded": overridden[a.id]}
            for a, low, high in outside if a.id in ids][:LIST_LIMIT]
