"""The periodic account fee: minutes from each active account to the association.

`charge` books at most one fee per account and period (the FeeCharge key),
so running it twice for one period books once. Accounts whose limit the fee
would breach are reported, not silently skipped; a later run charges them
once their balance allows. `charge_fees` is the run every door starts (the
coordinator's page, `tauschring fees charge`): it records each run in the
audit log.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tauschring import auditlog
from tauschring.actors import Actor
from tauschring.errors import Invalid
from tauschring.fees.models import FeeCharge
from tauschring.i18n import _l
from tauschring.ledger import service as ledger
from tauschring.ledger.models import Account
from tauschring.members.models import Member
from tauschring.rings.models import Ring

# Matched whole (fullmatch) and with ASCII digits only: "\d" takes other scripts'
# digits and "$" a trailing newline, and either would charge a period a second time.
PERIOD = {"month": re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])"), "year": re.compile(r"[0-9]{4}")}


@dataclass
class FeeRun:
    period: str
    minutes: int
    charged: list[int] = field(default_factory=list)  # account ids charged now
    already: list[int] = field(default_factory=list)  # charged by an earlier run
    # (account id, holders' names, why) for each account the fee would push past a limit
    refused: list[tuple[int, list[str], str]] = field(default_factory=list)


def charge(session: Session, *, ring_id: int, period: str,
           booked_by_id: int | None = None) -> FeeRun:
    ring = session.get(Ring, ring_id)
    if not ring.fee_minutes:
        raise Invalid(_l("This ring charges no account fee: set one in the ring settings "
                         "first."), code="no_fee", field="ring")
    if not isinstance(period, str) or not PERIOD[ring.fee_period].fullmatch(period):
        if ring.fee_period == "year":
            message = _l("This ring charges its fee per year: give the year, e.g. "
                         "%(example)s.", example="2026")
        else:
            message = _l("This ring charges its fee per month: give year and month, e.g. "
                         "%(example)s.", example="2026-11")
        raise Invalid(message, code="period_invalid", field="period")
    run = FeeRun(period=period, minutes=ring.fee_minutes)
    bank = ledger.association_account(session, ring_id)
    done = set(session.scalars(select(FeeCharge.account_id).where(
        FeeCharge.ring_id == ring_id, FeeCharge.period == period)))
    holders: dict[int, list[str]] = {}
    for account_id, name in session.execute(
            select(Member.account_id, Member.name)
            .join(Account, Account.id == Member.account_id)
            .where(Member.ring_id == ring_id, Member.status == "active",
                   Account.kind == "member", Account.status == "open")
            .order_by(Member.account_id, Member.id)):
        holders.setdefault(account_id, []).append(name)
    for account_id, names in holders.items():
        if account_id in done:
            run.already.append(account_id)
            continue
        try:
            with session.begin_nested():
                transfer = ledger.book(
                    session, ring_id=ring_id, debit_account_id=account_id,
                    credit_account_id=bank.id, minutes=ring.fee_minutes,
                    memo=f"Kontoführungsgebühr / account fee {period}",
                    booked_by_id=booked_by_id)
                session.add(FeeCharge(ring_id=ring_id, period=period, account_id=account_id,
                                      transfer_id=transfer.id))
                session.flush()
        except IntegrityError:
            # A run at the same moment charged this account first; the savepoint
            # took our transfer back with the refused charge row.
            run.already.append(account_id)
        except Invalid as error:
            run.refused.append((account_id, names, str(error.message)))
        else:
            run.charged.append(account_id)
    return run


def charge_fees(session: Session, actor: Actor, period: str) -> FeeRun:
    """Charge the ring's fee for `period` and record who ran it and what came of it.

    `actor` is a coordinator of the ring, or the operator at the command line
    (Actor.operator: the log names no member)."""
    actor.require_coordinator()
    run = charge(session, ring_id=actor.ring_id, period=period, booked_by_id=actor.member_id)
    auditlog.record(session, ring_id=actor.ring_id, actor_id=actor.member_id,
                    action="fees.charge", subject=f"ring:{actor.ring_id}", period=period,
                    minutes=run.minutes, charged=len(run.charged), already=len(run.already),
                    refused=[" & ".join(names) for _account_id, names, _message in run.refused])
    session.flush()
    return run
