"""Booking and reversing transfers, and the limits they must respect.

Every booking locks its two accounts in ascending id order, then the ring's
row (the head of its hash chain). The locks make the read-check-write of
balances and chain safe with any number of writers; the fixed order (exchange,
accounts, ring) rules out deadlocks between writers.
"""

from __future__ import annotations

from flask import current_app, has_app_context
from sqlalchemy import Row, select
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, make_transient_to_detached

from tauschring import auditlog
from tauschring.actors import Actor
from tauschring.db import db, utcnow
from tauschring.errors import Conflict, DomainError, Invalid, NotFound
from tauschring.i18n import Hours, _l
from tauschring.ledger import booking
from tauschring.ledger.models import Account, Transfer
from tauschring.members.models import Member
from tauschring.partners.names import partner_label, partner_ring_name
from tauschring.rings.models import Ring
from tauschring.text import check_text

UNSET = object()
DEFAULT_MAX_TRANSFER_MINUTES = 1_000_000


def max_transfer_minutes() -> int:
    if has_app_context():
        return current_app.config["TAUSCHRING"].max_transfer_minutes
    return DEFAULT_MAX_TRANSFER_MINUTES


def check_minutes(minutes) -> int:
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise Invalid(_l("The time must be a whole number of minutes."),
                      code="minutes_not_integer", field="minutes")
    if minutes <= 0:
        raise Invalid(_l("The time must be more than zero."), code="amount_must_be_positive",
                      field="minutes")
    limit = max_transfer_minutes()
    if minutes > limit:
        raise Invalid(_l("A single booking may move at most %(limit)s.", limit=Hours(limit)),
                      code="amount_too_large", field="minutes")
    return minutes


def effective_limits(account: Account, ring: Ring) -> tuple[int | None, int | None]:
    """The account's own limits, else the ring's defaults (member accounts only)."""
    if account.kind != "member":
        return account.min_balance, account.max_balance
    low = account.min_balance if account.min_balance is not None else ring.default_min_balance
    high = account.max_balance if account.max_balance is not None else ring.default_max_balance
    return low, high


def open_account(session: Session, *, ring_id: int, kind: str = "member",
                 status: str = "open") -> Account:
    account = Account(ring_id=ring_id, kind=kind, status=status, balance=0)
    session.add(account)
    session.flush()
    return account


def association_account(session: Session, ring_id: int) -> Account:
    account = session.scalars(
        select(Account).where(Account.ring_id == ring_id, Account.kind == "association")
        .order_by(Account.id).limit(1)
    ).first()
    if account is None:
        raise NotFound(_l("This ring has no association account."),
                       code="no_association_account")
    return account


ACCOUNTS = Account.__table__
_ACCOUNT_LOCK = booking.ACCOUNT_LOCK


def lock_accounts(session: Session, ring_id: int, ids: dict[str, int]) -> dict[str, Row]:
    """Lock the accounts (ascending id) and check they are open accounts of the ring.

    Every writer locks accounts before the ring row, never the other way round.
    """
    rows = session.connection().execute(_ACCOUNT_LOCK, {"ids": sorted(set(ids.values()))})
    by_id = {row.id: row for row in rows}
    return {field: booking._open_account(by_id, ring_id, account_id, field)
            for field, account_id in ids.items()}


def checked_request(*, debit_account_id: int, credit_account_id: int, minutes: int,
                    memo: str = "", booked_by_id: int | None = None,
                    exchange_id: int | None = None, reverses_id: int | None = None,
                    override_reason: str | None = None,
                    clearing: bool = False) -> booking.Request:
    """A booking's checks that need no database: the amount, two accounts, the texts."""
    check_minutes(minutes)
    if debit_account_id == credit_account_id:
        raise Invalid(_l("A transfer needs two different accounts."), code="same_account",
                      field="credit_account_id")
    memo = check_text((memo or "").strip(), "memo", multiline=False,
                      quoting=exchange_id is not None or reverses_id is not None)
    if override_reason is not None:
        override_reason = check_text(override_reason.strip(), "reason", multiline=True) or None
    return booking.Request(debit_account_id, credit_account_id, minutes, memo, booked_by_id,
                           exchange_id, reverses_id, override_reason, clearing)


