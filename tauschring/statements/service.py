"""Statements of account for a calendar year, as plain data.

`statement` builds one account's statement (a Statement, statement.py);
`statements_of_ring` every account's, sharing what they have in common (names,
categories, the chain head); `all_statements_zip` and `write_statements` hand
them out as files. Renderers (CSV, PDF) live in `render.py`.

Who may read a statement: the account's holders (every member of a
household) and the coordinators of its ring. Anyone else learns nothing,
not even that the account exists (NotFound).
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import IO

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.errors import Invalid, NotFound
from tauschring.exchanges.models import Exchange
from tauschring.ledger.models import Account, Entry, Transfer
from tauschring.ledger.service import get_account
from tauschring.market.models import Category
from tauschring.members.models import Member
from tauschring.office.models import MemberNumber
from tauschring.partners.names import partner_label, partner_rings_by_account
from tauschring.pdf import renderer_setup, start_renderer
from tauschring.rings.models import Ring
from tauschring.statements import render as renderers
from tauschring.statements.statement import ASSOCIATION, Statement, StatementLine
from tauschring.statements.years import (
    RING_TIMEZONE,
    Year,
    accounts_in_year,
    as_utc,
    balance_before,
    chain_head_before,
    current_year,
    local_day,
    year_of,
)

DEFAULT_LANGUAGE = "de"
FORMATS = ("csv", "pdf")


class _Ring:
    """What every statement of one ring and year shares: the chain head, the
    categories, and the names of accounts, each looked up once."""

    def __init__(self, session: Session, ring: Ring, year: Year):
        self.session, self.ring, self.year = session, ring, year
        self.chain_head = chain_head_before(session, ring.id, year.end)
        self.categories = {c.id: c for c in session.scalars(
            select(Category).where(Category.ring_id == ring.id))}
        self._holders: dict[int, list[tuple[str, str]]] = {}
        self._labels: dict[int, str] = {}
        self._numbers: dict[int, list[int]] = {}  # the holders' member numbers
        self._partner_rings: dict[int, Ring] = {}  # clearing account -> partner ring
        self._people: dict[int, tuple[str, int]] = {}  # member id -> (name, ring id)
        # The year's entries of one account, in order: one range of the index
        # entries(account_id, booked_at, id). Built once, run per account.
        self._entries = (
            select(Entry.transfer_id, Entry.booked_at, Entry.minutes, Entry.balance_after,
                   Entry.counterparty_account_id, Transfer.memo, Exchange.category_id,
                   Exchange.provider_id, Exchange.recipient_id)
            .join(Transfer, Transfer.id == Entry.transfer_id)
            .outerjoin(Exchange, Exchange.id == Transfer.exchange_id)
            .where(Entry.account_id == bindparam("account_id"),
                   Entry.booked_at >= year.start, Entry.booked_at < year.end)
            .order_by(Entry.booked_at, Entry.id))

    def load_holders(self, account_ids) -> None:
        missing = set(account_ids) - set(self._labels)
        if not missing:
            return
        kinds = dict(self.session.execute(
            select(Account.id, Account.kind).where(Account.id.in_(missing))).all())
        for account_id in missing:
            self._holders.setdefault(account_id, [])
        for account_id, name, language, number in self.session.execute(
                select(Member.account_id, Member.name, Member.language, MemberNumber.number)
                .outerjoin(MemberNumber, MemberNumber.member_id == Member.id)
                .where(Member.account_id.in_(missing)).order_by(Member.id)):
            self._holders[account_id].append((name, language))
            if number is not None:
                self._numbers.setdefault(account_id, []).append(number)
        self._partner_rings.update(partner_rings_by_account(
            self.session, [a for a in missing if kinds.get(a) == "clearing"]))
        for account_id in missing:
            partner = self._partner_rings.get(account_id)
            self._labels[account_id] = ASSOCIATION if kinds.get(account_id) == "association" \
                else partner_label(partner.name) if partner is not None \
                else ", ".join(self.holders(account_id)) or f"#{account_id}"

    def counterparty(self, account_id: int, member_ids) -> str:
        """The other side of an entry; across rings, the partner member of the
        exchange (if it names one) with the partner ring."""
        partner = self._partner_rings.get(account_id)
        if partner is None:
            return self._labels[account_id]
        wanted = [m for m in member_ids if m is not None and m not in self._people]
        if wanted:
            self._people.update({row.id: (row.name, row.ring_id) for row in self.session.execute(
                select(Member.id, Member.name, Member.ring_id).where(Member.id.in_(wanted)))})
        names = [self._people[m][0] for m in member_ids
                 if m in self._people and self._people[m][1] == partner.id]
        return partner_label(partner.name, names[0] if names else None)

    def holders(self, account_id: int) -> list[str]:
        return [name for name, _ in self._holders.get(account_id, [])]

    def language(self, account_id: int) -> str:
        found = self._holders.get(account_id)
        return found[0][1] if found else DEFAULT_LANGUAGE

    def build(self, account_id: int, kind: str, opening: int,
              language: str | None = None) -> Statement:
        rows = self.session.execute(self._entries, {"account_id": account_id}).all()
        self.load_holders([account_id, *{row.counterparty_account_id for row in rows}])
        language = language or self.language(account_id)
        ring, year = self.ring, self.year
        statement = Statement(
            ring_id=ring.id, ring_name=ring.name, ring_slug=ring.slug,
            unit_name=ring.unit_name, account_id=account_id, account_kind=kind,
            holders=self.holders(account_id), language=language, year=year.year,
            first_day=year.first_day, last_day=year.last_day, timezone=RING_TIMEZONE.key,
            opening_balance=opening, closing_balance=opening, chain_head=self.chain_head,
            complete=year.complete, member_numbers=self._numbers.get(account_id, []))
        categories = {None: "", **{id_: c.name(language) for id_, c in self.categories.items()}}
        lines = statement.lines
        for (transfer_id, booked_at, minutes, balance_after, counterparty, memo,
             category_id, provider_id, recipient_id) in rows:
            lines.append(StatementLine(
                transfer_id=transfer_id, booked_at=booked_at, day=local_day(booked_at),
                counterparty_account_id=counterparty,
                counterparty=self.counterparty(counterparty, (provider_id, recipient_id)),
                memo=memo or "", category=categories.get(category_id, ""), minutes=minutes,
                balance_after=balance_after))
            if minutes > 0:
                statement.received += minutes
            else:
                statement.given -= minutes
        if lines:
            statement.closing_balance = lines[-1].balance_after
        return statement


def statement(session: Session, actor: Actor, account_id: int, year: int,
              language: str | None = None) -> Statement:
    """One account's statement for one calendar year (see years.py for the
    boundaries). The account's own holders and the ring's coordinators may
    read it; for anyone else it does not exist (NotFound). `language`
    defaults to the first holder's."""
    account = get_account(session, actor, account_id)
    period = year_of(year)
    ring = session.get(Ring, account.ring_id)
    opening = balance_before(session, account.id, period.start)
    return _Ring(session, ring, period).build(account.id, account.kind, opening, language)


