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
from dataclasses import dataclass

from sqlalchemy import bindparam, event, insert, select, update
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.exc import DBAPIError

from tauschring.db import MAX_ATTEMPTS, WRITE, is_retryable, utcnow, writer_queue
from tauschring.errors import DomainError, Invalid
from tauschring.i18n import _l
from tauschring.ledger.chain import transfer_hash
from tauschring.ledger.models import Account, Entry, Transfer
from tauschring.rings.models import Ring

ACCOUNTS, TRANSFERS, ENTRIES, RINGS = (Account.__table__, Transfer.__table__,
                                       Entry.__table__, Ring.__table__)
ACCOUNT_LOCK = (select(ACCOUNTS.c.id, ACCOUNTS.c.ring_id, ACCOUNTS.c.kind, ACCOUNTS.c.status,
                       ACCOUNTS.c.balance, ACCOUNTS.c.min_balance, ACCOUNTS.c.max_balance)
                .where(ACCOUNTS.c.id.in_(bindparam("ids", expanding=True)))
                .order_by(ACCOUNTS.c.id).with_for_update())
RING_LOCK = (select(RINGS.c.id, RINGS.c.default_min_balance, RINGS.c.default_max_balance,
                    RINGS.c.chain_length, RINGS.c.chain_head)
             .where(RINGS.c.id == bindparam("ring_id")).with_for_update())
NEW_TRANSFERS = insert(TRANSFERS).returning(TRANSFERS.c.seq, TRANSFERS.c.id)
NEW_ENTRIES = insert(ENTRIES)
SET_BALANCE = (update(ACCOUNTS).where(ACCOUNTS.c.id == bindparam("account_id"))
               .values(balance=bindparam("new_balance")))
SET_HEAD = (update(RINGS).where(RINGS.c.id == bindparam("ring_id"))
            .values(chain_length=bindparam("seq"), chain_head=bindparam("head")))


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


def book_many(connection: Connection, ring_id: int,
              requests: list[Request]) -> list[dict | DomainError]:
    """Book the requests of one ring, in order, in the connection's transaction.

    Returns for each request either the booked transfer's fields (a dict with
    id, seq, hash, booked_at ...) or its refusal. Writes but does not commit.
    """
    from tauschring.ledger.service import check_limits  # the messages live there

    ids = sorted({i for r in requests for i in (r.debit_account_id, r.credit_account_id)})
    accounts = {row.id: row for row in connection.execute(ACCOUNT_LOCK, {"ids": ids})}
    ring = connection.execute(RING_LOCK, {"ring_id": ring_id}).one()
    balances = {account_id: row.balance for account_id, row in accounts.items()}
    head, seq = ring.chain_head, ring.chain_length
    results: list[dict | DomainError] = []
    transfers: list[dict] = []
    for request in requests:
        try:
            debit = _open_account(accounts, ring_id, request.debit_account_id,
                                  "debit_account_id")
            credit = _open_account(accounts, ring_id, request.credit_account_id,
                                   "credit_account_id")
            debit_after = balances[debit.id] - request.minutes
            credit_after = balances[credit.id] + request.minutes
            if request.override_reason is None:
                check_limits(connection, debit, debit_after, credit, credit_after, ring)
        except DomainError as refusal:
            results.append(refusal)
            continue
        seq += 1
        fields = dict(ring_id=ring_id, seq=seq, debit_account_id=debit.id,
                      credit_account_id=credit.id, minutes=request.minutes, memo=request.memo,
                      booked_at=utcnow(), booked_by_id=request.booked_by_id,
                      exchange_id=request.exchange_id, reverses_id=request.reverses_id,
                      override_reason=request.override_reason)
        head = fields["hash"] = transfer_hash(head, **fields)
        fields["_after"] = (debit_after, credit_after)
        balances[debit.id], balances[credit.id] = debit_after, credit_after
        transfers.append(fields)
        results.append(fields)
    if not transfers:
        return results
    rows = [{k: v for k, v in t.items() if k != "_after"} for t in transfers]
    id_of = dict(connection.execute(NEW_TRANSFERS, rows).all())
    entries = []
    for t in transfers:
        t["id"] = id_of[t["seq"]]
        debit_after, credit_after = t.pop("_after")
        entries += [
            {"transfer_id": t["id"], "account_id": t["debit_account_id"],
             "counterparty_account_id": t["credit_account_id"], "minutes": -t["minutes"],
             "balance_after": debit_after, "booked_at": t["booked_at"]},
            {"transfer_id": t["id"], "account_id": t["credit_account_id"],
             "counterparty_account_id": t["debit_account_id"], "minutes": t["minutes"],
             "balance_after": credit_after, "booked_at": t["booked_at"]}]
    connection.execute(NEW_ENTRIES, entries)
    touched = sorted({i for t in transfers for i in (t["debit_account_id"],
                                                     t["credit_account_id"])})
    connection.execute(SET_BALANCE, [{"account_id": i, "new_balance": balances[i]}
                                     for i in touched])
    connection.execute(SET_HEAD, {"ring_id": ring_id, "seq": seq, "head": head})
    return results