def book(session: Session, *, ring_id: int, debit_account_id: int, credit_account_id: int,
         minutes: int, memo: str = "", booked_by_id: int | None = None,
         exchange_id: int | None = None, reverses_id: int | None = None,
         override_reason: str | None = None, clearing: bool = False) -> Transfer:
    """Book one transfer: debit one account, credit another, extend the chain.

    Refused (Invalid) when the amount is not a whole number of minutes above
    zero, the accounts are the same, unknown, of another ring or not open, or
    the debit account would fall below its minimum or the credit account rise
    above its maximum, unless `override_reason` is given; and when one of them
    is a clearing account, unless `clearing` (only the bookings across partner
    rings, which book its mirror in the same step, may move it).
    Must run inside `atomic`; writes but does not commit.

    The hot path of the whole ledger, so it speaks SQL (Core) rather than
    going through the ORM's unit of work: `booking.book_many` with one request
    (it locks both accounts, then the ring's chain head). `book_now` books
    the same in a transaction of its own, grouped with concurrent bookings.
    """
    request = checked_request(
        debit_account_id=debit_account_id, credit_account_id=credit_account_id,
        minutes=minutes, memo=memo, booked_by_id=booked_by_id, exchange_id=exchange_id,
        reverses_id=reverses_id, override_reason=override_reason, clearing=clearing)
    session.flush()  # e.g. an account opened by the caller a moment ago
    [outcome] = booking.book_many(session.connection(), ring_id, [request], RULES)
    if isinstance(outcome, DomainError):
        raise outcome
    _forget_loaded(session, ring_id, debit_account_id, credit_account_id)
    transfer = _written(outcome)
    make_transient_to_detached(transfer)
    session.add(transfer)
    return transfer


def book_now(*, ring_id: int, debit_account_id: int, credit_account_id: int, minutes: int,
             memo: str = "", booked_by_id: int | None = None, exchange_id: int | None = None,
             reverses_id: int | None = None, override_reason: str | None = None,
             engine: Engine | None = None) -> Transfer:
    """`book` in a transaction of its own, committed before it returns: the
    bookings of one ring sent at the same moment share one transaction and one
    commit (group commit, `booking.BookingQueue`). Raises the same refusals as
    `book`, and a refused booking changes nothing. Needs an app context unless
    `engine` is given. The transfer returned belongs to no session.
    """
    request = checked_request(
        debit_account_id=debit_account_id, credit_account_id=credit_account_id,
        minutes=minutes, memo=memo, booked_by_id=booked_by_id, exchange_id=exchange_id,
        reverses_id=reverses_id, override_reason=override_reason)
    queue = booking_queue(ring_id, engine)
    return _written(queue.submit(request))


def _written(fields: dict) -> Transfer:
    """The Transfer of a row just written, its fields set as a load sets them: the
    constructor would record each one as a change, which costs more than the SQL."""
    transfer = _new_transfer()
    transfer.__dict__.update(fields)
    return transfer


_new_transfer = Transfer.__mapper__.class_manager.new_instance


def check_limits(session, debit, debit_after: int, credit, credit_after: int,
                  ring) -> None:
    low, _ = effective_limits(debit, ring)
    if low is not None and debit_after < low:
        raise Invalid(
            _l("%(name)s would fall to %(balance)s, below the lowest allowed balance of "
               "%(limit)s.", name=holder_names(session, debit), balance=Hours(debit_after),
               limit=Hours(low)),
            code="exceeds_min_balance", field="minutes",
            account_id=debit.id, balance_after=debit_after, limit=low)
    _, high = effective_limits(credit, ring)
    if high is not None and credit_after > high:
        raise Invalid(
            _l("%(name)s would rise to %(balance)s, above the highest allowed balance of "
               "%(limit)s.", name=holder_names(session, credit), balance=Hours(credit_after),
               limit=Hours(high)),
            code="exceeds_max_balance", field="minutes",
            account_id=credit.id, balance_after=credit_after, limit=high)


def _clock():
    return utcnow()  # looked up when called: tests set the clock here


RULES = booking.Rules(check_limits=check_limits, clock=_clock)


def booking_queue(ring_id: int, engine: Engine | None = None) -> booking.BookingQueue:
    """The ring's group-commit queue in this process (`book_now`)."""
    return booking.queue_for(engine if engine is not None else db.engine, ring_id, RULES)


def holders_shown(people: list) -> list:
    """Of an account's holders (members, or rows with .name and .status, in order),
    those to name: who has not left; once all have, everyone who held it."""
    return [person for person in people if person.status != "left"] or list(people)