def statements_of_ring(session: Session, actor: Actor, year: int) -> Iterator[Statement]:
    """Every account's statement of the actor's ring (coordinators only), one
    at a time, in account order: the year-end run gives every member one.

    An account has a statement for the year when it had an entry in the year
    or a balance at its start, or when it was open during the year without
    any activity (then opening = closing): a member account one of whose
    holders had joined by 31 December and that was not closed before
    1 January (its last holder left before the year), or the association
    account made before the year's end. Left out: applicants' accounts that
    never had a member admitted, accounts of members who joined later, and
    closed accounts that held nothing during the year.
    """
    actor.require_coordinator()
    period = year_of(year)
    ring = session.get(Ring, actor.ring_id)
    shared = _Ring(session, ring, period)
    for account_id, kind, opening in _with_statements(session, ring.id, period):
        yield shared.build(account_id, kind, opening)


def count_statements(session: Session, actor: Actor, year: int) -> int:
    """How many statements statements_of_ring gives (coordinators only)."""
    actor.require_coordinator()
    return len(_with_statements(session, actor.ring_id, year_of(year)))


def _with_statements(session: Session, ring_id: int, period: Year) -> list[tuple]:
    """(account id, kind, opening balance) of every account with a statement."""
    membership = memberships(session, ring_id)
    chosen = []
    for account_id, kind, status, opening, last_entry_at in accounts_in_year(
            session, ring_id, period):
        has_entries = last_entry_at is not None and as_utc(last_entry_at) >= period.start
        if has_entries or opening or open_during(period, kind, status, membership.get(
                account_id)):
            chosen.append((account_id, kind, opening or 0))
    return chosen


def memberships(session: Session, ring_id: int) -> dict[int, tuple]:
    """Per account of the ring: (the first holder's joining day, the last
    holder's leaving day, whether a holder is still there, the account's
    creation), each None where unknown."""
    found: dict[int, tuple] = {}
    rows = session.execute(
        select(Account.id, Account.created_at, Member.joined_on, Member.left_on)
        .outerjoin(Member, Member.account_id == Account.id)
        .where(Account.ring_id == ring_id))
    for account_id, created_at, joined_on, left_on in rows:
        joined, left, staying, _ = found.get(account_id, (None, None, False, created_at))
        if joined_on is not None:
            joined = joined_on if joined is None else min(joined, joined_on)
        if left_on is not None:
            left = left_on if left is None else max(left, left_on)
        elif joined_on is not None:
            staying = True
        found[account_id] = (joined, left, staying, created_at)
    return found


def open_during(period: Year, kind: str, status: str, membership: tuple | None) -> bool:
    """Whether an account without activity in the year was open during it."""
    if membership is None:
        return False
    joined, left, staying, created_at = membership
    if kind == "association":
        return created_at is not None and as_utc(created_at) < period.end
    if joined is None or joined > date(period.year, 12, 31):
        return False   # an applicant, or a member only from a later year
    if status == "closed" and not staying:
        return left is not None and left >= period.first_day
    return True


# --- files ----------------------------------------------------------------------

