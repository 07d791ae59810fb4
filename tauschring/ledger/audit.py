"""The audit: recompute the ledger of a ring from its transfers and compare.

Checks that (1) every stored balance equals both the sum of the ring's
transfers and the sum of the account's entries, (2) every transfer has
exactly its two entries and every entry's balance_after is its running sum,
(3) the balances sum to zero, and (4) the hash chain verifies from the first
transfer to the ring's recorded head, and (5) each partner ring's clearing
account mirrors this ring's (tauschring.partners). Any difference is named.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from tauschring.auditlog import LoggedAction
from tauschring.ledger.chain import GENESIS_HASH, digest
from tauschring.ledger.models import Account, Transfer
from tauschring.ledger.service import effective_limits
from tauschring.partners.clearing import mirror_report
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
    connection = session.connection()
    chain, from_transfers = _walk_chain(connection, ring)
    entries, from_entries = _walk_entries(connection, ring_id, chain["length"])
    mismatched = []
    for account in accounts:
        recomputed = from_transfers.get(account.id, 0)
        entry_sum = from_entries.get(account.id, 0)
        if account.balance != recomputed or entry_sum != recomputed:
            mismatched.append({"account_id": account.id, "balance": account.balance,
                               "recomputed": recomputed, "entries_sum": entry_sum})
    sum_of_balances = sum(a.balance for a in accounts)
    partners = mirror_report(session, ring_id)
    return {
        "ok": sum_of_balances == 0 and not mismatched and entries["ok"] and chain["ok"]
        and all(p["mirrored"] for p in partners),
        "ring_id": ring_id,
        "accounts": len(accounts),
        "transfers": chain["length"],
        "sum_of_balances": sum_of_balances,
        "mismatched_accounts": mismatched[:LIST_LIMIT],
        "limit_violations": _limit_violations(session, ring, accounts),
        "entries": entries,
        "chain": chain,
        "partners": partners,
    }


# The two long walks read plain driver rows: over a million transfers, the
# ORM's per-row work would cost more than hashing them.
CHAIN_ROWS = text(
    "SELECT id, seq, debit_account_id, credit_account_id, minutes, memo, {booked_at}, "
    "booked_by_id, exchange_id, reverses_id, override_reason, hash "
    "FROM transfers WHERE ring_id = :ring_id ORDER BY seq")
# PostgreSQL hands the moment over as the text SQLite stores, which the hash
# reads without building a datetime for each of a million rows.
BOOKED_AT = {"postgresql": "to_char(booked_at AT TIME ZONE 'UTC', "
                           "'YYYY-MM-DD HH24:MI:SS.US')"}
# "+account_id" keeps SQLite from walking the account index and sorting by id.
ENTRY_ROWS = text(
    "SELECT id, account_id, minutes, balance_after FROM entries "
    "WHERE +account_id IN (SELECT id FROM accounts WHERE ring_id = :ring_id) ORDER BY id")
UNPAIRED = text("""
    SELECT t.id FROM transfers t WHERE t.ring_id = :ring_id AND NOT EXISTS (
      SELECT 1 FROM entries e WHERE e.transfer_id = t.id AND e.account_id = t.debit_account_id
      AND e.counterparty_account_id = t.credit_account_id AND e.minutes = -t.minutes
      AND e.booked_at = t.booked_at)
    UNION ALL
    SELECT t.id FROM transfers t WHERE t.ring_id = :ring_id AND NOT EXISTS (
      SELECT 1 FROM entries e WHERE e.transfer_id = t.id AND e.account_id = t.credit_account_id
      AND e.counterparty_account_id = t.debit_account_id AND e.minutes = t.minutes
      AND e.booked_at = t.booked_at)
    LIMIT :limit""")


def _rows(connection, statement, **params):
    """Stream plain driver rows in batches (a server-side cursor on PostgreSQL).

    The walks read up to millions of rows; SQLAlchemy's result objects would
    cost more than the checks themselves, so this talks to the driver.
    """
    driver = connection.connection.driver_connection
    sql = statement.text.replace(
        "{booked_at}", BOOKED_AT.get(connection.dialect.name, "booked_at"))
    if connection.dialect.name == "postgresql":
        for name in params:
            sql = sql.replace(f":{name}", f"%({name})s")
        cursor = driver.cursor(name="tauschring_audit")
    else:
        cursor = driver.cursor()
    try:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(CHAIN_BATCH):
            yield from batch
    finally:
        cursor.close()


def _walk_chain(connection, ring: Ring) -> tuple[dict, dict[int, int]]:
    """Recompute every hash in chain order; sum each account's transfers on the way."""
    sums: dict[int, int] = defaultdict(int)
    prev, length, first_bad, problem = GENESIS_HASH, 0, None, None
    ring_id = ring.id
    for (tid, seq, debit, credit, minutes, memo, booked_at, booked_by, exchange, reverses,
         override, stored) in _rows(connection, CHAIN_ROWS, ring_id=ring_id):
        length += 1
        sums[debit] -= minutes
        sums[credit] += minutes
        if first_bad is not None:
            continue
        if seq != length:
            first_bad, problem = tid, "sequence_gap"
            continue
        if digest(prev, ring_id, seq, debit, credit, minutes, memo, booked_at, booked_by,
                  exchange, reverses, override) != stored:
            first_bad, problem = tid, "hash_mismatch"
        prev = stored
    if first_bad is None and (length != ring.chain_length or prev != ring.chain_head):
        problem = "head_mismatch"
    chain = {"ok": problem is None, "length": length, "head": ring.chain_head,
             "first_bad_transfer_id": first_bad, "problem": problem}
    return chain, sums


def _walk_entries(connection, ring_id: int, transfer_count: int) -> tuple[dict, dict[int, int]]:
    """Each transfer has its debit and credit entry, and running sums hold."""
    running: dict[int, int] = defaultdict(int)
    count, bad_running = 0, []
    for entry_id, account_id, minutes, balance_after in _rows(connection, ENTRY_ROWS,
                                                              ring_id=ring_id):
        count += 1
        running[account_id] += minutes
        if running[account_id] != balance_after and len(bad_running) < LIST_LIMIT:
            bad_running.append(entry_id)
    missing = connection.execute(UNPAIRED, {"ring_id": ring_id, "limit": LIST_LIMIT}).scalars()
    missing = sorted(set(missing))
    ok = not missing and not bad_running and count == 2 * transfer_count
    entries = {"ok": ok, "count": count, "transfers_without_matching_entries": missing,
               "entries_with_wrong_balance_after": bad_running}
    return entries, running


def verify_chain(session: Session, ring: Ring) -> dict:
    """Walk the ring's transfers in chain order and recompute every hash."""
    return _walk_chain(session.connection(), ring)[0]


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