def holders_named(people: list) -> str:
    """The holders to name (holders_shown), as people read them: "Anna, Bernd"."""
    return ", ".join(person.name for person in holders_shown(people))


def holders_by_account(session: Session, account_ids) -> dict[int, str]:
    """account id -> its holders named (holders_named); accounts no member ever
    held (the association's) are absent."""
    people: dict[int, list] = {}
    for row in session.execute(select(Member.account_id, Member.name, Member.status).where(
            Member.account_id.in_(list(set(account_ids)))).order_by(Member.id)):
        people.setdefault(row.account_id, []).append(row)
    return {account_id: holders_named(rows) for account_id, rows in people.items()}


def holder_names(session: Session, account) -> str:
    """Who holds the account, for people to read: the members sharing it
    (holders_named), or the association."""
    if account.kind == "association":
        return _l("The association account")
    if account.kind == "clearing":
        partner = partner_ring_name(session, account.id)
        if partner is not None:
            return partner_label(partner)
    return holders_by_account(session, [account.id]).get(account.id) or \
        _l("Account %(id)s", id=account.id)


def _forget_loaded(session: Session, ring_id: int, *account_ids: int) -> None:
    """Objects the session loaded before are stale now: reload them on next use."""
    for model, key in ((Ring, ring_id), *((Account, a) for a in account_ids)):
        loaded = session.identity_map.get(session.identity_key(model, key))
        if loaded is not None:
            session.expire(loaded)


def book_by_coordinator(session: Session, actor: Actor, *, debit_account_id: int,
                        credit_account_id: int, minutes: int, memo: str,
                        override_limits: bool = False, reason: str | None = None) -> Transfer:
    """A manual booking (starting credit, fee, correction) by a coordinator."""
    actor.require_coordinator()
    if not (memo or "").strip():
        raise Invalid(_l("A manual booking needs a memo."), code="memo_required",
                      field="memo")
    override_reason = _override_reason(override_limits, reason)
    return book(session, ring_id=actor.ring_id, debit_account_id=debit_account_id,
                credit_account_id=credit_account_id, minutes=minutes, memo=memo,
                booked_by_id=actor.member_id, override_reason=override_reason)


def book_by_coordinator_now(actor: Actor, *, debit_account_id: int, credit_account_id: int,
                            minutes: int, memo: str, override_limits: bool = False,
                            reason: str | None = None) -> Transfer:
    """`book_by_coordinator` committed at once, grouped with concurrent bookings
    of the ring (`book_now`)."""
    actor.require_coordinator()
    if not (memo or "").strip():
        raise Invalid(_l("A manual booking needs a memo."), code="memo_required",
                      field="memo")
    override_reason = _override_reason(override_limits, reason)
    return book_now(ring_id=actor.ring_id, debit_account_id=debit_account_id,
                    credit_account_id=credit_account_id, minutes=minutes, memo=memo,
                    booked_by_id=actor.member_id, override_reason=override_reason)


def _override_reason(override_limits: bool, reason: str | None) -> str | None:
    if not override_limits:
        return None
    if not (reason or "").strip():
        raise Invalid(_l("Overriding a limit needs a reason."), code="override_needs_reason",
                      field="reason")
    return reason.strip()


def get_transfer(session: Session, ring_id: int, transfer_id: int) -> Transfer:
    transfer = session.get(Transfer, transfer_id)
    if transfer is None or transfer.ring_id != ring_id:
        raise NotFound(_l("Transfer #%(id)s does not exist.", id=transfer_id),
                       code="transfer_not_found")
    return transfer


def check_may_reverse(session: Session, actor: Actor, transfer_id: int) -> Transfer:
    """A coordinator (403), on a transfer of its own ring (404)."""
    actor.require_coordinator()
    return get_transfer(session, actor.ring_id, transfer_id)


def reversal_of(session: Session, transfer_id: int) -> Transfer | None:
    return session.scalars(select(Transfer).where(Transfer.reverses_id == transfer_id)).first()


