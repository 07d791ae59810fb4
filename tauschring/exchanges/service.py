"""Exchanges from agreement to booking, disputes and their resolution.

State machine (CONTRACT.md):
    proposed -> booked | declined | cancelled | disputed
    booked   -> disputed (within the ring's dispute window)
    disputed -> booked | cancelled | reversed   (a coordinator decides)

Every change first locks the exchange row, so two confirmations, or a
confirmation and a cancellation, racing each other end in one state. A
booking then locks the ring and the accounts (always in this order).
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.db import utcnow
from tauschring.errors import Conflict, Forbidden, Invalid, NotFound
from tauschring.exchanges.models import Exchange, ExchangeEvent
from tauschring.i18n import _l
from tauschring.ledger import service as ledger
from tauschring.ledger.models import Account
from tauschring.market.models import Category, Talent
from tauschring.members.models import Member
from tauschring.members.service import coordinators_of
from tauschring.notifications.service import notify
from tauschring.rings.models import Ring

DESCRIPTION_MAX = 2000
NOTE_MAX = 5000
# An exchange's state in a sentence: "This exchange is booked already."
STATE_NAMES = {"proposed": _l("waiting for confirmation"), "booked": _l("booked"),
               "declined": _l("declined"), "cancelled": _l("withdrawn"),
               "disputed": _l("disputed"), "reversed": _l("reversed")}
# What an empty required text is answered with (otherwise: "Please say why.").
TEXT_REQUIRED = {"description": _l("Please describe what was done."),
                 "message": _l("Please write a message.")}


# --- who is who -----------------------------------------------------------

def _side(actor: Actor, exchange: Exchange) -> str | None:
    """'provider' or 'recipient' if the actor is that member or shares its account."""
    if actor.member_id == exchange.provider_id or (
            actor.account_id is not None and actor.account_id == exchange.provider.account_id):
        return "provider"
    if actor.member_id == exchange.recipient_id or (
            actor.account_id is not None and actor.account_id == exchange.recipient.account_id):
        return "recipient"
    return None


def _proposer_side(exchange: Exchange) -> str:
    return "provider" if exchange.proposer_id == exchange.provider_id else "recipient"


def _other_party_id(exchange: Exchange) -> int:
    return exchange.recipient_id if _proposer_side(exchange) == "provider" \
        else exchange.provider_id


def get_exchange(session: Session, actor: Actor, exchange_id: int, *,
                 lock: bool = False) -> Exchange:
    """An exchange the actor may see: its parties (and households) and coordinators."""
    statement = select(Exchange).where(Exchange.id == exchange_id)
    if lock:
        statement = statement.with_for_update(of=Exchange).execution_options(
            populate_existing=True)
    exchange = session.scalars(statement).unique().first()
    if exchange is None or exchange.ring_id != actor.ring_id or (
            not actor.is_coordinator and _side(actor, exchange) is None):
        raise NotFound(_l("Exchange %(id)s does not exist.", id=exchange_id),
                       code="exchange_not_found")
    return exchange


# --- who may do what ----------------------------------------------------------
# Each check raises NotFound (404) for an exchange the actor may not see, before
# Forbidden (403) for one it sees but may not act on, and returns the exchange.
# The API and the pages run them before they read what was sent; the actions
# below run them again, on the locked row.

def check_may_trade(session: Session, actor: Actor) -> Member:
    """Proposing and confirming need an active membership (403)."""
    member = session.get(Member, actor.member_id) if actor.member_id else None
    if member is None or member.status != "active":
        raise Forbidden(_l("Only active members can trade; members waiting for admission "
                           "or suspended cannot."), code="member_not_active")
    return member


def check_may_confirm(session: Session, actor: Actor, exchange_id: int, *,
                      lock: bool = False) -> Exchange:
    check_may_trade(session, actor)
    exchange = get_exchange(session, actor, exchange_id, lock=lock)
    _require_other_party(actor, exchange, _l("Only the other party can confirm this "
                                             "exchange."))
    return exchange


def check_may_decline(session: Session, actor: Actor, exchange_id: int, *,
                      lock: bool = False) -> Exchange:
    exchange = get_exchange(session, actor, exchange_id, lock=lock)
    _require_other_party(actor, exchange, _l("Only the other party can decline this "
                                             "exchange."))
    return exchange


def check_may_cancel(session: Session, actor: Actor, exchange_id: int, *,
                     lock: bool = False) -> Exchange:
    exchange = get_exchange(session, actor, exchange_id, lock=lock)
    if _side(actor, exchange) != _proposer_side(exchange):
        raise Forbidden(_l("Only the member who proposed it can withdraw this exchange."),
                        code="not_proposer")
    return exchange


def check_may_dispute(session: Session, actor: Actor, exchange_id: int, *,
                      lock: bool = False) -> Exchange:
    exchange = get_exchange(session, actor, exchange_id, lock=lock)
    if _side(actor, exchange) is None:
        raise Forbidden(_l("Only the parties can dispute an exchange."), code="not_a_party")
    return exchange


def check_may_message(session: Session, actor: Actor, exchange_id: int, *,
                      lock: bool = False) -> Exchange:
    """The parties and the ring's coordinators: whoever may see the exchange."""
    return get_exchange(session, actor, exchange_id, lock=lock)


