"""Booking many transfers of one ring at once, and group commit.

`book_many` books a list of requests of one ring in the caller's transaction
with a fixed number of statements, however many there are: it locks all their
accounts (ascending id), then the ring's chain head, checks each request in
order against the running balances, and writes the accepted ones together.
A refused request is answered with its refusal and writes nothing: every check
runs before the first write, so its batch-mates are booked as if it had never
been sent. `tauschring.ledger.service.book` is `book_many` with one request.

`BookingQueue` is group commit: each ring has a queue per process; the
bookings sent to it at the same moment are booked by one of the waiting
threads (the leader) in one transaction -- one lock, one commit, one fsync --
and each caller gets its own transfer or its own refusal. A transfer is
answered only after its commit; when a batch fails in the database (a crash,
a lost connection) nothing of it is stored and nobody was told otherwise;
when it fails for another reason than a retryable conflict, each request is
booked again on its own, so one bad request cannot spoil the others.
"""

from __future__ import annotations

import os
import threading
import time
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC

from sqlalchemy import bindparam, event, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from tauschring.db import MAX_ATTEMPTS, WRITE, driver_cursor, is_retryable, writer_queue
from tauschring.errors import DomainError, Invalid
from tauschring.i18n import _l
from tauschring.ledger.chain import transfer_hash
from tauschring.ledger.models import Account

ACCOUNTS = Account.__table__
# The statements on the driver's own connection (the hot path of the ledger: SQLAlchemy's
# execution would cost more per booking than the database does). Dialect-neutral SQL,
# {p} the driver's placeholder; FOR UPDATE on PostgreSQL only (SQLite's write lock is
# taken by BEGIN IMMEDIATE).
ACCOUNT_LOCK = (select(ACCOUNTS.c.id, ACCOUNTS.c.ring_id, ACCOUNTS.c.kind, ACCOUNTS.c.status,
                       ACCOUNTS.c.balance, ACCOUNTS.c.min_balance, ACCOUNTS.c.max_balance)
                .where(ACCOUNTS.c.id.in_(bindparam("ids", expanding=True)))
                .order_by(ACCOUNTS.c.id).with_for_update())
AccountRow = namedtuple("AccountRow", "id ring_id kind status balance min_balance max_balance")
RingRow = namedtuple("RingRow", "id default_min_balance default_max_balance chain_length "
                                "chain_head")
_ACCOUNTS_SQL = ("SELECT id, ring_id, kind, status, balance, min_balance, max_balance "
                 "FROM accounts WHERE id IN ({ids}) ORDER BY id")
_RING_SQL = ("SELECT id, default_min_balance, default_max_balance, chain_length, chain_head "
             "FROM rings WHERE id = {p}")
_TRANSFER_COLUMNS = ("ring_id", "seq", "debit_account_id", "credit_account_id", "minutes",
                     "memo", "booked_at", "booked_by_id", "exchange_id", "reverses_id",
                     "override_reason", "hash")
_SQLITE_TRANSFER = (f"INSERT INTO transfers ({', '.join(_TRANSFER_COLUMNS)}) "
                    f"VALUES ({', '.join('?' * len(_TRANSFER_COLUMNS))})")
_SQLITE_ENTRY = ("INSERT INTO entries (transfer_id, account_id, counterparty_account_id, "
                 "minutes, balance_after, booked_at) VALUES (?, ?, ?, ?, ?, ?)")
_SQLITE_BALANCE = "UPDATE accounts SET balance = ? WHERE id = ?"
_SQLITE_HEAD = "UPDATE rings SET chain_length = ?, chain_head = ? WHERE id = ?"
# PostgreSQL: every write of a group sent in one pipeline with the COMMIT, one round
# trip. Plain statements (prepared by psycopg after a few uses) cost the server less than
# one statement over arrays (unnest) did. Each transfer's entries follow it, debit side
# first, so their ids follow the running balances and currval names the transfer.
_PG_TRANSFER = (f"INSERT INTO transfers ({', '.join(_TRANSFER_COLUMNS)}) "
                f"VALUES ({', '.join(['%s'] * len(_TRANSFER_COLUMNS))})")