def _open_account(accounts: dict, ring_id: int, account_id: int, field: str):
    account = accounts.get(account_id)
    if account is None or account.ring_id != ring_id:
        raise Invalid(_l("Account %(id)s does not exist in this ring.", id=account_id),
                      code="account_not_found", field=field)
    if account.status != "open":
        raise Invalid(_l("This account is closed or not yet open: it takes no bookings."),
                      code="account_not_open", field=field)
    return account


# --- group commit --------------------------------------------------------------------

IDLE_SECONDS = 30  # a queue's connection unused this long goes back to the pool


class _Waiter:
    __slots__ = ("request", "done", "outcome", "lead")

    def __init__(self, request: Request):
        self.request, self.done, self.outcome, self.lead = request, threading.Event(), None, False


class BookingQueue:
    """The bookings of one ring in this process, booked in groups (see the module)."""

    def __init__(self, engine: Engine, ring_id: int):
        self.engine, self.ring_id = engine, ring_id
        self._lock = threading.Lock()
        self._pending: list[_Waiter] = []
        self._busy = False
        self._connection: Connection | None = None
        self._last_used = 0.0
        self.batches = self.booked = 0  # for the curious (tests, benchmark)

    def submit(self, request: Request) -> dict:
        """Book one request; returns the transfer's fields or raises its refusal."""
        waiter = _Waiter(request)
        with self._lock:
            self._pending.append(waiter)
            lead = not self._busy
            self._busy = True
        if not lead:
            waiter.done.wait()
            lead = waiter.outcome is None
        if lead:
            self._lead()
        if isinstance(waiter.outcome, BaseException):
            raise waiter.outcome
        return waiter.outcome

    def _lead(self) -> None:
        with self._lock:
            batch, self._pending = self._pending, []
        try:
            outcomes = self._book(batch)
        except BaseException as exc:  # noqa: BLE001 - every waiter must hear of it
            outcomes = [exc] * len(batch)
        for waiter, outcome in zip(batch, outcomes, strict=True):
            waiter.outcome = outcome
        with self._lock:
            successor = self._pending[0] if self._pending else None
            if successor is None:
                self._busy = False
        for waiter in batch:
            waiter.done.set()
        if successor is not None:  # the next group is led by its first waiter
            successor.done.set()

    def _book(self, batch: list[_Waiter]) -> list:
        requests = [w.request for w in batch]
        for attempt in range(1, MAX_ATTEMPTS + 1):
            try:
                connection = self._connect()
                with writer_queue(self.engine), connection.begin():
                    outcomes = book_many(connection, self.ring_id, requests)
                self.batches += 1
                self.booked += sum(isinstance(o, dict) for o in outcomes)
                return outcomes
            except DBAPIError as exc:
                if exc.connection_invalidated:
                    self._release()
                elif not is_retryable(exc):
                    if len(batch) == 1:
                        raise
                    return [self._alone(w) for w in batch]
                if attempt == MAX_ATTEMPTS:
                    raise
                time.sleep(0.005 * attempt)
            except Exception:
                if len(batch) == 1:
                    raise
                return [self._alone(w) for w in batch]
        raise AssertionError("unreachable")

    def _alone(self, waiter: _Waiter):
        try:
            return self._book([waiter])[0]
        except Exception as exc:  # noqa: BLE001 - this request's own answer
            return exc

    def _connect(self) -> Connection:
        now = time.monotonic()
        if self._connection is not None and now - self._last_used > IDLE_SECONDS:
            self._release()
        if self._connection is None:
            self._connection = self.engine.connect().execution_options(**{WRITE: True})
        self._last_used = now
        return self._connection

    def _release(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - it is being dropped anyway
                pass


_queues: dict[tuple[int, int], BookingQueue] = {}
_queues_lock = threading.Lock()


def queue_for(engine: Engine, ring_id: int) -> BookingQueue:
    key = (id(engine), ring_id)
    queue = _queues.get(key)
    if queue is None:
        with _queues_lock:
            queue = _queues.setdefault(key, BookingQueue(engine, ring_id))
    return queue


@event.listens_for(Engine, "engine_disposed")
def _drop_queues_of(engine: Engine) -> None:
    """A disposed engine's queues give their connections back."""
    with _queues_lock:
        gone = [key for key in _queues if key[0] == id(engine)]
        queues = [_queues.pop(key) for key in gone]
    for queue in queues:
        with queue._lock:
            idle = not queue._busy
        if idle:
            queue._release()


def _forget_queues_in_child() -> None:
    """A forked worker shares no connection or lock with its parent."""
    global _queues_lock
    _queues.clear()
    _queues_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_queues_in_child)
