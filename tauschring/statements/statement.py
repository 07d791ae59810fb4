"""One account's statement for one calendar year, as plain data: what the
service (service.py) builds and the renderers (render.py) print."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from flask_babel import lazy_gettext as _l

from tauschring.statements.years import ChainHead

ASSOCIATION = _l("Association")


@dataclass
class StatementLine:
    """One entry of the year on the account."""

    transfer_id: int
    booked_at: datetime            # UTC
    day: date                      # in the ring's time zone
    counterparty_account_id: int
    counterparty: str              # the other account's holders, or "Association"
    memo: str
    category: str                  # of the exchange the transfer books; "" if none
    minutes: int                   # + credit (received), - debit (given)
    balance_after: int


@dataclass
class Statement:
    ring_id: int
    ring_name: str
    ring_slug: str
    unit_name: str
    account_id: int
    account_kind: str              # "member" or "association"
    holders: list[str]             # names; several for a household
    language: str                  # "de" or "en": the first holder's
    year: int
    first_day: date
    last_day: date                 # 31 December; today while the year is running
    timezone: str
    opening_balance: int           # at 1 January 00:00
    lines: list[StatementLine] = field(default_factory=list)
    received: int = 0              # sum of the credits
    given: int = 0                 # sum of the debits, as a positive number
    closing_balance: int = 0       # at 31 December 24:00
    # The ring's chain head at the year's end: the hash of the ring's last
    # transfer booked before the next 1 January, and its place in the chain.
    chain_head: ChainHead = field(default_factory=lambda: ChainHead(0, ""))
    complete: bool = True          # False for the current year: entries so far
    member_numbers: list[int] = field(default_factory=list)  # the holders' (the office)

    @property
    def holder_label(self) -> str:
        return ", ".join(self.holders) if self.holders else str(ASSOCIATION)