_PG_ENTRIES = ("INSERT INTO entries (transfer_id, account_id, counterparty_account_id, minutes, "
               "balance_after, booked_at) VALUES "
               "(currval(pg_get_serial_sequence('transfers', 'id')), %s, %s, %s, %s, %s), "
               "(currval(pg_get_serial_sequence('transfers', 'id')), %s, %s, %s, %s, %s)")
_PG_BALANCE = "UPDATE accounts SET balance = %s WHERE id = %s"
_PG_HEAD = "UPDATE rings SET chain_length = %s, chain_head = %s WHERE id = %s"
_PG_IDS = "SELECT seq, id FROM transfers WHERE ring_id = %s AND seq > %s"


@dataclass(frozen=True, slots=True)
class Rules:
    """What the service decides for a booking: the limits (and how a refusal reads),
    the clock."""

    check_limits: Callable
    clock: Callable


@dataclass(slots=True)
class Request:
    """One booking asked for, already checked on its own (service.checked_request)."""

    debit_account_id: int
    credit_account_id: int
    minutes: int
    memo: str = ""
    booked_by_id: int | None = None
    exchange_id: int | None = None
    reverses_id: int | None = None
    override_reason: str | None = None
    # A clearing account (partner rings) moves only with its partner ring's mirror
    # booking: tauschring.partners.clearing and tauschring.federation say so here.
    clearing: bool = False


def book_many(connection: Connection, ring_id: int, requests: list[Request],
              rules: Rules, *, commit: bool = False) -> list[dict | DomainError]:
    """Book the requests of one ring, in order, in the connection's transaction.

    Returns for each request either the booked transfer's fields (a dict with
    id, seq, hash, booked_at ...) or its refusal. Writes but does not commit,
    unless `commit` (the queue's own transaction; PostgreSQL: the COMMIT goes in
    the writes' round trip).
    """
    with driver_cursor(connection) as (driver, cursor):
        return _book_many(connection, driver, cursor, ring_id, requests, rules, commit)


def _book_many(connection, driver, cursor, ring_id, requests, rules, commit):
    postgres = connection.dialect.name == "postgresql"
    ids = sorted({i for r in requests for i in (r.debit_account_id, r.credit_account_id)})
    if postgres:
        # Locks in the fixed order (accounts, then the ring), sent together.
        accounts_sql = _ACCOUNTS_SQL.format(ids=", ".join(["%s"] * len(ids)))
        with driver.pipeline():
            cursor.execute(accounts_sql + " FOR UPDATE", ids)
            ring_cursor = driver.cursor()
            ring_cursor.execute(_RING_SQL.format(p="%s") + " FOR UPDATE", (ring_id,))
        account_rows = cursor.fetchall()
        ring_row = ring_cursor.fetchone()
        ring_cursor.close()
    else:
        account_rows = cursor.execute(
            _ACCOUNTS_SQL.format(ids=", ".join("?" * len(ids))), ids).fetchall()
        ring_row = cursor.execute(_RING_SQL.format(p="?"), (ring_id,)).fetchone()
    if ring_row is None:
        raise LookupError(f"ring {ring_id} does not exist")
    accounts = {row[0]: AccountRow(*row) for row in account_rows}
    ring = RingRow(*ring_row)
    balances = {account_id: row.balance for account_id, row in accounts.items()}
    head, seq = ring.chain_head, ring.chain_length
    results: list[dict | DomainError] = []
    transfers: list[dict] = []
    afters: list[tuple[int, int]] = []
    for request in requests:
        try:
            debit = _open_account(accounts, ring_id, request.debit_account_id,
                                  "debit_account_id")
            credit = _open_account(accounts, ring_id, request.credit_account_id,
                                   "credit_account_id")
            if not request.clearing and "clearing" in (debit.kind, credit.kind):
                raise _clearing_refusal(debit)
            debit_after = balances[debit.id] - request.minutes
            credit_after = balances[credit.id] + request.minutes
            if request.override_reason is None:
                rules.check_limits(connection, debit, debit_after, credit, credit_after,
                                   ring)
        except DomainError as refusal:
            results.append(refusal)
            continue
        seq += 1
        fields = dict(ring_id=ring_id, seq=seq, debit_account_id=debit.id,
                      credit_account_id=credit.id, minutes=request.minutes,
                      memo=request.memo, booked_at=rules.clock(),
                      booked_by_id=request.booked_by_id, exchange_id=request.exchange_id,
                      reverses_id=request.reverses_id,
                      override_reason=request.override_reason)
        head = fields["hash"] = transfer_hash(head, **fields)
        balances[debit.id], balances[credit.id] = debit_after, credit_after
        transfers.append(fields)
        afters.append((debit_after, credit_after))
        results.append(fields)
    if transfers:
        touched = sorted({i for t in transfers
                          for i in (t["debit_account_id"], t["credit_account_id"])})
        balances_after = [(i, balances[i]) for i in touched]
        if postgres:
            _write_postgres(driver, cursor, ring_id, transfers, afters, balances_after, seq,
                            head, commit)
        else:
            _write_sqlite(cursor, ring_id, transfers, afters, balances_after, seq, head)
    return results


