"""Booking across two partner rings of this instance.

An exchange between a member of ring A (who pays) and a member of ring B (who
is paid) is two transfers in one database transaction, one in each ring's
chain: in A the payer -> A's clearing account for B, in B B's clearing account
for A -> the payee. Each ring still sums to zero and A's clearing balance is
always the negative of B's (the audit checks). The clearing accounts' own
limits are the credit line, so `ledger.book` enforces it under its locks.

Lock order across rings: the partnership row (shared), then the half of the
ring with the lower id is booked first. Every writer in one ring locks its
accounts, then the ring's row, so two cross-ring bookings (in either
direction) and any booking inside one ring always take their locks in the
same global order and cannot deadlock.
"""

from __future__ import annotations

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tauschring.errors import Invalid, NotFound
from tauschring.i18n import Hours, _l
from tauschring.ledger import service as ledger
from tauschring.ledger.models import Account, Transfer
from tauschring.partners.models import Partnership
from tauschring.rings.models import Ring


def pair(ring_id: int, other_ring_id: int) -> tuple[int, int]:
    return (ring_id, other_ring_id) if ring_id < other_ring_id else (other_ring_id, ring_id)


def partnership_between(session: Session, ring_id: int, other_ring_id: int, *,
                        share: bool = False) -> Partnership | None:
    """`share`: read it under a shared lock (PostgreSQL), so a pause or an end
    of the partnership waits for the booking that read it as active."""
    a, b = pair(ring_id, other_ring_id)
    statement = select(Partnership).where(Partnership.ring_a_id == a, Partnership.ring_b_id == b)
    if share:
        statement = statement.with_for_update(read=True).execution_options(
            populate_existing=True)
    return session.scalars(statement).first()


def partnerships_of(session: Session, ring_id: int, *, statuses=None) -> list[Partnership]:
    statement = select(Partnership).where(
        or_(Partnership.ring_a_id == ring_id, Partnership.ring_b_id == ring_id))
    if statuses is not None:
        statement = statement.where(Partnership.status.in_(list(statuses)))
    return list(session.scalars(statement.order_by(Partnership.id)))


def active_partner_ids(session: Session, ring_id: int) -> list[int]:
    """The rings `ring_id` trades with now (active partnerships)."""
    return [p.other_ring_id(ring_id) for p in partnerships_of(session, ring_id,
                                                              statuses=("active",))]


def active_partnership(session: Session, ring_id: int, other_ring_id: int) -> Partnership:
    """The active partnership of the two rings, or a refusal that says why not."""
    found = partnership_between(session, ring_id, other_ring_id)
    if found is None or found.status != "active":
        raise Invalid(_l("The two rings do not trade with each other at the moment."),
                      code="not_partners", field="ring")
    return found


def open_clearing_account(session: Session, ring_id: int, credit_line: int) -> Account:
    """A ring's clearing account for one partner (of this instance or another),
    its own limits the credit line either way."""
    account = ledger.open_account(session, ring_id=ring_id, kind="clearing")
    account.min_balance, account.max_balance = -credit_line, credit_line
    session.flush()
    return account


def open_clearing_accounts(session: Session, ring_a_id: int, ring_b_id: int,
                           credit_line: int) -> tuple[Account, Account]:
    """One clearing account in each ring for the other, bounded by the credit line."""
    return (open_clearing_account(session, ring_a_id, credit_line),
            open_clearing_account(session, ring_b_id, credit_line))


def set_credit_line(session: Session, partnership: Partnership, credit_line: int) -> None:
    """Both clearing accounts take the new bound (a lower one may leave a balance
    outside it: nothing new may then be booked in that direction)."""
    for account_id in (partnership.a_account_id, partnership.b_account_id):
        account = session.get(Account, account_id, with_for_update=True,
                              populate_existing=True)
        account.min_balance, account.max_balance = -credit_line, credit_line
    partnership.credit_line = credit_line
    session.flush()