def check_may_resolve(session: Session, actor: Actor, exchange_id: int, *,
                      lock: bool = False) -> Exchange:
    exchange = get_exchange(session, actor, exchange_id, lock=lock)
    actor.require_coordinator()
    return exchange


def _event(session: Session, exchange: Exchange, actor_id: int | None, action: str,
           note: str = "", minutes: int | None = None,
           transfer_id: int | None = None) -> ExchangeEvent:
    event = ExchangeEvent(exchange_id=exchange.id, actor_id=actor_id, action=action,
                          note=note, minutes=minutes, transfer_id=transfer_id)
    session.add(event)
    exchange.updated_at = utcnow()
    return event


def _text(value: str | None, field: str, limit: int, *, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise Invalid(TEXT_REQUIRED.get(field, _l("Please say why.")),
                      code=f"{field}_required", field=field)
    if len(value) > limit:
        raise Invalid(_l("At most %(max)d characters.", max=limit), code="too_long",
                      field=field)
    return value


# --- proposing --------------------------------------------------------------

def propose(session: Session, actor: Actor, *, provider_id: int, recipient_id: int,
            minutes: int, description: str, performed_on: date,
            talent_id: int | None = None, category_id: int | None = None) -> Exchange:
    """The provider proposes (an invoice) or the recipient (a payment)."""
    check_may_trade(session, actor)
    ledger.check_minutes(minutes)
    description = _text(description, "description", DESCRIPTION_MAX, required=True)
    if not isinstance(performed_on, date):
        raise Invalid(_l("When was the work done?"), code="performed_on_invalid",
                      field="performed_on")
    if performed_on > utcnow().date() + timedelta(days=1):
        raise Invalid(_l("The work cannot lie in the future."), code="performed_in_future",
                      field="performed_on")
    parties = {}
    for field, member_id in (("provider_id", provider_id), ("recipient_id", recipient_id)):
        member = session.get(Member, member_id) if isinstance(member_id, int) else None
        if member is None or member.ring_id != actor.ring_id:
            raise Invalid(_l("There is no such member in this ring."),
                          code="member_not_found", field=field)
        if member.status != "active":
            raise Invalid(_l("%(name)s cannot trade at the moment.", name=member.name),
                          code="member_not_active", field=field)
        parties[field] = member
    provider, recipient = parties["provider_id"], parties["recipient_id"]
    if provider.account_id == recipient.account_id:
        raise Invalid(_l("Provider and recipient share one account; there is nothing to "
                         "book."), code="same_account", field="recipient_id")
    if actor.member_id not in (provider.id, recipient.id):
        raise Forbidden(_l("Only the provider or the recipient can propose an exchange."),
                        code="not_a_party")
    category = None
    if talent_id is not None:
        talent = session.get(Talent, talent_id) if isinstance(talent_id, int) else None
        if talent is None or talent.ring_id != actor.ring_id or talent.status != "active":
            raise Invalid(_l("There is no such offer or request."), code="talent_not_found",
                          field="talent_id")
        category = talent.category_id
    if category_id is not None:
        found = session.get(Category, category_id) if isinstance(category_id, int) else None
        if found is None or found.ring_id != actor.ring_id:
            raise Invalid(_l("Unknown category."), code="category_unknown",
                          field="category_id")
        category = found.id
    exchange = Exchange(ring_id=actor.ring_id, provider_id=provider.id,
                        recipient_id=recipient.id, proposer_id=actor.member_id,
                        minutes=minutes, description=description, performed_on=performed_on,
                        talent_id=talent_id, category_id=category, state="proposed")
    session.add(exchange)
    session.flush()
    _event(session, exchange, actor.member_id, "proposed", minutes=minutes)
    notify(session, [_other_party_id(exchange)], "awaiting_confirmation", exchange=exchange,
           actor_id=actor.member_id)
    return exchange


# --- the other party --------------------------------------------------------

def _book(session: Session, exchange: Exchange, minutes: int, booked_by_id: int | None,
          override_reason: str | None = None):
    return ledger.book(session, ring_id=exchange.ring_id,
                       debit_account_id=exchange.recipient.account_id,
                       credit_account_id=exchange.provider.account_id, minutes=minutes,
                       memo=exchange.description, booked_by_id=booked_by_id,
                       exchange_id=exchange.id, override_reason=override_reason)


def confirm(session: Session, actor: Actor, exchange_id: int) -> Exchange:
    """The other party agrees: one transfer books it, atomically with the state."""
    exchange = check_may_confirm(session, actor, exchange_id, lock=True)
    _require_state(exchange, "proposed")
    transfer = _book(session, exchange, exchange.minutes, actor.member_id)
    _mark_booked(session, exchange, transfer, actor.member_id, "confirmed")
    return exchange


def _mark_booked(session, exchange, transfer, actor_id, action, note=""):
    exchange.state = "booked"
    exchange.disputed_from = None
    exchange.transfer_id = transfer.id
    exchange.booked_at = transfer.booked_at
    _event(session, exchange, actor_id, action, note=note, minutes=exchange.minutes,
           transfer_id=transfer.id)
    notify(session, [exchange.provider_id, exchange.recipient_id], "confirmed",
           exchange=exchange, actor_id=actor_id)
    session.flush()


def _require_other_party(actor: Actor, exchange: Exchange, refusal: str) -> None:
    side = _side(actor, exchange)
    if side is None or side == _proposer_side(exchange):
        raise Forbidden(refusal, code="not_other_party")


def _require_state(exchange: Exchange, state: str) -> None:
    if exchange.state != state:
        raise Conflict(_l("This exchange is %(state)s already; that is no longer possible.",
                          state=STATE_NAMES[exchange.state]),
                       code=f"exchange_{exchange.state}", state=exchange.state)


def decline(session: Session, actor: Actor, exchange_id: int, reason: str) -> Exchange:
    exchange = check_may_decline(session, actor, exchange_id, lock=True)
    _require_state(exchange, "proposed")
    reason = _text(reason, "reason", NOTE_MAX, required=True)
    exchange.state = "declined"
    _event(session, exchange, actor.member_id, "declined", note=reason)
    notify(session, [exchange.proposer_id], "declined", exchange=exchange,
           actor_id=actor.member_id, note=reason)
    session.flush()
    return exchange


def cancel(session: Session, actor: Actor, exchange_id: int, reason: str = "") -> Exchange:
    """The proposer withdraws the proposal before it is confirmed."""
    exchange = check_may_cancel(session, actor, exchange_id, lock=True)
    _require_state(exchange, "proposed")
    exchange.state = "cancelled"
    _event(session, exchange, actor.member_id, "cancelled",
           note=_text(reason, "reason", NOTE_MAX, required=False))
    notify(session, [_other_party_id(exchange)], "cancelled", exchange=exchange,
           actor_id=actor.member_id)
    session.flush()
    return exchange


def dispute(session: Session, actor: Actor, exchange_id: int, reason: str) -> Exchange:
    """Either party objects: to a proposal, or to a booking within the window."""
    exchange = check_may_dispute(session, actor, exchange_id, lock=True)
    reason = _text(reason, "reason", NOTE_MAX, required=True)
    if exchange.state not in ("proposed", "booked"):
        raise Conflict(_l("This exchange is %(state)s; it cannot be disputed.",
                          state=STATE_NAMES[exchange.state]),
                       code=f"exchange_{exchange.state}", state=exchange.state)
    if exchange.state == "booked":
        window = session.get(Ring, exchange.ring_id).dispute_window_days
        if utcnow() > exchange.booked_at + timedelta(days=window):
            raise Conflict(_l("A booking can be disputed for %(days)d days only; please "
                              "talk to a coordinator.", days=window),
                           code="dispute_window_closed")
    exchange.disputed_from = exchange.state
    exchange.state = "disputed"
    _event(session, exchange, actor.member_id, "disputed", note=reason)
    others = [exchange.provider_id, exchange.recipient_id]
    coordinators = [m.id for m in coordinators_of(session, exchange.ring_id)]
    notify(session, others + coordinators, "disputed", exchange=exchange,
           actor_id=actor.member_id, note=reason)
    session.flush()
    return exchange


def add_message(session: Session, actor: Actor, exchange_id: int, text: str) -> ExchangeEvent:
    """A word to the mediation from a party or a coordinator, while disputed."""
    exchange = check_may_message(session, actor, exchange_id, lock=True)
    if exchange.state != "disputed":
        raise Conflict(_l("Messages can only be added while an exchange is disputed."),
                       code="not_disputed")
    text = _text(text, "message", NOTE_MAX, required=True)
    event = _event(session, exchange, actor.member_id, "message", note=text)
    coordinators = [m.id for m in coordinators_of(session, exchange.ring_id)]
    notify(session, [exchange.provider_id, exchange.recipient_id, *coordinators], "message",
           exchange=exchange, actor_id=actor.member_id, note=text)
    session.flush()
    return event


# --- the coordinator decides -----------------------------------------------

DECISIONS = ("book", "cancel", "adjust")


def resolve(session: Session, actor: Actor, exchange_id: int, *, decision: str, note: str,
            minutes: int | None = None, override_limits: bool = False) -> Exchange:
    """book: book the proposed minutes (a standing booking stays);
    cancel: cancel (a standing booking is reversed);
    adjust: end booked at `minutes` (booked now, or corrected by a transfer of the
    difference). Both parties see the note."""
    exchange = check_may_resolve(session, actor, exchange_id, lock=True)
    if decision not in DECISIONS:
        raise Invalid(_l("Decide book, cancel or adjust."), code="decision_invalid",
                      field="decision")
    note = _text(note, "note", NOTE_MAX, required=True)
    if exchange.state != "disputed":
        raise Conflict(_l("This exchange is %(state)s, not disputed.",
                          state=STATE_NAMES[exchange.state]),
                       code="not_disputed", state=exchange.state)
    override = note if override_limits else None
    standing = exchange.disputed_from == "booked"
    if decision == "adjust":
        ledger.check_minutes(minutes)
    elif minutes is not None:
        raise Invalid(_l("A different time goes with the decision 'adjust' only."),
                      code="minutes_not_expected", field="minutes")

    if decision == "book" and not standing:
        transfer = _book(session, exchange, exchange.minutes, actor.member_id, override)
        exchange.transfer_id, exchange.booked_at = transfer.id, transfer.booked_at
    elif decision == "cancel" and standing:
        transfer = ledger.reverse(session, actor, transfer_id=exchange.transfer_id,
                                  reason=note, override_limits=override_limits)
    elif decision == "adjust" and not standing:
        transfer = _book(session, exchange, minutes, actor.member_id, override)
        exchange.transfer_id, exchange.booked_at = transfer.id, transfer.booked_at
    elif decision == "adjust" and minutes != exchange.minutes:
        transfer = _correct(session, actor, exchange, minutes, note, override)
    else:
        transfer = None
    if decision == "adjust":
        exchange.minutes = minutes
    exchange.state = {"book": "booked", "adjust": "booked",
                      "cancel": "reversed" if standing else "cancelled"}[decision]
    exchange.disputed_from = None
    _event(session, exchange, actor.member_id, f"resolved_{decision}", note=note,
           minutes=exchange.minutes, transfer_id=transfer.id if transfer else None)
    notify(session, [exchange.provider_id, exchange.recipient_id], "resolved",
           exchange=exchange, actor_id=actor.member_id, note=note)
    session.flush()
    return exchange


def _correct(session, actor, exchange, minutes, note, override):
    """A transfer of the difference, so the exchange ends booked at `minutes`."""
    difference = minutes - exchange.minutes
    debit, credit = exchange.recipient.account_id, exchange.provider.account_id
    if difference < 0:
        debit, credit = credit, debit
    return ledger.book(session, ring_id=exchange.ring_id, debit_account_id=debit,
                       credit_account_id=credit, minutes=abs(difference),
                       memo=f"Korrektur / correction: {note}", booked_by_id=actor.member_id,
                       exchange_id=exchange.id, override_reason=override)


# --- reading ------------------------------------------------------------------

def exchanges_for(actor: Actor, *, state: str | None = None,
                  member_id: int | None = None) -> Select:
    """The actor's exchanges (a coordinator's: the ring's), awaiting ones first."""
    statement = select(Exchange).where(Exchange.ring_id == actor.ring_id)
    if not actor.is_coordinator:
        mine = select(Member.id).where(Member.account_id == actor.account_id)
        statement = statement.where(or_(Exchange.provider_id.in_(mine),
                                        Exchange.recipient_id.in_(mine)))
    if state:
        statement = statement.where(Exchange.state == state)
    if member_id:
        statement = statement.where(or_(Exchange.provider_id == member_id,
                                        Exchange.recipient_id == member_id))
    return statement.order_by(Exchange.updated_at.desc(), Exchange.id.desc())


def awaiting(actor: Actor) -> Select:
    """Proposals waiting for this member (or their household) to answer."""
    mine = select(Member.id).where(Member.account_id == actor.account_id)
    return (select(Exchange).where(
        Exchange.ring_id == actor.ring_id, Exchange.state == "proposed",
        Exchange.proposer_id.not_in(mine),
        or_(Exchange.provider_id.in_(mine), Exchange.recipient_id.in_(mine)))
        .order_by(Exchange.created_at))


def dispute_queue(actor: Actor) -> Select:
    actor.require_coordinator()
    return (select(Exchange).where(Exchange.ring_id == actor.ring_id,
                                   Exchange.state == "disputed")
            .order_by(Exchange.updated_at))


def booking_blocker(session: Session, exchange: Exchange) -> dict | None:
    """Why confirming would be refused right now (a limit), for both sides to see."""
    if exchange.state not in ("proposed", "disputed"):
        return None
    ring = session.get(Ring, exchange.ring_id)
    payer = session.get(Account, exchange.recipient.account_id)
    payee = session.get(Account, exchange.provider.account_id)
    low, _ = ledger.effective_limits(payer, ring)
    if low is not None and payer.balance - exchange.minutes < low:
        return {"code": "exceeds_min_balance", "member_id": exchange.recipient_id,
                "balance_after": payer.balance - exchange.minutes, "limit": low}
    _, high = ledger.effective_limits(payee, ring)
    if high is not None and payee.balance + exchange.minutes > high:
        return {"code": "exceeds_max_balance", "member_id": exchange.provider_id,
                "balance_after": payee.balance + exchange.minutes, "limit": high}
    return None


def allowed_actions(actor: Actor, exchange: Exchange) -> list[str]:
    """What the actor may do now (for buttons and for the API)."""
    side = _side(actor, exchange)
    actions = []
    if exchange.state == "proposed" and side:
        if side == _proposer_side(exchange):
            actions.append("cancel")
        else:
            actions += ["confirm", "decline"]
    if exchange.state in ("proposed", "booked") and side:
        actions.append("dispute")
    if exchange.state == "disputed":
        if side or actor.is_coordinator:
            actions.append("message")
        if actor.is_coordinator:
            actions.append("resolve")
    return actions


# --- automatic confirmation ---------------------------------------------------

def auto_confirm_due(session: Session, ring_id: int, *, today: date | None = None
                     ) -> tuple[list[int], list[tuple[int, str]]]:
    """Confirm proposals older than the ring's auto_confirm_days.

    Returns (confirmed ids, [(id, reason)] that could not be booked). Safe to
    run twice: only proposals still proposed are touched.
    """
    ring = session.get(Ring, ring_id)
    if not ring.auto_confirm_days:
        return [], []
    today = today or utcnow().date()
    cutoff = today - timedelta(days=ring.auto_confirm_days)
    due = session.scalars(select(Exchange.id).where(
        Exchange.ring_id == ring_id, Exchange.state == "proposed")).all()
    confirmed, blocked = [], []
    for exchange_id in due:
        exchange = session.scalars(select(Exchange).where(Exchange.id == exchange_id)
                                   .with_for_update(of=Exchange)
                                   .execution_options(populate_existing=True)).unique().one()
        if exchange.state != "proposed" or exchange.created_at.date() > cutoff:
            continue
        try:
            with session.begin_nested():
                transfer = _book(session, exchange, exchange.minutes, None)
        except Invalid as error:
            blocked.append((exchange.id, str(error.message)))
            continue
        _mark_booked(session, exchange, transfer, None, "auto_confirmed",
                     note=f"after {ring.auto_confirm_days} days")
        confirmed.append(exchange.id)
    return confirmed, blocked
