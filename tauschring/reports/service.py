"""The annual report of a ring for a calendar year (Europe/Berlin, see
tauschring/statements/years.py), for its coordinators and the members' meeting.

What counts:
- members: people (not accounts) by their `joined_on` and `left_on` days; a
  member is counted from the day of joining until the day of leaving;
  pending members (never admitted) are not members yet.
- exchanges: read from the ledger, so they agree with every statement. An
  exchange counts as booked in the month its booking transfer was booked.
  Minutes are net: the booking adds, a reversal (a dispute cancelled after
  booking) subtracts and a correction (a dispute adjusted) adds or subtracts
  the difference, each in the month it was booked.
- active traders: members who provided or received an exchange booked in the year.
- disputes: opened in the year, with how each stood at the year's end
  (booked, cancelled, reversed, or still open).
- fees: account fees (FeeCharge) whose transfer was booked in the year.
- trial balance: every account's balance at the year's end; the sum is zero.
- audit: the ring's audit now (the whole ledger); chain head: at the year's end.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session, aliased

from tauschring.actors import Actor
from tauschring.db import utcnow
from tauschring.errors import Invalid, NotFound
from tauschring.exchanges.models import Exchange, ExchangeEvent
from tauschring.fees.models import FeeCharge
from tauschring.ledger.audit import audit_ring
from tauschring.ledger.models import Account, Entry, Transfer
from tauschring.market.models import Category
from tauschring.members.models import Member
from tauschring.partners import clearing
from tauschring.partners.names import partner_label, partner_rings_by_account
from tauschring.reports.render import render
from tauschring.rings.models import Ring
from tauschring.statements.years import (
    RING_TIMEZONE,
    Year,
    balances_before,
    chain_head_before,
    local_day,
    year_of,
)

DISPUTE_OUTCOMES = ("booked", "cancelled", "reversed", "open")
NO_CATEGORY = None


def annual_report(session: Session, actor: Actor, year: int, language: str = "en") -> dict:
    """The report as a dict of plain values (dates as date objects; see
    `render.as_json` for the API's form). Coordinators of the ring only.
    `language` ("de" or "en") is the reader's: the names of the categories,
    and the language the renderers write the report in."""
    actor.require_coordinator()
    period = year_of(year)
    ring = session.get(Ring, actor.ring_id)
    exchanges = _exchanges(session, ring.id, period, language)
    chain_head = chain_head_before(session, ring.id, period.end)
    audit = audit_ring(session, ring.id)
    return {
        "ring": {"id": ring.id, "name": ring.name, "slug": ring.slug,
                 "unit_name": ring.unit_name},
        "year": period.year,
        "period": {"first_day": period.first_day, "last_day": period.last_day,
                   "timezone": RING_TIMEZONE.key, "complete": period.complete},
        "language": language,
        "members": {**_members(session, ring.id, period),
                    "active_traders": exchanges.pop("active_traders")},
        "exchanges": exchanges,
        "disputes": _disputes(session, ring.id, period),
        "fees": _fees(session, ring.id, period),
        "partners": _partners(session, ring.id, period),
        "trial_balance": _trial_balance(session, ring.id, period),
        "audit": {"ok": audit["ok"], "chain_ok": audit["chain"]["ok"],
                  "transfers": audit["transfers"], "checked_at": utcnow()},
        "chain_head": {"seq": chain_head.seq, "hash": chain_head.hash,
                       "transfer_id": chain_head.transfer_id,
                       "booked_at": chain_head.booked_at},
        "generated_at": utcnow(),
    }


# --- members ----------------------------------------------------------------------

def _members(session: Session, ring_id: int, period: Year) -> dict:
    first, last = period.first_day, period.last_day

    def count(*conditions) -> int:
        return session.scalar(select(func.count(Member.id)).where(
            Member.ring_id == ring_id, Member.joined_on.is_not(None), *conditions))

    return {
        "at_start": count(Member.joined_on < first,
                          or_(Member.left_on.is_(None), Member.left_on >= first)),
        "at_end": count(Member.joined_on <= last,
                        or_(Member.left_on.is_(None), Member.left_on > last)),
        "joined": count(Member.joined_on >= first, Member.joined_on <= last),
        "left": count(Member.left_on >= first, Member.left_on <= last),
    }


# --- exchanges --------------------------------------------------------------------

def _exchanges(session: Session, ring_id: int, period: Year, language: str) -> dict:
    """Every transfer of the year that belongs to an exchange, signed against
    the exchange's booking: + in the booking's direction, - against it.

    An exchange across partner rings counts in both rings, each against its own
    half of the booking; its category is the proposer's ring's, so in the
    partner ring it counts without one, and only this ring's members count as
    its traders."""
    booking = aliased(Transfer)
    own_half = case((Exchange.ring_id == ring_id, Exchange.transfer_id),
                    else_=Exchange.partner_transfer_id)
    rows = session.execute(
        select(Transfer.id, Transfer.booked_at, Transfer.minutes, Transfer.reverses_id,
               (Transfer.id == booking.id).label("is_booking"),
               (Transfer.debit_account_id == booking.debit_account_id).label("same_way"),
               case((Exchange.ring_id == ring_id, Exchange.category_id),
                    else_=None).label("category_id"),
               Exchange.provider_id, Exchange.recipient_id)
        .join(Exchange, Exchange.id == Transfer.exchange_id)
        .join(booking, booking.id == own_half)
        .where(Transfer.ring_id == ring_id, Transfer.booked_at >= period.start,
               Transfer.booked_at < period.end)).all()
    months = {m: {"month": m, "exchanges": 0, "minutes": 0} for m in range(1, 13)}
    by_category: dict[int | None, dict] = defaultdict(lambda: {"exchanges": 0, "minutes": 0})
    traders: set[int] = set()
    booked = minutes = reversed_ = 0
    for row in rows:
        signed = row.minutes if row.same_way else -row.minutes
        month = months[local_day(row.booked_at).month]
        category = by_category[row.category_id]
        month["minutes"] += signed
        category["minutes"] += signed
        minutes += signed
        if row.is_booking:
            booked += 1
            month["exchanges"] += 1
            category["exchanges"] += 1
            traders.update((row.provider_id, row.recipient_id))
        if row.reverses_id is not None:
            reversed_ += 1
    return {
        "booked": booked,
        "minutes": minutes,
        "reversed": reversed_,
        "by_month": list(months.values()),
        "by_category": _category_rows(session, ring_id, by_category, language),
        "active_traders": session.scalar(select(func.count(Member.id)).where(
            Member.id.in_(traders), Member.ring_id == ring_id)) if traders else 0,
    }


def _category_rows(session: Session, ring_id: int, figures: dict, language: str) -> list:
    categories = session.scalars(select(Category).where(Category.ring_id == ring_id)
                                 .order_by(Category.position, Category.id)).all()
    rows = [{"category_id": c.id, "slug": c.slug, "name": c.name(language),
             **figures[c.id]} for c in categories if c.id in figures]
    if NO_CATEGORY in figures:
        rows.append({"category_id": None, "slug": None, "name": None,
                     **figures[NO_CATEGORY]})
    return rows


# --- disputes ---------------------------------------------------------------------

def _disputes(session: Session, ring_id: int, period: Year) -> dict:
    """Disputes opened in the year and how each stood at the year's end (across
    partner rings in both rings: both rings' coordinators mediate them)."""
    events = session.execute(
        select(ExchangeEvent.exchange_id, ExchangeEvent.id, ExchangeEvent.action,
               ExchangeEvent.at, ExchangeEvent.transfer_id)
        .join(Exchange, Exchange.id == ExchangeEvent.exchange_id)
        .where(or_(Exchange.ring_id == ring_id, Exchange.partner_ring_id == ring_id),
               ExchangeEvent.at < period.end,
               or_(ExchangeEvent.action == "disputed",
                   ExchangeEvent.action.like("resolved\\_%", escape="\\")),
               ExchangeEvent.exchange_id.in_(
                   select(ExchangeEvent.exchange_id).where(
                       ExchangeEvent.action == "disputed",
                       ExchangeEvent.at >= period.start, ExchangeEvent.at < period.end)))
        .order_by(ExchangeEvent.exchange_id, ExchangeEvent.id)).all()
    outcomes: Counter = Counter()
    open_dispute = {}   # exchange id -> opened in the year and not yet resolved
    for exchange_id, _, action, at, transfer_id in events:
        if action == "disputed":
            open_dispute[exchange_id] = at >= period.start
        elif open_dispute.pop(exchange_id, False):
            outcomes[_outcome(action, transfer_id)] += 1
    outcomes["open"] += sum(open_dispute.values())
    return {"opened": sum(outcomes.values()),
            **{outcome: outcomes[outcome] for outcome in DISPUTE_OUTCOMES}}


def _outcome(action: str, transfer_id: int | None) -> str:
    if action == "resolved_cancel":
        return "reversed" if transfer_id is not None else "cancelled"
    return "booked"   # resolved_book, resolved_adjust


# --- fees, balances ---------------------------------------------------------------

def _fees(session: Session, ring_id: int, period: Year) -> dict:
    count, minutes = session.execute(
        select(func.count(FeeCharge.id), func.coalesce(func.sum(Transfer.minutes), 0))
        .join(Transfer, Transfer.id == FeeCharge.transfer_id)
        .where(FeeCharge.ring_id == ring_id, Transfer.booked_at >= period.start,
               Transfer.booked_at < period.end)).one()
    return {"charges": count, "minutes": int(minutes)}


def _partners(session: Session, ring_id: int, period: Year) -> list[dict]:
    """Hours traded with each partner ring in the year, read from this ring's
    clearing account for it: `minutes_out` this ring's members paid to the
    partner ring's (a credit to the clearing account), `minutes_in` they were
    paid by them (a debit); a reversal counts against its direction. Partner
    rings without a booking in the year are listed while the partnership is
    not ended."""
    rows = []
    for partnership in clearing.partnerships_of(session, ring_id):
        paid_in, paid_out, count = session.execute(
            select(func.coalesce(func.sum(case((Entry.minutes < 0, -Entry.minutes), else_=0)), 0),
                   func.coalesce(func.sum(case((Entry.minutes > 0, Entry.minutes), else_=0)), 0),
                   func.count(Entry.id))
            .where(Entry.account_id == partnership.account_of(ring_id),
                   Entry.booked_at >= period.start, Entry.booked_at < period.end)).one()
        if not count and partnership.status == "ended":
            continue
        other = session.get(Ring, partnership.other_ring_id(ring_id))
        rows.append({"ring": other.slug, "ring_name": other.name, "status": partnership.status,
                     "transfers": count, "minutes_in": int(paid_in),
                     "minutes_out": int(paid_out)})
    return rows


def _trial_balance(session: Session, ring_id: int, period: Year) -> dict:
    """Every account that had an entry by the year's end, with its balance then."""
    balances = balances_before(session, ring_id, period.end)
    kinds = dict(session.execute(select(Account.id, Account.kind)
                                 .where(Account.ring_id == ring_id)).all())
    names: dict[int, list[str]] = defaultdict(list)
    for account_id, name in session.execute(
            select(Member.account_id, Member.name)
            .where(Member.ring_id == ring_id).order_by(Member.id)):
        names[account_id].append(name)
    for account_id, partner in partner_rings_by_account(
            session, [a for a, kind in kinds.items() if kind == "clearing"]).items():
        names[account_id].append(str(partner_label(partner.name)))
    rows = [{"account_id": account_id, "kind": kinds[account_id],
             "holders": names.get(account_id, []), "balance": balance}
            for account_id, balance in balances.items()]
    return {"accounts": rows, "sum": sum(balances.values())}


# --- for the command line ---------------------------------------------------------

REPORT_FORMATS = ("json", "csv", "pdf")


def report_format(out: str | None, fmt: str | None = None) -> str:
    """The format asked for, else the one the file name ends in, else JSON."""
    chosen = fmt or (Path(out).suffix.lstrip(".").lower() if out else "") or "json"
    if chosen not in REPORT_FORMATS:
        raise Invalid("The report's format must be json, csv or pdf.", code="format_unknown",
                      field="format")
    return chosen


def write_report(session: Session, ring_id: int, year: int, out: str | None = None,
                 fmt: str | None = None, language: str = "en") -> bytes:
    """The ring's annual report for the command line (acting as the operator):
    rendered as `fmt` (default: from the suffix of `out`, else JSON) in
    `language`, written to the file `out` if given, and returned."""
    chosen = report_format(out, fmt)
    if session.get(Ring, ring_id) is None:
        raise NotFound("Unknown ring.", code="ring_not_found")
    data = render(annual_report(session, Actor.operator(ring_id), year, language), chosen)
    if out:
        Path(out).write_bytes(data)
    return data
