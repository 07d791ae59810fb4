"""Booking many transfers at once, all or nothing: a stack of typed-up slips,
hours to many helpers from one account, a shared cost split among members.

Every row is checked before anything is booked (unknown account, closed
account, amount, a limit the stack would breach, a slip booked before or
twice in the stack), and every refusal is named by its row and field
(`transfers.<index>.<field>`). Then all rows are booked through the ledger's
`book()` in the caller's one transaction (`atomic`). A slip number is booked
once in its ring, ever: `office_batch_transfers` holds it unique, so two
offices typing the same slip at the same moment book it once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tauschring import auditlog
from tauschring.actors import Actor
from tauschring.db import RetryTransaction
from tauschring.errors import DomainError, Invalid, NotFound
from tauschring.i18n import Hours, _l
from tauschring.ledger.models import Account, Transfer
from tauschring.ledger.service import book, check_minutes, effective_limits, holder_names
from tauschring.office.models import Batch, BatchTransfer
from tauschring.rings.models import Ring
from tauschring.text import check_text

MAX_ROWS = 500
SLIP_MAX = 999_999_999


@dataclass
class Row:
    """One booking of a batch: the payer's account is debited, the payee's credited."""

    debit_account_id: int | None
    credit_account_id: int | None
    minutes: int | None
    memo: str = ""
    slip: int | None = None
    slip_date: date | None = None


class BatchRefused(DomainError):
    """Rows of a batch are refused; nothing was booked.

    `field_errors` names each refusal by row and field
    (`transfers.3.debit_account_id`); 409 when a slip was booked before, else 422.
    """

    def __init__(self, field_errors: dict[str, list], *, conflict: bool = False):
        rows = len({name.split(".")[1] for name in field_errors if name.count(".") >= 2})
        super().__init__(
            _l("%(count)s rows are refused; nothing was booked.", count=rows)
            if rows != 1 else _l("One row is refused; nothing was booked."),
            code="slip_already_booked" if conflict else "rows_invalid")
        self.status = 409 if conflict else 422
        self.field_errors = field_errors

    def by_row(self) -> dict[int, dict[str, list]]:
        """{row index: {field: [messages]}} for a page that shows them beside each row."""
        rows: dict[int, dict[str, list]] = {}
        for name, messages in self.field_errors.items():
            _, index, field = name.split(".", 2)
            rows.setdefault(int(index), {})[field] = messages
        return rows


class _Problems:
    def __init__(self):
        self.errors: dict[str, list] = {}
        self.conflict = False

    def add(self, index: int, field: str, message, *, conflict: bool = False) -> None:
        self.errors.setdefault(f"transfers.{index}.{field}", []).append(message)
        self.conflict = self.conflict or conflict

    def bad(self, index: int) -> bool:
        return any(name.startswith(f"transfers.{index}.") for name in self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise BatchRefused(self.errors, conflict=self.conflict)


def booked_slips(session: Session, ring_id: int, slips) -> dict[int, int]:
    """slip number -> the transfer that booked it, for those of `slips` booked before."""
    wanted = [s for s in set(slips) if s is not None]
    if not wanted:
        return {}
    return dict(session.execute(select(BatchTransfer.slip, BatchTransfer.transfer_id).where(
        BatchTransfer.ring_id == ring_id, BatchTransfer.slip.in_(wanted))).all())


def check_rows(session: Session, actor: Actor, rows: list[Row]) -> None:
    """Check every row, as the stack would be booked in order; raise BatchRefused
    naming every refused row and field, or return when all may be booked."""
    actor.require_coordinator()
    problems = _Problems()
    if not rows:
        problems.add(0, "debit_account_id", _l("There is nothing to book."))
        problems.raise_if_any()
    if len(rows) > MAX_ROWS:
        raise Invalid(_l("At most %(count)s bookings at once.", count=MAX_ROWS),
                      code="too_many_rows", field="transfers")
    ids = {i for row in rows for i in (row.debit_account_id, row.credit_account_id) if i}
    accounts = {a.id: a for a in session.scalars(select(Account).where(
        Account.id.in_(ids), Account.ring_id == actor.ring_id))}
    ring = session.get(Ring, actor.ring_id)
    balances = {a.id: a.balance for a in accounts.values()}
    booked = booked_slips(session, actor.ring_id, [row.slip for row in rows])
    seen_slips: dict[int, int] = {}
    for index, row in enumerate(rows):
        for field in ("debit_account_id", "credit_account_id"):
            account_id = getattr(row, field)
            account = accounts.get(account_id)
            if account is None:
                problems.add(index, field, _l("There is no such account in this ring."))
            elif account.status != "open":
                problems.add(index, field, _l("This account is closed or not yet open: it "
                                              "takes no bookings."))
        if row.debit_account_id and row.debit_account_id == row.credit_account_id:
            problems.add(index, "credit_account_id",
                         _l("A transfer needs two different accounts."))
        try:
            check_minutes(row.minutes)
        except Invalid as error:
            problems.add(index, "minutes", error.message)
        try:
            memo = check_text((row.memo or "").strip(), "memo", multiline=False)
            if not memo:
                problems.add(index, "memo", _l("Please say what it was for."))
            elif len(memo) > 2000:
                problems.add(index, "memo", _l("At most %(max)s characters.", max=2000))
        except Invalid as error:
            problems.add(index, "memo", error.message)
        if row.slip is not None:
            if isinstance(row.slip, bool) or not isinstance(row.slip, int) or not (
                    0 < row.slip <= SLIP_MAX):
                problems.add(index, "slip", _l("A slip number is a whole number above zero."))
            elif row.slip in booked:
                problems.add(index, "slip", _l(
                    "Slip %(slip)s was booked before (transfer #%(id)s).", slip=row.slip,
                    id=booked[row.slip]), conflict=True)
            elif row.slip in seen_slips:
                problems.add(index, "slip", _l("Slip %(slip)s is in this stack twice (row "
                                               "%(row)s).", slip=row.slip,
                                               row=seen_slips[row.slip] + 1))
            else:
                seen_slips[row.slip] = index
        if not problems.bad(index):
            _check_limits(session, problems, index, row, accounts, balances, ring)
    problems.raise_if_any()


def _check_limits(session, problems, index, row, accounts, balances, ring) -> None:
    debit, credit = accounts[row.debit_account_id], accounts[row.credit_account_id]
    debit_after = balances[debit.id] - row.minutes
    credit_after = balances[credit.id] + row.minutes
    low, _ = effective_limits(debit, ring)
    if low is not None and debit_after < low:
        problems.add(index, "minutes", _l(
            "%(name)s would fall to %(balance)s, below the lowest allowed balance of "
            "%(limit)s.", name=holder_names(session, debit), balance=Hours(debit_after),
            limit=Hours(low)))
        return
    _, high = effective_limits(credit, ring)
    if high is not None and credit_after > high:
        problems.add(index, "minutes", _l(
            "%(name)s would rise to %(balance)s, above the highest allowed balance of "
            "%(limit)s.", name=holder_names(session, credit), balance=Hours(credit_after),
            limit=Hours(high)))
        return
    balances[debit.id], balances[credit.id] = debit_after, credit_after


def book_rows(session: Session, actor: Actor, rows: list[Row], *, kind: str = "api",
              checked: bool = False) -> Batch:
    """Check every row (check_rows), then book them all in order, or none.

    Must run inside `atomic`. `checked`: the caller ran check_rows on these rows
    in this same transaction already. Returns the batch; its transfers are
    `batch_transfers(session, batch.id)`."""
    if not checked:
        check_rows(session, actor, rows)
    batch = Batch(ring_id=actor.ring_id, kind=kind, booked_by_id=actor.member_id)
    session.add(batch)
    session.flush()
    batch_id = batch.id
    for index, row in enumerate(rows):
        try:
            transfer = book(session, ring_id=actor.ring_id,
                            debit_account_id=row.debit_account_id,
                            credit_account_id=row.credit_account_id, minutes=row.minutes,
                            memo=row.memo.strip(), booked_by_id=actor.member_id)
        except Invalid as error:
            # A balance moved since the check (another booking at the same moment).
            problems = _Problems()
            problems.add(index, error.field or "minutes", error.message)
            problems.raise_if_any()
        session.add(BatchTransfer(transfer_id=transfer.id, batch_id=batch_id,
                                  ring_id=actor.ring_id, position=index, slip=row.slip,
                                  slip_date=row.slip_date))
        try:
            session.flush()
        except IntegrityError as error:
            if "office_batch_transfers" in str(error.orig):
                # Another office booked this slip a moment ago: check again from the
                # start, so the answer names the slip (409) and nothing is booked.
                raise RetryTransaction() from None
            raise
    auditlog.record(session, ring_id=actor.ring_id, actor_id=actor.member_id,
                    action="office.batch", subject=f"batch:{batch_id}", kind=kind,
                    transfers=len(rows), minutes=sum(row.minutes for row in rows),
                    slips=[row.slip for row in rows if row.slip is not None])
    session.flush()
    return batch


def get_batch(session: Session, actor: Actor, batch_id: int) -> Batch:
    """A batch of the coordinator's ring (404 for another ring's)."""
    actor.require_coordinator()
    batch = session.get(Batch, batch_id)
    if batch is None or batch.ring_id != actor.ring_id:
        raise NotFound(_l("Batch #%(id)s does not exist.", id=batch_id),
                       code="batch_not_found")
    return batch


def batches_of_ring(actor: Actor):
    """The ring's batches, newest first: rows (Batch, transfers, minutes, first slip,
    last slip)."""
    actor.require_coordinator()
    return (select(Batch, func.count(BatchTransfer.transfer_id).label("transfers"),
                   func.sum(Transfer.minutes).label("minutes"),
                   func.min(BatchTransfer.slip).label("first_slip"),
                   func.max(BatchTransfer.slip).label("last_slip"))
            .join(BatchTransfer, BatchTransfer.batch_id == Batch.id)
            .join(Transfer, Transfer.id == BatchTransfer.transfer_id)
            .where(Batch.ring_id == actor.ring_id)
            .group_by(Batch.id).order_by(Batch.id.desc()))


def batch_transfers(session: Session, batch_id: int) -> list:
    """The batch's transfers in the order they were typed: rows (transfer, slip,
    slip_date)."""
    return session.execute(
        select(Transfer, BatchTransfer.slip, BatchTransfer.slip_date)
        .join(BatchTransfer, BatchTransfer.transfer_id == Transfer.id)
        .where(BatchTransfer.batch_id == batch_id).order_by(BatchTransfer.position)).all()


def slips_of(session: Session, transfer_ids) -> dict[int, int]:
    """transfer id -> the slip it was typed from (those typed from a slip)."""
    ids = list(set(transfer_ids))
    if not ids:
        return {}
    return dict(session.execute(select(BatchTransfer.transfer_id, BatchTransfer.slip).where(
        BatchTransfer.transfer_id.in_(ids), BatchTransfer.slip.is_not(None))).all())
