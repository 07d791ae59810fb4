"""A member's own data, to take along (data portability).

Everything the ring holds about the member and the member's own dealings:
the profile, the account with every entry, talents, exchanges with their
events, notifications and what the audit log records about the member. Of
other people it names only the partner of each of the member's exchanges;
no password hash, no one else's contact details, talents or accounts.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.auditlog import LoggedAction
from tauschring.away.models import Away
from tauschring.db import utcnow
from tauschring.digest.models import MailPreference
from tauschring.errors import Forbidden
from tauschring.events.models import EventAttendance
from tauschring.exchanges.models import Exchange, ExchangeEvent
from tauschring.feedback.models import Feedback
from tauschring.i18n import _l
from tauschring.ledger.models import Account, Entry, Transfer
from tauschring.ledger.service import effective_limits
from tauschring.market.models import Category, Talent
from tauschring.members.service import get_member
from tauschring.notifications.models import Notification
from tauschring.rings.models import Ring

FORMAT = "tauschring-member-export"
VERSION = 1
# Kept to the ring's records: a hash is no one's to take away.
PRIVATE_MEMBER_FIELDS = ("password_hash",)


def export_member(session: Session, actor: Actor, member_id: int) -> dict:
    """The member's own data; for the member itself or a coordinator of its ring.

    A member of another ring is unknown (NotFound); another member of the same
    ring is Forbidden to members.
    """
    member = get_member(session, actor.ring_id, member_id)
    if member.id != actor.member_id and not actor.is_coordinator:
        raise Forbidden(_l("You may only download your own data."), code="not_own_data")
    ring = session.get(Ring, member.ring_id)
    account = session.get(Account, member.account_id)
    low, high = effective_limits(account, ring)
    return {
        "format": FORMAT, "version": VERSION, "exported_at": utcnow().isoformat(),
        "ring": {"id": ring.id, "name": ring.name, "slug": ring.slug,
                 "unit_name": ring.unit_name},
        "member": _columns(member, skip=PRIVATE_MEMBER_FIELDS),
        "account": {**_columns(account), "effective_min_balance": low,
                    "effective_max_balance": high},
        "entries": _entries(session, account.id),
        "talents": _talents(session, member.id),
        "exchanges": _exchanges(session, member.id),
        "notifications": [_columns(n) for n in session.scalars(
            select(Notification).where(Notification.member_id == member.id)
            .order_by(Notification.id))],
        **_ring_life(session, member.id),
        "audit_log": [_columns(a) for a in session.scalars(
            select(LoggedAction).where(LoggedAction.ring_id == ring.id, LoggedAction.subject.in_(
                (f"member:{member.id}", f"account:{account.id}"))).order_by(LoggedAction.id))],
    }


def _ring_life(session: Session, member_id: int) -> dict:
    """Feedback given and received, events the member comes to, mail choices,
    away mode (the calendar link's token stays: it is a key, not data)."""
    def rows(model, *where):
        return [_columns(row) for row in session.scalars(
            select(model).where(*where).order_by(*model.__table__.primary_key.columns))]
    return {
        "feedback_given": rows(Feedback, Feedback.author_id == member_id),
        "feedback_received": rows(Feedback, Feedback.subject_id == member_id),
        "events_attending": rows(EventAttendance, EventAttendance.member_id == member_id),
        "mail_preferences": rows(MailPreference, MailPreference.member_id == member_id),
        "away": rows(Away, Away.member_id == member_id),
    }


def _plain(value):
    return value.isoformat() if isinstance(value, datetime | date) else value


def _columns(obj, skip: tuple[str, ...] = ()) -> dict:
    return {column.name: _plain(getattr(obj, column.key))
            for column in obj.__table__.columns if column.name not in skip}


def _entries(session: Session, account_id: int) -> list[dict]:
    """Every posting on the account, oldest first, with its transfer's memo."""
    rows = session.execute(
        select(Entry, Transfer.memo, Transfer.exchange_id, Transfer.reverses_id)
        .join(Transfer, Transfer.id == Entry.transfer_id)
        .where(Entry.account_id == account_id).order_by(Entry.id)).all()
    counterparties = {entry.counterparty_account_id for entry, *_ in rows}
    kinds = dict(session.execute(select(Account.id, Account.kind).where(
        Account.id.in_(counterparties))).all()) if counterparties else {}
    return [{"id": entry.id, "transfer_id": entry.transfer_id,
             "booked_at": _plain(entry.booked_at), "minutes": entry.minutes,
             "balance_after": entry.balance_after,
             "counterparty_account_id": entry.counterparty_account_id,
             "counterparty_kind": kinds.get(entry.counterparty_account_id),
             "memo": memo, "exchange_id": exchange_id, "reverses_id": reverses_id}
            for entry, memo, exchange_id, reverses_id in rows]


def _talents(session: Session, member_id: int) -> list[dict]:
    talents = session.scalars(select(Talent).where(Talent.member_id == member_id)
                              .order_by(Talent.id))
    return [{**_columns(t), "category": _category(t.category)} for t in talents]


def _category(category: Category | None) -> dict | None:
    if category is None:
        return None
    return {"id": category.id, "slug": category.slug, "name_de": category.name_de,
            "name_en": category.name_en}


def _exchanges(session: Session, member_id: int) -> list[dict]:
    exchanges = session.scalars(select(Exchange).where(or_(
        Exchange.provider_id == member_id, Exchange.recipient_id == member_id))
        .order_by(Exchange.id)).unique()
    found = []
    for exchange in exchanges:
        partner = (exchange.recipient if exchange.provider_id == member_id
                   else exchange.provider)
        events = session.scalars(select(ExchangeEvent).where(
            ExchangeEvent.exchange_id == exchange.id).order_by(ExchangeEvent.id))
        found.append({**_columns(exchange),
                      "role": "provider" if exchange.provider_id == member_id else "recipient",
                      "partner": {"id": partner.id, "name": partner.name},
                      "events": [_columns(e) for e in events]})
    return found
