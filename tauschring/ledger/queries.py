"""Reading the ledger: accounts, entries and transfers as the caller may see them."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.errors import Invalid
from tauschring.i18n import _l
from tauschring.ledger.models import Account, Entry, Transfer
from tauschring.ledger.service import get_account
from tauschring.members.models import Member


def accounts_of_ring(actor: Actor, kind: str | None = None) -> Select:
    actor.require_coordinator()
    statement = select(Account).where(Account.ring_id == actor.ring_id).order_by(Account.id)
    if kind:
        statement = statement.where(Account.kind == kind)
    return statement


def holders(session: Session, account_ids: list[int]) -> dict[int, list[int]]:
    """Member ids per account (a household has several)."""
    found: dict[int, list[int]] = {}
    for account_id, member_id in session.execute(
            select(Member.account_id, Member.id).where(Member.account_id.in_(account_ids))
            .order_by(Member.id)):
        found.setdefault(account_id, []).append(member_id)
    return found


def day_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """`from` and `to` are whole days, both included, in UTC."""
    if start and end and start > end:
        raise Invalid(_l("The first day must not be after the last."), code="period_reversed",
                      field="from")
    low = datetime.combine(start, time.min, UTC) if start else None
    # The last day the calendar knows has no end to compare with: no upper bound.
    high = (datetime.combine(end + timedelta(days=1), time.min, UTC)
            if end and end < date.max else None)
    return low, high


def entries_of_account(session: Session, actor: Actor, account_id: int,
                       start: date | None = None, end: date | None = None) -> Select:
    """Entries of one account, newest first, with memo and exchange of their transfer."""
    account = get_account(session, actor, account_id)
    low, high = day_bounds(start, end)
    statement = (select(Entry.transfer_id, Entry.booked_at, Entry.minutes, Entry.balance_after,
                        Entry.counterparty_account_id, Transfer.memo, Transfer.exchange_id)
                 .join(Transfer, Transfer.id == Entry.transfer_id)
                 .where(Entry.account_id == account.id)
                 .order_by(Entry.booked_at.desc(), Entry.id.desc()))
    if low:
        statement = statement.where(Entry.booked_at >= low)
    if high:
        statement = statement.where(Entry.booked_at < high)
    return statement


def transfers_of_ring(actor: Actor, account_id: int | None = None, start: date | None = None,
                      end: date | None = None) -> Select:
    actor.require_coordinator()
    low, high = day_bounds(start, end)
    statement = (select(Transfer).where(Transfer.ring_id == actor.ring_id)
                 .order_by(Transfer.seq.desc()))
    if account_id is not None:
        statement = statement.where((Transfer.debit_account_id == account_id)
                                    | (Transfer.credit_account_id == account_id))
    if low:
        statement = statement.where(Transfer.booked_at >= low)
    if high:
        statement = statement.where(Transfer.booked_at < high)
    return statement


def reversed_by(session: Session, transfer_ids: list[int]) -> dict[int, int]:
    """original id -> id of the transfer that reverses it."""
    return dict(session.execute(select(Transfer.reverses_id, Transfer.id)
                                .where(Transfer.reverses_id.in_(transfer_ids))).all())


def last_entry_per_account(session: Session, ring_id: int) -> dict[int, datetime]:
    """account id -> when its latest entry was booked (accounts without entries are absent)."""
    return dict(session.execute(
        select(Entry.account_id, func.max(Entry.booked_at))
        .join(Account, Account.id == Entry.account_id)
        .where(Account.ring_id == ring_id)
        .group_by(Entry.account_id)).all())
