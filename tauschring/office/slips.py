"""Paper trading slips (Tauschquittungen): printing blank ones with serial
numbers, and typing up a stack of filled-in ones.

A slip names the payer and the payee by their member numbers (0: the
association's account), the hours as people write them ("1:30"), what it was
for and the day. `book_typed_slips` reads what the office typed, checks every
row at once and books the whole stack through `batch.book_rows`, or nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.errors import Invalid
from tauschring.i18n import _l
from tauschring.ledger.service import association_account
from tauschring.office import batch as batches
from tauschring.office.batch import BatchRefused, Row
from tauschring.office.models import Batch, take_numbers
from tauschring.office.numbers import member_by_number, parse_number

SLIPS_PER_PAGE = 4
MAX_SLIPS = 400
ASSOCIATION_NUMBER = 0
# The service's names for a row's fields -> the names on the typed slip.
SLIP_FIELDS = {"debit_account_id": "payer", "credit_account_id": "payee", "minutes": "hours",
               "memo": "memo", "slip": "slip", "slip_date": "date"}
_HOURS = re.compile(r"([0-9]{1,4})(?:[:.]([0-5][0-9]))?")
_GERMAN_DATE = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{2}|[0-9]{4})?")


def reserve_serials(session: Session, ring_id: int, count: int) -> list[int]:
    """The serial numbers for `count` new blank slips; never handed out twice."""
    if isinstance(count, bool) or not isinstance(count, int) or not 0 < count <= MAX_SLIPS:
        raise Invalid(_l("Between 1 and %(max)s slips at a time.", max=MAX_SLIPS),
                      code="slip_count_invalid", field="count")
    first = take_numbers(session, ring_id, "last_slip_serial", count)
    return list(range(first, first + count))


def pages_of(serials: list[int]) -> list[list[int]]:
    return [serials[i:i + SLIPS_PER_PAGE] for i in range(0, len(serials), SLIPS_PER_PAGE)]


def parse_slip_hours(text: str) -> int | None:
    """"1:30" -> 90, "2" -> 120, "0.45" -> 45; None for anything else."""
    cleaned = (text or "").strip().lower().removesuffix("h").removesuffix("std.").strip()
    match = _HOURS.fullmatch(cleaned)
    if not match:
        return None
    return int(match.group(1)) * 60 + int(match.group(2) or 0)


def parse_slip_date(text: str, today: date) -> date | None:
    """"5.12.2026", "5.12.26", "5.12." or "2026-12-05"; empty: today; else None."""
    text = (text or "").strip()
    if not text:
        return today
    try:
        match = _GERMAN_DATE.fullmatch(text)
        if match:
            day, month, year = match.groups()
            year = int(year) + 2000 if year and len(year) == 2 else int(year or today.year)
            return date(year, int(month), int(day))
        return date.fromisoformat(text) if text.isascii() else None
    except ValueError:
        return None


@dataclass
class TypedSlip:
    """One row as the office typed it: every field is text."""

    slip: str = ""
    payer: str = ""
    payee: str = ""
    hours: str = ""
    memo: str = ""
    date: str = ""

    @property
    def blank(self) -> bool:
        return not any(v.strip() for v in (self.slip, self.payer, self.payee, self.hours,
                                           self.memo))


def _account_of(session: Session, ring_id: int, text: str) -> int | None:
    number = parse_number(text) if text.strip() not in ("0", "00") else ASSOCIATION_NUMBER
    if number is None:
        return None
    if number == ASSOCIATION_NUMBER:
        return association_account(session, ring_id).id
    member = member_by_number(session, ring_id, number)
    return member.account_id if member is not None else None


def read_typed_slips(session: Session, actor: Actor, typed: list[TypedSlip],
                     today: date) -> list[Row]:
    """The rows to book, or BatchRefused naming each row's fields as typed
    (`transfers.<index>.payer`, ...). Blank rows are left out before counting."""
    actor.require_coordinator()
    rows, errors = [], {}

    def refuse(index: int, field: str, message) -> None:
        errors.setdefault(f"transfers.{index}.{field}", []).append(message)

    for index, slip in enumerate(typed):
        slip_number = parse_number(slip.slip)
        if slip_number is None:
            refuse(index, "slip", _l("Please type the slip's number."))
        accounts = {}
        for field in ("payer", "payee"):
            text = getattr(slip, field)
            if not text.strip():
                refuse(index, field, _l("Please type a member number."))
                continue
            accounts[field] = _account_of(session, actor.ring_id, text)
            if accounts[field] is None:
                refuse(index, field, _l("Unknown member number %(number)s.",
                                        number=text.strip()[:12]))
        minutes = parse_slip_hours(slip.hours)
        if minutes is None:
            refuse(index, "hours", _l("Please write hours and minutes as h:mm (e.g. 1:30) "
                                      "or whole hours (e.g. 2)."))
        day = parse_slip_date(slip.date, today)
        if day is None:
            refuse(index, "date", _l("Please write the date as day.month.year, e.g. "
                                     "5.12.2026."))
        elif day > today:
            refuse(index, "date", _l("The date lies in the future."))
        rows.append(Row(debit_account_id=accounts.get("payer"),
                        credit_account_id=accounts.get("payee"), minutes=minutes,
                        memo=slip.memo, slip=slip_number, slip_date=day))
    try:
        batches.check_rows(session, actor, rows)
    except BatchRefused as refused:
        for name, messages in refused.field_errors.items():
            _, index, field = name.split(".", 2)
            typed_field = SLIP_FIELDS.get(field, field)
            if f"transfers.{index}.{typed_field}" not in errors:  # one reason at a time
                for message in messages:
                    refuse(int(index), typed_field, message)
        if errors:
            raise BatchRefused(errors, conflict=refused.status == 409) from None
    if errors:
        raise BatchRefused(errors)
    return rows


def book_typed_slips(session: Session, actor: Actor, typed: list[TypedSlip],
                     today: date) -> Batch:
    """Check every typed slip, then book the stack, all or nothing (in `atomic`).

    Blank rows are left out; refusals name the rows as they were typed."""
    kept = _kept(typed)
    try:
        rows = read_typed_slips(session, actor, [typed[i] for i in kept], today)
        return batches.book_rows(session, actor, rows, kind="slips", checked=True)
    except BatchRefused as refused:
        raise _as_typed(refused, kept) from None


def check_typed_slips(session: Session, actor: Actor, typed: list[TypedSlip],
                      today: date) -> int:
    """How many typed slips `book_typed_slips` would book, refused as it would
    refuse them; books nothing."""
    kept = _kept(typed)
    try:
        read_typed_slips(session, actor, [typed[i] for i in kept], today)
    except BatchRefused as refused:
        raise _as_typed(refused, kept) from None
    return len(kept)


def _kept(typed: list[TypedSlip]) -> list[int]:
    """The indexes of the rows typed in (blank ones are left out); none: refused."""
    kept = [index for index, slip in enumerate(typed) if not slip.blank]
    if not kept:
        raise Invalid(_l("Please type at least one slip."), code="no_slips")
    return kept


def _as_typed(refused: BatchRefused, kept: list[int]) -> BatchRefused:
    return BatchRefused({_typed_name(name, kept): messages
                         for name, messages in refused.field_errors.items()},
                        conflict=refused.status == 409)


def _typed_name(name: str, kept: list[int]) -> str:
    parts = name.split(".", 2)
    if len(parts) == 3:
        parts[1] = str(kept[int(parts[1])])
        parts[2] = SLIP_FIELDS.get(parts[2], parts[2])
    return ".".join(parts)


@dataclass
class TypedShare:
    """One row of a booking between one account and many: a member number and,
    optionally, its own hours."""

    number: str = ""
    hours: str = ""


def book_split(session: Session, actor: Actor, *, direction: str, one: str, hours: str,
               memo: str, shares: list[TypedShare]) -> Batch:
    """Book from one account to many ("to_many": hours to each helper) or from many
    to one ("from_many": a shared cost), all or nothing. Refusals name the rows
    (`transfers.<index>.number` / `.hours`) or the form's fields (`one`, `hours`)."""
    actor.require_coordinator()
    if direction not in ("to_many", "from_many"):
        raise Invalid(_l("Please choose a direction."), code="direction_invalid",
                      field="direction")
    one_account = _account_of(session, actor.ring_id, one or "")
    if one_account is None:
        raise Invalid(_l("Unknown member number %(number)s.", number=(one or "").strip()[:12]),
                      code="unknown_number", field="one")
    default = parse_slip_hours(hours) if (hours or "").strip() else None
    if (hours or "").strip() and default is None:
        raise Invalid(_l("Please write hours and minutes as h:mm (e.g. 1:30) or whole hours "
                         "(e.g. 2)."), code="hours_invalid", field="hours")
    kept = [index for index, share in enumerate(shares)
            if share.number.strip() or share.hours.strip()]
    if not kept:
        raise Invalid(_l("Please type at least one member number."), code="no_rows",
                      field="rows")
    rows, errors = [], {}
    for position, index in enumerate(kept):
        share = shares[index]
        account = _account_of(session, actor.ring_id, share.number)
        if account is None:
            errors[f"transfers.{position}.number"] = [_l(
                "Unknown member number %(number)s.", number=share.number.strip()[:12])]
        minutes = parse_slip_hours(share.hours) if share.hours.strip() else default
        if minutes is None:
            errors[f"transfers.{position}.hours"] = [_l(
                "Please give the hours, in the row or for each above.")]
        payer, payee = (one_account, account) if direction == "to_many" else (account,
                                                                               one_account)
        rows.append(Row(debit_account_id=payer, credit_account_id=payee, minutes=minutes,
                        memo=memo))
    try:
        if errors:
            raise BatchRefused(errors)
        return batches.book_rows(session, actor, rows, kind="split")
    except BatchRefused as refused:
        fields = {"debit_account_id": "number", "credit_account_id": "number",
                  "minutes": "hours"}
        named: dict[str, list] = {}
        for name, messages in refused.field_errors.items():
            parts = name.split(".", 2)
            if len(parts) == 3:
                parts[1] = str(kept[int(parts[1])])
                parts[2] = fields.get(parts[2], parts[2])
            named.setdefault(".".join(parts), []).extend(messages)
        raise BatchRefused(named) from None
