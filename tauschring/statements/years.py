"""Calendar years of a ring, and the ledger as it stood at a year's boundary.

A year runs from 1 January 00:00 to the next 1 January 00:00 in the ring's
time zone, Europe/Berlin (the time zone every page shows dates in), not in
UTC: a booking made at 00:30 on New Year's morning appears on the member's
pages dated 1 January, so it belongs to the new year's statement too. The
boundaries are converted to UTC instants once; every query compares
`booked_at` (stored in UTC) with them.

Every figure at a boundary is one index seek, however long the history:
a balance is the `balance_after` of the account's last entry before the
moment (index entries(account_id, booked_at, id)); the chain head is the
ring's last transfer before the moment (index transfers(ring_id, booked_at,
seq), migration 0004). Neither sums or walks the history.

Bookings take `booked_at` from the clock under the ring's lock, so within a
ring the order of `booked_at` is the order of the chain (and of the entries'
running balances), as long as the server's clock does not step backwards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from tauschring.db import utcnow
from tauschring.errors import NotFound
from tauschring.ledger.chain import GENESIS_HASH
from tauschring.ledger.models import Account, Entry, Transfer

RING_TIMEZONE = ZoneInfo("Europe/Berlin")
FIRST_YEAR = 1900


@dataclass(frozen=True)
class Year:
    """One calendar year of the ring: its days and its UTC boundaries."""

    year: int
    start: datetime  # 1 January 00:00 local, in UTC
    end: datetime    # 1 January of the next year 00:00 local, in UTC (excluded)

    @property
    def first_day(self) -> date:
        return date(self.year, 1, 1)

    @property
    def complete(self) -> bool:
        """False while the year is still running (the current year)."""
        return utcnow() >= self.end

    @property
    def last_day(self) -> date:
        """31 December; today while the year is still running."""
        return date(self.year, 12, 31) if self.complete else local_day(utcnow())


def current_year() -> int:
    return utcnow().astimezone(RING_TIMEZONE).year


def year_of(year) -> Year:
    """The year as the ring counts it; years before 1900 or after the current
    year have no statement or report (404)."""
    if isinstance(year, bool) or not isinstance(year, int) or not (
            FIRST_YEAR <= year <= current_year()):
        raise NotFound(f"There is nothing for the year {year}.", code="year_unknown")
    return Year(year, _midnight(year), _midnight(year + 1))


def _midnight(year: int) -> datetime:
    return datetime(year, 1, 1, tzinfo=RING_TIMEZONE).astimezone(UTC)


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive UTC where a value bypasses the column type."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def local_day(moment: datetime) -> date:
    """The calendar day of a moment in the ring's time zone."""
    return as_utc(moment).astimezone(RING_TIMEZONE).date()


def balance_before(session: Session, account_id: int, moment: datetime) -> int:
    """The account's balance just before `moment`: one index seek."""
    found = session.scalar(
        select(Entry.balance_after)
        .where(Entry.account_id == account_id, Entry.booked_at < moment)
        .order_by(Entry.booked_at.desc(), Entry.id.desc()).limit(1))
    return found or 0


def _last_entry_before(moment: datetime, column):
    return (select(column).where(Entry.account_id == Account.id, Entry.booked_at < moment)
            .order_by(Entry.booked_at.desc(), Entry.id.desc()).limit(1)
            .correlate(Account).scalar_subquery())


def balances_before(session: Session, ring_id: int, moment: datetime) -> dict[int, int]:
    """Every account of the ring that had an entry before `moment`, with its
    balance then: one index seek per account."""
    rows = session.execute(
        select(Account.id, _last_entry_before(moment, Entry.balance_after).label("balance"))
        .where(Account.ring_id == ring_id).order_by(Account.id))
    return {account_id: balance for account_id, balance in rows if balance is not None}


def accounts_in_year(session: Session, ring_id: int, year: Year) -> list[tuple]:
    """(account id, kind, status, opening balance or None, moment of the last
    entry before the year's end or None) for every account of the ring."""
    return session.execute(
        select(Account.id, Account.kind, Account.status,
               _last_entry_before(year.start, Entry.balance_after).label("opening"),
               _last_entry_before(year.end, Entry.booked_at).label("last_entry_at"))
        .where(Account.ring_id == ring_id).order_by(Account.id)).all()


@dataclass(frozen=True)
class ChainHead:
    """The ring's hash chain as it stood at a moment: its length and last hash."""

    seq: int
    hash: str
    transfer_id: int | None = None
    booked_at: datetime | None = None


def chain_head_before(session: Session, ring_id: int, moment: datetime) -> ChainHead:
    """The last transfer of the ring booked before `moment`: one index seek."""
    row = session.execute(
        select(Transfer.seq, Transfer.hash, Transfer.id, Transfer.booked_at)
        .where(Transfer.ring_id == ring_id, Transfer.booked_at < moment)
        .order_by(Transfer.booked_at.desc(), Transfer.seq.desc()).limit(1)).first()
    if row is None:
        return ChainHead(0, GENESIS_HASH)
    return ChainHead(row.seq, row.hash, row.id, row.booked_at)