def book_across(session: Session, *, payer_ring_id: int, payer_account_id: int,
                payee_ring_id: int, payee_account_id: int, minutes: int, memo: str,
                booked_by_id: int | None = None, exchange_id: int | None = None,
                reverses: tuple[int | None, int | None] = (None, None),
                override_reason: str | None = None, require_active: bool = True
                ) -> tuple[Transfer, Transfer]:
    """Book `minutes` from a payer in one ring to a payee in a partner ring.

    Returns (the payer's half, the payee's half). Both halves are booked in the
    caller's transaction (inside `atomic`) or, when one is refused, neither:
    the refusal propagates and `atomic` rolls back. `reverses` names the
    transfers (payer's ring, payee's ring) that these halves reverse; a
    reversal may go on while a partnership is paused or ended
    (`require_active=False`). The credit line is refused as
    `credit_line_exceeded` unless `override_reason` is given.
    """
    if payer_ring_id == payee_ring_id:
        raise Invalid(_l("Both members are in the same ring."), code="same_ring", field="ring")
    partnership = partnership_between(session, payer_ring_id, payee_ring_id, share=True)
    if partnership is None or (require_active and partnership.status != "active"):
        raise Invalid(_l("The two rings do not trade with each other at the moment."),
                      code="not_partners", field="ring")
    payer_clearing = partnership.account_of(payer_ring_id)
    payee_clearing = partnership.account_of(payee_ring_id)
    halves = {
        payer_ring_id: dict(ring_id=payer_ring_id, debit_account_id=payer_account_id,
                            credit_account_id=payer_clearing, reverses_id=reverses[0]),
        payee_ring_id: dict(ring_id=payee_ring_id, debit_account_id=payee_clearing,
                            credit_account_id=payee_account_id, reverses_id=reverses[1]),
    }
    booked = {}
    for ring_id in sorted(halves):  # the lower ring first: one global lock order
        try:
            booked[ring_id] = ledger.book(
                session, minutes=minutes, memo=memo, booked_by_id=booked_by_id,
                exchange_id=exchange_id, override_reason=override_reason, clearing=True,
                **halves[ring_id])
        except Invalid as refusal:
            if refusal.code in ("exceeds_min_balance", "exceeds_max_balance") and \
                    refusal.details.get("account_id") in (payer_clearing, payee_clearing):
                raise _credit_line_refusal(session, partnership, ring_id) from None
            raise
    return booked[payer_ring_id], booked[payee_ring_id]


def _credit_line_refusal(session: Session, partnership: Partnership, ring_id: int) -> Invalid:
    other = session.get(Ring, partnership.other_ring_id(ring_id))
    return Invalid(_l("This would exceed the credit line of %(limit)s between the rings "
                      "(%(ring)s).", limit=Hours(partnership.credit_line), ring=other.name),
                   code="credit_line_exceeded", field="minutes",
                   credit_line=partnership.credit_line)


def mirror_report(session: Session, ring_id: int) -> list[dict]:
    """For the ring's audit: each partner ring, this ring's clearing balance for
    it, and whether the partner's clearing balance is exactly its negative.

    Reads the stored balances in the caller's snapshot (the audit's), which
    the audit has just checked against the entries.
    """
    report = []
    for partnership in partnerships_of(session, ring_id):
        own = session.get(Account, partnership.account_of(ring_id))
        other_ring = session.get(Ring, partnership.other_ring_id(ring_id))
        theirs = session.get(Account, partnership.account_of(other_ring.id))
        report.append({
            "ring": other_ring.slug, "ring_id": other_ring.id, "ring_name": other_ring.name,
            "status": partnership.status, "credit_line": partnership.credit_line,
            "clearing_account_id": own.id, "clearing_balance": own.balance,
            "partner_clearing_balance": theirs.balance,
            "mirrored": own.balance == -theirs.balance,
        })
    return report


def require_partner_ring(session: Session, ring_id: int, other_ring_id: int) -> Ring:
    """The other ring, when it is an active partner (else 404: the actor may not
    see into rings it does not trade with)."""
    found = partnership_between(session, ring_id, other_ring_id)
    if found is None or found.status != "active":
        raise NotFound(_l("Ring %(id)s does not exist.", id=other_ring_id),
                       code="ring_not_found")
    return session.get(Ring, other_ring_id)