def render(statement: Statement, fmt: str) -> bytes:
    if fmt == "csv":
        return renderers.statement_csv(statement)
    if fmt == "pdf":
        return renderers.statement_pdf(statement)
    raise Invalid("The format must be csv or pdf.", code="format_unknown", field="format")


def file_name(statement: Statement, fmt: str, *, with_holder: bool = False) -> str:
    return renderers.statement_filename(statement, fmt, with_holder=with_holder)


def all_statements_zip(session: Session, actor: Actor, year: int,
                       formats: tuple[str, ...] = FORMATS) -> bytes:
    """A ZIP with every account's statement of the year, as CSV and PDF
    (coordinators only), as bytes."""
    with all_statements_zip_file(session, actor, year, formats) as archive:
        return archive.read()


def all_statements_zip_file(session: Session, actor: Actor, year: int,
                            formats: tuple[str, ...] = FORMATS) -> IO[bytes]:
    """The same ZIP as a file at its start, for the doors to send: one statement
    at a time goes in, and past 16 MB the file is on disk, not in memory, so a
    ring of thousands of members costs no more memory than a small one."""
    spool = tempfile.SpooledTemporaryFile(max_size=16 * 2**20)   # noqa: SIM115 - returned
    with zipfile.ZipFile(spool, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in statements_of_ring(session, actor, year):
            for fmt in formats:
                archive.writestr(file_name(item, fmt, with_holder=True), render(item, fmt))
    spool.seek(0)
    return spool


def zip_filename(ring: Ring, year: int) -> str:
    return f"kontoauszuege-{renderers.slug(ring.slug)}-{year}.zip"


def write_statements(session: Session, ring_id: int, year: int, out_dir: str | Path,
                     fmt: str = "pdf",
                     progress: Callable[[int, Statement, Path], None] | None = None,
                     workers: int = 1) -> list[Path]:
    """Write every account's statement of the ring for `year` into `out_dir`
    (created if missing) as `fmt` ("csv" or "pdf"); for the command line, which
    acts as the operator. Calls progress(n, statement, path) after each file
    and returns the files written, in account order.

    PDFs take most of the time (WeasyPrint lays out every row); with
    workers > 1 they are rendered by that many processes side by side.
    """
    if fmt not in FORMATS:
        raise Invalid("The format must be csv or pdf.", code="format_unknown", field="format")
    if session.get(Ring, ring_id) is None:
        raise NotFound("Unknown ring.", code="ring_not_found")
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    items = statements_of_ring(session, Actor.operator(ring_id), year)
    written = []
    for n, (item, data) in enumerate(rendered_statements(items, fmt, workers), 1):
        path = folder / file_name(item, fmt, with_holder=True)
        path.write_bytes(data)
        written.append(path)
        if progress is not None:
            progress(n, item, path)
    return written


def rendered_statements(items: Iterator[Statement], fmt: str, workers: int = 1
              ) -> Iterator[tuple[Statement, bytes]]:
    """(statement, file content) in the statements' order."""
    if workers <= 1 or fmt != "pdf":
        for item in items:
            yield item, render(item, fmt)
        return
    import multiprocessing
    from collections import deque
    from concurrent.futures import ProcessPoolExecutor

    context = multiprocessing.get_context("spawn")   # no copied database connections
    with ProcessPoolExecutor(workers, mp_context=context, initializer=start_renderer,
                             initargs=(renderer_setup(),)) as pool:
        pending: deque = deque()
        for item in items:
            pending.append((item, pool.submit(_render_pdf, item)))
            if len(pending) >= 2 * workers:   # a few ahead, not the whole ring in memory
                done, future = pending.popleft()
                yield done, future.result()
        while pending:
            done, future = pending.popleft()
            yield done, future.result()


def _render_pdf(item: Statement) -> bytes:
    return render(item, "pdf")


# --- which years there are ----------------------------------------------------------

def years_of_account(session: Session, actor: Actor, account_id: int) -> list[dict]:
    """The years with a statement for this account, newest first: from the year
    of its first entry to the current year, each with its closing balance."""
    account = get_account(session, actor, account_id)
    first = session.scalar(select(Entry.booked_at).where(Entry.account_id == account.id)
                           .order_by(Entry.booked_at, Entry.id).limit(1))
    if first is None:
        return []
    years = []
    for year in range(current_year(), local_day(first).year - 1, -1):
        period = year_of(year)
        years.append({"year": year, "closing_balance": balance_before(
            session, account.id, period.end)})
    return years


def years_of_ring(session: Session, actor: Actor) -> list[int]:
    """The years in which the actor's ring booked anything, and every year since
    (coordinators only), newest first."""
    actor.require_coordinator()
    first = session.scalar(select(Transfer.booked_at).where(Transfer.ring_id == actor.ring_id)
                           .order_by(Transfer.booked_at).limit(1))
    if first is None:
        return []
    return list(range(current_year(), local_day(first).year - 1, -1))


def holders_of(session: Session, account_id: int) -> list[str]:
    return list(session.scalars(select(Member.name).where(Member.account_id == account_id)
                                .order_by(Member.id)))