def _write_sqlite(cursor, ring_id, transfers, afters, balances, length, head) -> None:
    entries = []
    for t, (debit_after, credit_after) in zip(transfers, afters, strict=True):
        stored_at = t["booked_at"].astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        cursor.execute(_SQLITE_TRANSFER, tuple(stored_at if c == "booked_at" else t[c]
                                               for c in _TRANSFER_COLUMNS))
        t["id"] = cursor.lastrowid
        entries += [(t["id"], t["debit_account_id"], t["credit_account_id"], -t["minutes"],
                     debit_after, stored_at),
                    (t["id"], t["credit_account_id"], t["debit_account_id"], t["minutes"],
                     credit_after, stored_at)]
    cursor.executemany(_SQLITE_ENTRY, entries)
    cursor.executemany(_SQLITE_BALANCE, [(balance, i) for i, balance in balances])
    cursor.execute(_SQLITE_HEAD, (length, head, ring_id))


def _write_postgres(driver, cursor, ring_id, transfers, afters, balances, length, head,
                    commit) -> None:
    with driver.pipeline():
        for t, (debit_after, credit_after) in zip(transfers, afters, strict=True):
            cursor.execute(_PG_TRANSFER, tuple(t[c] for c in _TRANSFER_COLUMNS))
            debit, credit, at = t["debit_account_id"], t["credit_account_id"], t["booked_at"]
            cursor.execute(_PG_ENTRIES, (debit, credit, -t["minutes"], debit_after, at,
                                         credit, debit, t["minutes"], credit_after, at))
        cursor.executemany(_PG_BALANCE, [(balance, i) for i, balance in balances])
        cursor.execute(_PG_HEAD, (length, head, ring_id))
        cursor.execute(_PG_IDS, (ring_id, transfers[0]["seq"] - 1))
        if commit:
            driver.commit()  # SQLAlchemy's commit then finds nothing left to do
    id_of = dict(cursor.fetchall())
    for t in transfers:
        t["id"] = id_of[t["seq"]]


def _open_account(accounts: dict, ring_id: int, account_id: int, field: str):
    account = accounts.get(account_id)
    if account is None or account.ring_id != ring_id:
        raise Invalid(_l("Account %(id)s does not exist in this ring.", id=account_id),
                      code="account_not_found", field=field)
    if account.status != "open":
        raise Invalid(_l("This account is closed or not yet open: it takes no bookings."),
                      code="account_not_open", field=field)
    return account


def _clearing_refusal(debit) -> Invalid:
    return Invalid(_l("A clearing account of a partner ring moves only with an exchange "
                      "across the rings, never with a booking in one ring."),
                   code="clearing_account_reserved",
                   field="debit_account_id" if debit.kind == "clearing" else
                   "credit_account_id")


# --- group commit --------------------------------------------------------------------