def reverse(session: Session, actor: Actor, *, transfer_id: int, reason: str,
            override_limits: bool = False) -> Transfer:
    """Book the mirror image of a transfer. The original stays as it was.

    The reversal is refused when the transfer is already reversed or is itself
    a reversal (book a new transfer instead), and, like any booking, when it
    would breach a limit unless overridden.
    """
    original = check_may_reverse(session, actor, transfer_id)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(_l("A reversal needs a reason."), code="reason_required",
                      field="reason")
    # Locking its accounts serialises two reversals of the same transfer.
    session.connection().execute(_ACCOUNT_LOCK, {"ids": sorted(
        {original.debit_account_id, original.credit_account_id})}).all()
    if original.reverses_id is not None:
        raise Conflict(_l("This transfer is itself a reversal; book a new transfer instead."),
                       code="reversal_not_reversible")
    if session.scalar(select(Account.id).where(
            Account.id.in_([original.debit_account_id, original.credit_account_id]),
            Account.kind == "clearing").limit(1)) is not None:
        raise Conflict(_l("This transfer is one half of a booking across partner rings: "
                          "both halves are reversed together, through the exchange's "
                          "dispute."), code="reversal_across_rings")
    existing = reversal_of(session, transfer_id)
    if existing is not None:
        raise Conflict(_l("This transfer was already reversed by transfer #%(id)s.",
                          id=existing.id), code="already_reversed",
                       reversed_by_id=existing.id)
    return book(session, ring_id=actor.ring_id, debit_account_id=original.credit_account_id,
                credit_account_id=original.debit_account_id, minutes=original.minutes,
                memo=f"Reversal of transfer {original.id}: {reason}",
                booked_by_id=actor.member_id, exchange_id=original.exchange_id,
                reverses_id=original.id,
                override_reason=reason if override_limits else None)


def get_account(session: Session, actor: Actor, account_id: int) -> Account:
    """An account the actor may see: its own, or any of its ring for a coordinator."""
    account = session.get(Account, account_id)
    if account is None or account.ring_id != actor.ring_id or (
            not actor.is_coordinator and account.id != actor.account_id):
        raise NotFound(_l("Account %(id)s does not exist.", id=account_id),
                       code="account_not_found")
    return account


def check_may_set_limits(session: Session, actor: Actor, account_id: int) -> Account:
    """A coordinator (403), on an account of its own ring (404) whose holders
    have no higher role (403): an admin's limits are for admins to set."""
    actor.require_coordinator()
    account = get_account(session, actor, account_id)
    if account.kind == "clearing":
        raise Conflict(_l("A clearing account's limits are the credit line the two rings "
                          "agreed on: change it as a proposal to the partner ring."),
                       code="clearing_account_reserved")
    for holder in session.scalars(select(Member).where(Member.account_id == account.id,
                                                       Member.status != "left")):
        actor.require_rank_over(holder)
    return account


def set_limits(session: Session, actor: Actor, *, account_id: int, min_balance=UNSET,
               max_balance=UNSET, override_limits: bool = False,
               reason: str | None = None) -> Account:
    """Change an account's own limits (None: back to the ring's default).

    Limits that the current balance already breaches are refused unless
    overridden with a reason, so every balance outside its limits is explained
    by a recorded override.
    """
    account = check_may_set_limits(session, actor, account_id)
    for name, value in (("min_balance", min_balance), ("max_balance", max_balance)):
        if value is not UNSET and value is not None and (
                isinstance(value, bool) or not isinstance(value, int)):
            raise Invalid(_l("A limit must be a whole number of minutes or null."),
                          code="limit_not_integer", field=name)
    ring = session.get(Ring, actor.ring_id)
    session.refresh(account, with_for_update=True)
    before = (account.min_balance, account.max_balance)
    if min_balance is not UNSET:
        account.min_balance = min_balance
    if max_balance is not UNSET:
        account.max_balance = max_balance
    low, high = effective_limits(account, ring)
    if low is not None and high is not None and low > high:
        raise Invalid(_l("The lowest allowed balance must not be above the highest."),
                      code="limits_crossed", field="min_balance")
    breached = (low is not None and account.balance < low) or (
        high is not None and account.balance > high)
    override_reason = _override_reason(override_limits, reason) if breached else None
    if breached and override_reason is None:
        above = high is not None and account.balance > high
        raise Invalid(_l("The balance of %(balance)s lies outside these limits. To allow "
                         "it, give a reason.", balance=Hours(account.balance)),
                      code="limits_exclude_balance",
                      field="max_balance" if above else "min_balance")
    auditlog.record(session, ring_id=actor.ring_id, actor_id=actor.member_id,
                    action="account.limits", subject=f"account:{account.id}",
                    reason=override_reason or reason, before=list(before),
                    after=[account.min_balance, account.max_balance],
                    override=override_reason is not None)
    session.flush()
    return account
