"""What the coordinator reads of the ring: the balances overview, the audit log,
the fee runs so far, and who holds which account.

Read functions in the manner of the other services: they take a session, an
Actor (a coordinator of the ring) and plain values, and return rows and
statements; the pages (views.py, desk.py) turn them into pages. The fee run
itself is `tauschring.fees.service.charge_fees`, for every door.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.auditlog import LoggedAction
from tauschring.fees.models import FeeCharge
from tauschring.ledger import queries
from tauschring.ledger.models import Account
from tauschring.ledger.service import (
    effective_limits,
    holders_by_account,
    holders_named,
    holders_shown,
)
from tauschring.members.models import Member
from tauschring.partners.names import partner_label, partner_rings_by_account
from tauschring.rings.models import Ring

# A balance this close to a limit (a share of the limit's size) is flagged.
NEAR_LIMIT_SHARE = 10
BALANCE_SORTS = ("balance", "-balance", "activity", "-activity", "name")


def limit_flag(account: Account, low: int | None, high: int | None) -> str | None:
    """'outside' past a limit, 'near' within 10 % of it, else None (open accounts only)."""
    if account.status != "open":
        return None
    balance = account.balance
    if (low is not None and balance < low) or (high is not None and balance > high):
        return "outside"
    if low is not None and balance - low <= abs(low) // NEAR_LIMIT_SHARE:
        return "near"
    if high is not None and high - balance <= abs(high) // NEAR_LIMIT_SHARE:
        return "near"
    return None


def account_names(session: Session, actor: Actor, account_ids,
                  association: str) -> dict[int, str]:
    """Who holds each account of the actor's ring: its holders named
    (ledger.service.holders_named), or `association` for the association's.
    Accounts of other rings are absent."""
    account_ids = list(set(account_ids))
    accounts = session.execute(select(Account.id, Account.kind).where(
        Account.id.in_(account_ids), Account.ring_id == actor.ring_id)).all()
    held = holders_by_account(session, [a.id for a in accounts if a.kind != "association"])
    partners = partner_rings_by_account(session, [a.id for a in accounts if a.kind == "clearing"])
    held.update({account_id: str(partner_label(ring.name))
                 for account_id, ring in partners.items()})
    return {account_id: association if kind == "association" else held.get(account_id, "")
            for account_id, kind in accounts}


def member_names(session: Session, actor: Actor, member_ids) -> dict[int, str]:
    """member id -> name, for members of the actor's ring; anything else is absent."""
    ids = {i for i in member_ids if isinstance(i, int) and not isinstance(i, bool)}
    if not ids:
        return {}
    return dict(session.execute(select(Member.id, Member.name).where(
        Member.id.in_(ids), Member.ring_id == actor.ring_id)).all())


# --- balances ----------------------------------------------------------------------

def balances(session: Session, actor: Actor, *, quiet_since: datetime, sort: str = "balance",
             only_flagged: bool = False, with_closed: bool = False) -> dict:
    """Every member account with its holders, limits, flag and last activity.

    An open account without an entry since `quiet_since` is inactive; with
    `only_flagged` only accounts flagged or inactive are listed. `sort` is one
    of BALANCE_SORTS. Returns the rows and the sums of members' and the
    association's balances (which together are 0)."""
    actor.require_coordinator()
    ring = session.get(Ring, actor.ring_id)
    accounts = session.scalars(select(Account).where(Account.ring_id == ring.id)).all()
    people: dict[int, list[Member]] = {}
    for member in session.scalars(select(Member).where(Member.ring_id == ring.id)
                                  .order_by(Member.name, Member.id)):
        people.setdefault(member.account_id, []).append(member)
    last = queries.last_entry_per_account(session, ring.id)
    rows = []
    for account in accounts:
        if account.kind != "member" or (account.status == "closed" and not with_closed):
            continue
        low, high = effective_limits(account, ring)
        last_at = last.get(account.id)
        row = {"account": account, "holders": holders_shown(people.get(account.id, [])),
               "low": low, "high": high, "flag": limit_flag(account, low, high),
               "last": last_at,
               "inactive": account.status == "open"
               and (last_at or account.created_at) < quiet_since}
        if not only_flagged or row["flag"] or row["inactive"]:
            rows.append(row)
    _sort_balances(rows, sort)
    members_sum = sum(a.balance for a in accounts if a.kind == "member")
    association = sum(a.balance for a in accounts if a.kind != "member")
    return {"rows": rows, "members_sum": members_sum, "association": association,
            "total": members_sum + association}


def _sort_balances(rows: list[dict], sort: str) -> None:
    def name(row):
        return holders_named(row["holders"]).casefold()

    def activity(row):  # accounts that never moved count as the longest ago
        moment = row["last"]
        return (moment is not None, moment.timestamp() if moment else 0, name(row))

    keys = {"balance": lambda r: (r["account"].balance, name(r)),
            "-balance": lambda r: (-r["account"].balance, name(r)),
            "activity": activity, "name": name}
    if sort == "-activity":
        rows.sort(key=activity, reverse=True)
    else:
        rows.sort(key=keys[sort])


# --- audit log -----------------------------------------------------------------------

def logged_actions(session: Session, actor: Actor) -> list[str]:
    """The kinds of action the ring's audit log holds, in alphabetical order."""
    actor.require_coordinator()
    return sorted(session.scalars(select(LoggedAction.action).where(
        LoggedAction.ring_id == actor.ring_id).distinct()))


def audit_log(actor: Actor, action: str | None = None) -> Select:
    """The ring's audit log, newest first; with `action` only that kind."""
    actor.require_coordinator()
    statement = (select(LoggedAction).where(LoggedAction.ring_id == actor.ring_id)
                 .order_by(LoggedAction.at.desc(), LoggedAction.id.desc()))
    if action:
        statement = statement.where(LoggedAction.action == action)
    return statement


# --- fees --------------------------------------------------------------------------------

def fee_runs(session: Session, actor: Actor, limit: int) -> list:
    """The latest `limit` periods charged: (period, accounts charged, last charged at)."""
    actor.require_coordinator()
    return session.execute(
        select(FeeCharge.period, func.count(FeeCharge.id), func.max(FeeCharge.charged_at))
        .where(FeeCharge.ring_id == actor.ring_id).group_by(FeeCharge.period)
        .order_by(FeeCharge.period.desc()).limit(limit)).all()


def fee_accounts(session: Session, actor: Actor) -> int:
    """How many open member accounts an active member holds: those a fee run charges."""
    actor.require_coordinator()
    return session.scalar(
        select(func.count(func.distinct(Member.account_id)))
        .join(Account, Account.id == Member.account_id)
        .where(Member.ring_id == actor.ring_id, Member.status == "active",
               Account.kind == "member", Account.status == "open"))