IDLE_SECONDS = 30  # a queue's connection unused this long goes back to the pool
LEAD_ROUNDS = 2    # groups one leader books in a row (its own caller waits meanwhile)
LEADERS = 1        # groups under way at once, per ring and process
GATHER_SECONDS = 0.002  # at most, after a group of several, for as many to come back


class _Waiter:
    __slots__ = ("request", "done", "outcome", "group")

    def __init__(self, request: Request):
        self.request, self.done, self.outcome = request, threading.Event(), None
        self.group: list[_Waiter] | None = None  # handed over: lead this group


class _Slot:
    """A leader's place: its connection, kept between groups."""

    __slots__ = ("connection", "last_used", "taken")

    def __init__(self):
        self.connection: Connection | None = None
        self.last_used, self.taken = 0.0, False


class BookingQueue:
    """The bookings of one ring in this process, booked in groups (see the module).

    One group is under way at a time (LEADERS). More could be, each leader on a
    connection of its own, the next waiting in the database for the ring's lock
    while one commits; measured on PostgreSQL, two made the groups smaller (each
    still needs its own commit under the ring's lock) and the rate lower.
    """

    def __init__(self, engine: Engine, ring_id: int, rules: Rules):
        self.engine, self.ring_id, self.rules = engine, ring_id, rules
        self._lock = threading.Lock()
        self._arrived = threading.Condition(self._lock)
        self._expect = 0  # a leader gathers a group this big (0: not gathering)
        self._gather = GATHER_SECONDS  # for at most this long
        self._pending: list[_Waiter] = []
        self._leaders = 0
        self._most_leaders = LEADERS
        self._slots = [_Slot() for _ in range(self._most_leaders)]
        self.batches = self.booked = 0  # for the curious (tests, benchmark)

    def submit(self, request: Request) -> dict:
        """Book one request; returns the transfer's fields or raises its refusal."""
        [outcome] = self._submit([request])
        if isinstance(outcome, BaseException):
            raise outcome
        return outcome

    def submit_many(self, requests: list[Request]) -> list:
        """Book the requests in one group (with whatever else is waiting), in their
        order; returns each one's transfer fields or refusal (not raised)."""
        return self._submit(requests)

    def _submit(self, requests: list[Request]) -> list:
        waiters = [_Waiter(request) for request in requests]
        first = waiters[0]
        with self._lock:
            self._pending.extend(waiters)
            lead = self._leaders < self._most_leaders
            if lead:
                self._leaders += 1
                group, self._pending = self._pending, []
            elif self._expect and len(self._pending) >= self._expect:
                self._arrived.notify()
        if not lead:
            # Queued together, so one leader takes them all, or hands them to us.
            first.done.wait()
            group = first.group
            lead = group is not None
        if lead:
            self._lead(first, group)
        for waiter in waiters:
            waiter.done.wait()
        return [waiter.outcome for waiter in waiters]

    def _lead(self, own: _Waiter, batch: list[_Waiter]) -> None:
        """Book the group; then, while more wait, the next groups too (up to
        LEAD_ROUNDS, so its own caller is not kept long): handing the lead to
        another thread costs a thread switch. Then the group gathered is handed to
        its first waiter, who leads on."""
        with self._lock:
            slot = next(slot for slot in self._slots if not slot.taken)
            slot.taken = True
        try:
            self._lead_rounds(own, batch, slot)
        except BaseException:
            with self._lock:  # not expected: give up the place, let others lead
                if slot.taken:
                    slot.taken = False
                    self._leaders -= 1
            raise

    def _lead_rounds(self, own: _Waiter, batch: list[_Waiter], slot: _Slot) -> None:
        for round_no in range(1, LEAD_ROUNDS + 1):
            try:
                outcomes = self._book(batch, slot)
            except BaseException as exc:  # noqa: BLE001 - every waiter must hear of it
                outcomes = [exc] * len(batch)
            for waiter, outcome in zip(batch, outcomes, strict=True):
                waiter.outcome = outcome
            # Those just answered come back soon (their callers book again): after a
            # group of several, a moment for them makes the next group bigger -- one
            # commit for all of them, rather than every other group half of them.
            # (Not counting this thread's own caller: it is still here, leading.)
            gather = len(batch) > 1
            with self._lock:
                if gather:
                    self._expect = len(batch) + len(self._pending) - (own in batch)
            for waiter in batch:
                waiter.done.set()
            with self._lock:
                if gather:
                    # As long as they do come back in time; callers that take longer
                    # (HTTP clients) soon make the wait short.
                    came = self._arrived.wait_for(
                        lambda: len(self._pending) >= self._expect, timeout=self._gather)
                    self._gather = min(GATHER_SECONDS, self._gather * 2) if came else \
                        max(GATHER_SECONDS / 16, self._gather / 2)
                    self._expect = 0
                if not self._pending:
                    self._leaders -= 1  # from now on a newcomer leads
                    slot.taken = False
                    return
                batch, self._pending = self._pending, []
                if round_no == LEAD_ROUNDS:
                    # Its own caller has waited long enough: the group gathered is
                    # led by its first waiter (who takes over this leader's place).
                    slot.taken = False
                    batch[0].group = batch
                    batch[0].done.set()
                    return

    def _book(self, batch: list[_Waiter], slot: _Slot) -> list:
        requests = [w.request for w in batch]
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                connection = self._connect(slot)
                with writer_queue(self.engine), connection.begin():
                    outcomes = book_many(connection, self.ring_id, requests, self.rules,
                                         commit=True)
                with self._lock:
                    self.batches += 1
                    self.booked += sum(isinstance(o, dict) for o in outcomes)
                return outcomes
            except DBAPIError as exc:
                if exc.connection_invalidated:
                    self._release(slot)
                elif not is_retryable(exc):
                    if len(batch) == 1:
                        raise
                    return [self._alone(w, slot) for w in batch]
                if attempt == MAX_ATTEMPTS:
                    raise
                time.sleep(0.005 * attempt)
            except Exception:
                if len(batch) == 1:
                    raise
                return [self._alone(w, slot) for w in batch]
        raise AssertionError("unreachable")

    def _alone(self, waiter: _Waiter, slot: _Slot):
        try:
            return self._book([waiter], slot)[0]
        except Exception as exc:  # noqa: BLE001 - this request's own answer
            return exc

    def _connect(self, slot: _Slot) -> Connection:
        now = time.monotonic()
        if slot.connection is not None and now - slot.last_used > IDLE_SECONDS:
            self._release(slot)
        if slot.connection is None:
            slot.connection = self.engine.connect().execution_options(**{WRITE: True})
        slot.last_used = now
        return slot.connection

    @staticmethod
    def _release(slot: _Slot) -> None:
        connection, slot.connection = slot.connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - it is being dropped anyway
                pass

    def release_idle(self) -> None:
        """Give the connections of the places no leader holds back to the pool."""
        with self._lock:
            idle = [slot for slot in self._slots if not slot.taken]
            for slot in idle:
                slot.taken = True
        for slot in idle:
            self._release(slot)
        with self._lock:
            for slot in idle:
                slot.taken = False


_queues: dict[tuple[int, int], BookingQueue] = {}
_queues_lock = threading.Lock()


def queue_for(engine: Engine, ring_id: int, rules: Rules) -> BookingQueue:
    key = (id(engine), ring_id)
    queue = _queues.get(key)
    if queue is None:
        with _queues_lock:
            queue = _queues.setdefault(key, BookingQueue(engine, ring_id, rules))
    return queue


@event.listens_for(Engine, "engine_disposed")
def _drop_queues_of(engine: Engine) -> None:
    """A disposed engine's queues give their connections back."""
    with _queues_lock:
        gone = [key for key in _queues if key[0] == id(engine)]
        queues = [_queues.pop(key) for key in gone]
    for queue in queues:
        queue.release_idle()


def _forget_queues_in_child() -> None:
    """A forked worker shares no connection or lock with its parent."""
    global _queues_lock
    _queues.clear()
    _queues_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_queues_in_child)
