"""Exchanges from agreement to booking, disputes and their resolution.

State machine (CONTRACT.md):
    proposed -> booked | declined | cancelled | disputed
    booked   -> disputed (within the ring's dispute window)
    disputed -> booked | cancelled | reversed   (a coordinator decides)

Every change first locks the exchange row, so two confirmations, or a
confirmation and a cancellation, racing each other end in one state. A
booking then locks the ring and the accounts (always in this order).

Across partner rings (tauschring.partners) the other party is a member of an
active partner ring: `ring_id` is the proposer's ring, `partner_ring_id` the
other party's. Both rings' parties and coordinators see such an exchange
(never a ring's internal ones); confirming books both halves through
`clearing.book_across` in the same transaction as the state change.
"""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.db import utcnow
from tauschring.errors import Conflict, Forbidden, Invalid, NotFound
from tauschring.exchanges.models import Exchange, ExchangeEvent
from tauschring.i18n import _l
from tauschring.ledger import service as ledger
from tauschring.ledger.models import Account, Transfer
from tauschring.market import service as market
from tauschring.market.models import Category, Talent
from tauschring.members.models import Member
from tauschring.members.service import coordinators_of
from tauschring.notifications.service import notify
from tauschring.partners import clearing
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

def rings_of(exchange: Exchange) -> tuple[int, ...]:
    """The rings an exchange belongs to: one, or the two partner rings."""
    if exchange.partner_ring_id is None:
        return (exchange.ring_id,)
    return (exchange.ring_id, exchange.partner_ring_id)


def in_ring(ring_id: int):
    """SQL: an exchange of the ring, inside it or across to a partner ring."""
    return or_(Exchange.ring_id == ring_id, Exchange.partner_ring_id == ring_id)


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
    """An exchange the actor may see: its parties (and households) and the
    coordinators of its ring (of both rings, across partner rings)."""
    statement = select(Exchange).where(Exchange.id == exchange_id)
    if lock:
        statement = statement.with_for_update(of=Exchange).execution_options(
            populate_existing=True)
    exchange = session.scalars(statement).unique().first()
    if exchange is None or actor.ring_id not in rings_of(exchange) or (
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
    """The parties and the coordinators: whoever may see the exchange."""
    return get_exchange(session, actor, exchange_id, lock=lock)


def check_may_resolve(session: Session, actor: Actor, exchange_id: int, *,
                      lock: bool = False) -> Exchange:
    """A coordinator of the exchange's ring (of either ring, across partner rings)."""
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
    parties = {field: _party(session, actor, field, member_id)
               for field, member_id in (("provider_id", provider_id),
                                        ("recipient_id", recipient_id))}
    provider, recipient = parties["provider_id"], parties["recipient_id"]
    if provider.account_id == recipient.account_id:
        raise Invalid(_l("Provider and recipient share one account; there is nothing to "
                         "book."), code="same_account", field="recipient_id")
    if actor.member_id not in (provider.id, recipient.id):
        raise Forbidden(_l("Only the provider or the recipient can propose an exchange."),
                        code="not_a_party")
    # The actor's side is in its own ring; the other party may be in a partner ring.
    other = recipient if actor.member_id == provider.id else provider
    partner_ring_id = other.ring_id if other.ring_id != actor.ring_id else None
    if partner_ring_id is not None:
        clearing.active_partnership(session, actor.ring_id, partner_ring_id)
    category = None
    if talent_id is not None:
        talent = session.get(Talent, talent_id) if isinstance(talent_id, int) else None
        if talent is not None and talent.ring_id != actor.ring_id:
            talent = talent_to_propose_from(session, actor, talent.id)
            if talent is not None and talent.ring_id != partner_ring_id:
                talent = None
        if talent is None or talent.status != "active":
            raise Invalid(_l("There is no such offer or request."), code="talent_not_found",
                          field="talent_id")
        # A partner ring's category is not one of this ring's (its reports count by them).
        category = talent.category_id if talent.ring_id == actor.ring_id else None
    if category_id is not None:
        found = session.get(Category, category_id) if isinstance(category_id, int) else None
        if found is None or found.ring_id != actor.ring_id:
            raise Invalid(_l("Unknown category."), code="category_unknown",
                          field="category_id")
        category = found.id
    exchange = Exchange(ring_id=actor.ring_id, partner_ring_id=partner_ring_id,
                        provider_id=provider.id, recipient_id=recipient.id,
                        proposer_id=actor.member_id, minutes=minutes,
                        description=description, performed_on=performed_on,
                        talent_id=talent_id, category_id=category, state="proposed")
    session.add(exchange)
    session.flush()
    _event(session, exchange, actor.member_id, "proposed", minutes=minutes)
    notify(session, [_other_party_id(exchange)], "awaiting_confirmation", exchange=exchange,
           actor_id=actor.member_id)
    return exchange


def _party(session: Session, actor: Actor, field: str, member_id) -> Member:
    """A party to be: a member of the actor's ring, or an active member of a ring
    it trades with (refused as not_partners while that partnership is paused or
    ended). A member of a ring the actor's ring never agreed with, and a partner
    ring's member who cannot trade, is as unknown as one that does not exist:
    nobody learns another ring's members by proposing."""
    member = session.get(Member, member_id) if isinstance(member_id, int) else None
    if member is not None and member.ring_id != actor.ring_id:
        partnership = None if member.ring_id is None else \
            clearing.partnership_between(session, actor.ring_id, member.ring_id)
        if partnership is None or partnership.status == "proposed" or \
                member.status != "active":
            member = None
        elif partnership.status != "active":
            raise Invalid(_l("The two rings do not trade with each other at the moment."),
                          code="not_partners", field=field)
    if member is None:
        raise Invalid(_l("There is no such member in this ring."),
                      code="member_not_found", field=field)
    if member.status != "active":
        raise Invalid(_l("%(name)s cannot trade at the moment.", name=member.name),
                      code="member_not_active", field=field)
    return member


def talent_to_propose_from(session: Session, actor: Actor, talent_id: int) -> Talent | None:
    """A talent of an active partner ring that its owner published to partners
    or the region, and that is active; else None (the actor's own ring's talents
    are read through the market)."""
    try:
        talent = market.get_partner_talent(session, actor, talent_id)
    except NotFound:
        return None
    return talent if talent.member.status == "active" else None


def partner_member(session: Session, actor: Actor, member_id: int) -> Member | None:
    """An active member of an active partner ring (to propose an exchange to)."""
    member = session.get(Member, member_id)
    if member is None or member.ring_id in (None, actor.ring_id) \
            or member.status != "active" \
            or member.ring_id not in clearing.active_partner_ids(session, actor.ring_id):
        return None
    return member


# --- the other party --------------------------------------------------------

def _book(session: Session, exchange: Exchange, minutes: int, booked_by_id: int | None,
          override_reason: str | None = None) -> Transfer:
    """Book `minutes` from the recipient to the provider; across partner rings both
    halves. Returns the transfer in `exchange.ring_id` and records both halves on
    the exchange (transfer_id, partner_transfer_id)."""
    if exchange.partner_ring_id is None:
        transfer = ledger.book(session, ring_id=exchange.ring_id,
                               debit_account_id=exchange.recipient.account_id,
                               credit_account_id=exchange.provider.account_id,
                               minutes=minutes, memo=exchange.description,
                               booked_by_id=booked_by_id, exchange_id=exchange.id,
                               override_reason=override_reason)
        exchange.transfer_id = transfer.id
        return transfer
    halves = clearing.book_across(
        session, payer_ring_id=exchange.recipient.ring_id,
        payer_account_id=exchange.recipient.account_id,
        payee_ring_id=exchange.provider.ring_id,
        payee_account_id=exchange.provider.account_id, minutes=minutes,
        memo=exchange.description, booked_by_id=booked_by_id, exchange_id=exchange.id,
        override_reason=override_reason)
    return _record_halves(exchange, halves)


def _record_halves(exchange: Exchange, halves: tuple[Transfer, Transfer]) -> Transfer:
    """exchange.transfer_id: the half in exchange.ring_id; partner_transfer_id: the
    half in the partner ring. Returns the first."""
    by_ring = {transfer.ring_id: transfer for transfer in halves}
    exchange.transfer_id = by_ring[exchange.ring_id].id
    exchange.partner_transfer_id = by_ring[exchange.partner_ring_id].id
    return by_ring[exchange.ring_id]


def confirm(session: Session, actor: Actor, exchange_id: int) -> Exchange:
    """The other party agrees: one transfer books it (across partner rings, one in
    each ring), atomically with the state."""
    exchange = check_may_confirm(session, actor, exchange_id, lock=True)
    _require_state(exchange, "proposed")
    transfer = _book(session, exchange, exchange.minutes, actor.member_id)
    _mark_booked(session, exchange, transfer, actor.member_id, "confirmed")
    return exchange


def _mark_booked(session, exchange, transfer, actor_id, action, note=""):
    exchange.state = "booked"
    exchange.disputed_from = None
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
    notify(session, others + _coordinator_ids(session, exchange), "disputed", exchange=exchange,
           actor_id=actor.member_id, note=reason)
    session.flush()
    return exchange


def _coordinator_ids(session: Session, exchange: Exchange) -> list[int]:
    """Who mediates: the coordinators of the exchange's ring, or of both rings."""
    return [m.id for ring_id in rings_of(exchange) for m in coordinators_of(session, ring_id)]


def add_message(session: Session, actor: Actor, exchange_id: int, text: str) -> ExchangeEvent:
    """A word to the mediation from a party or a coordinator, while disputed."""
    exchange = check_may_message(session, actor, exchange_id, lock=True)
    if exchange.state != "disputed":
        raise Conflict(_l("Messages can only be added while an exchange is disputed."),
                       code="not_disputed")
    text = _text(text, "message", NOTE_MAX, required=True)
    event = _event(session, exchange, actor.member_id, "message", note=text)
    coordinators = _coordinator_ids(session, exchange)
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
    if override_limits and exchange.partner_ring_id is not None:
        # Past the limits would reach into the other ring and past the credit line
        # both rings agreed on: neither ring's coordinator decides that alone.
        raise Invalid(_l("Across partner rings a booking cannot go past the limits or "
                         "the credit line."), code="override_across_rings",
                      field="override_limits")
    override = note if override_limits else None
    standing = exchange.disputed_from == "booked"
    if decision == "adjust":
        ledger.check_minutes(minutes)
    elif minutes is not None:
        raise Invalid(_l("A different time goes with the decision 'adjust' only."),
                      code="minutes_not_expected", field="minutes")

    if decision == "book" and not standing:
        transfer = _book(session, exchange, exchange.minutes, actor.member_id, override)
        exchange.booked_at = transfer.booked_at
    elif decision == "cancel" and standing:
        transfer = _reverse_standing(session, actor, exchange, note, override_limits)
    elif decision == "adjust" and not standing:
        transfer = _book(session, exchange, minutes, actor.member_id, override)
        exchange.booked_at = transfer.booked_at
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
    """A transfer of the difference, so the exchange ends booked at `minutes`
    (across partner rings: booked across too, and returned is the half in
    exchange.ring_id)."""
    difference = minutes - exchange.minutes
    payer, payee = exchange.recipient, exchange.provider
    if difference < 0:
        payer, payee = payee, payer
    memo = f"Korrektur / correction: {note}"
    if exchange.partner_ring_id is None:
        return ledger.book(session, ring_id=exchange.ring_id,
                           debit_account_id=payer.account_id,
                           credit_account_id=payee.account_id, minutes=abs(difference),
                           memo=memo, booked_by_id=actor.member_id,
                           exchange_id=exchange.id, override_reason=override)
    halves = clearing.book_across(
        session, payer_ring_id=payer.ring_id, payer_account_id=payer.account_id,
        payee_ring_id=payee.ring_id, payee_account_id=payee.account_id,
        minutes=abs(difference), memo=memo, booked_by_id=actor.member_id,
        exchange_id=exchange.id, override_reason=override,
        require_active=difference > 0)  # giving time back needs no active partnership
    return {transfer.ring_id: transfer for transfer in halves}[exchange.ring_id]


def _standing(session: Session, exchange: Exchange, ring_id: int) -> list[Transfer]:
    """The exchange's transfers in `ring_id` that stand: its booking and any
    correction, neither a reversal nor reversed, in the order they were booked."""
    reversed_ids = select(Transfer.reverses_id).where(Transfer.reverses_id.is_not(None),
                                                      Transfer.exchange_id == exchange.id)
    return list(session.scalars(select(Transfer).where(
        Transfer.ring_id == ring_id, Transfer.exchange_id == exchange.id,
        Transfer.reverses_id.is_(None), Transfer.id.not_in(reversed_ids))
        .order_by(Transfer.id)))


def _reverse_standing(session, actor, exchange, note, override_limits):
    """Reverse what books the exchange (its booking and any correction), so it
    ends with nothing booked. Returns the reversal of exchange.transfer_id (the
    half in exchange.ring_id)."""
    if exchange.partner_ring_id is None:
        reversals = {t.id: ledger.reverse(session, actor, transfer_id=t.id, reason=note,
                                          override_limits=override_limits)
                     for t in _standing(session, exchange, exchange.ring_id)}
    else:
        reversals = _reverse_across(session, actor, exchange, note,
                                    note if override_limits else None)
    if exchange.transfer_id not in reversals:
        raise Conflict(_l("This exchange's booking was already reversed."),
                       code="already_reversed")
    return reversals[exchange.transfer_id]


def _reverse_across(session, actor, exchange, note, override) -> dict[int, Transfer]:
    """Reverse both halves of each standing booking across partner rings, each
    pair in one step (also while the partnership is paused or ended).
    Returns {reversed transfer id in exchange.ring_id: its reversal there}."""
    own = _standing(session, exchange, exchange.ring_id)
    theirs = _standing(session, exchange, exchange.partner_ring_id)
    if len(own) != len(theirs):  # one half reversed alone: the mirror is broken
        raise Conflict(_l("This exchange's booking was already reversed."),
                       code="already_reversed")
    reversals = {}
    for half, other_half in zip(own, theirs, strict=True):
        own_paid = session.get(Account, half.credit_account_id).kind == "clearing"
        if own_paid:    # back: the other ring's member pays this ring's member
            payer = (exchange.partner_ring_id, other_half.credit_account_id, other_half.id)
            payee = (exchange.ring_id, half.debit_account_id, half.id)
        else:
            payer = (exchange.ring_id, half.credit_account_id, half.id)
            payee = (exchange.partner_ring_id, other_half.debit_account_id, other_half.id)
        booked = clearing.book_across(
            session, payer_ring_id=payer[0], payer_account_id=payer[1],
            payee_ring_id=payee[0], payee_account_id=payee[1], minutes=half.minutes,
            memo=f"Reversal of exchange {exchange.id}: {note}",
            booked_by_id=actor.member_id, exchange_id=exchange.id,
            reverses=(payer[2], payee[2]), override_reason=override, require_active=False)
        reversals[half.id] = {t.ring_id: t for t in booked}[exchange.ring_id]
    return reversals


# --- reading ------------------------------------------------------------------

def exchanges_for(actor: Actor, *, state: str | None = None,
                  member_id: int | None = None) -> Select:
    """The actor's exchanges (a coordinator's: the ring's, with those across to
    partner rings), the latest first."""
    statement = select(Exchange).where(in_ring(actor.ring_id))
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
        in_ring(actor.ring_id), Exchange.state == "proposed",
        Exchange.proposer_id.not_in(mine),
        or_(Exchange.provider_id.in_(mine), Exchange.recipient_id.in_(mine)))
        .order_by(Exchange.created_at))


def dispute_queue(actor: Actor) -> Select:
    """Disputed exchanges of the coordinator's ring, with those across partner
    rings that involve it (both rings' coordinators mediate them)."""
    actor.require_coordinator()
    return (select(Exchange).where(in_ring(actor.ring_id), Exchange.state == "disputed")
            .order_by(Exchange.updated_at))


def booking_blocker(session: Session, exchange: Exchange,
                    viewer: Actor | None = None) -> dict | None:
    """Why confirming would be refused right now, for both sides to see: a
    member's limit in its own ring; across partner rings also the partnership
    (not active) and its credit line. For a `viewer` of the other ring the
    amounts of a member's limit are left out (a ring's balances stay its own),
    and a clearing balance is for coordinators only."""
    blocker = _blocker(session, exchange)
    if blocker is None or viewer is None:
        return blocker
    if blocker["code"] in ("exceeds_min_balance", "exceeds_max_balance") and \
            session.get(Member, blocker["member_id"]).ring_id != viewer.ring_id:
        return {"code": blocker["code"], "member_id": blocker["member_id"]}
    if blocker["code"] == "credit_line_exceeded" and not viewer.is_coordinator:
        return {key: value for key, value in blocker.items() if key != "balance_after"}
    return blocker


def _blocker(session: Session, exchange: Exchange) -> dict | None:
    if exchange.state not in ("proposed", "disputed") or exchange.disputed_from == "booked":
        return None
    payer = session.get(Account, exchange.recipient.account_id)
    payee = session.get(Account, exchange.provider.account_id)
    low, _ = ledger.effective_limits(payer, session.get(Ring, payer.ring_id))
    if low is not None and payer.balance - exchange.minutes < low:
        return {"code": "exceeds_min_balance", "member_id": exchange.recipient_id,
                "balance_after": payer.balance - exchange.minutes, "limit": low}
    _, high = ledger.effective_limits(payee, session.get(Ring, payee.ring_id))
    if high is not None and payee.balance + exchange.minutes > high:
        return {"code": "exceeds_max_balance", "member_id": exchange.provider_id,
                "balance_after": payee.balance + exchange.minutes, "limit": high}
    if exchange.partner_ring_id is not None:
        return _partnership_blocker(session, exchange, payer.ring_id, payee.ring_id)
    return None


def _partnership_blocker(session: Session, exchange: Exchange, payer_ring_id: int,
                         payee_ring_id: int) -> dict | None:
    partnership = clearing.partnership_between(session, payer_ring_id, payee_ring_id)
    if partnership is None or partnership.status != "active":
        return {"code": "not_partners"}
    # The payer's ring's clearing account takes the time; its maximum is the line.
    held = session.get(Account, partnership.account_of(payer_ring_id))
    after = held.balance + exchange.minutes
    if after > partnership.credit_line:
        return {"code": "credit_line_exceeded", "credit_line": partnership.credit_line,
                "balance_after": after, "limit": partnership.credit_line}
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
    """Confirm proposals that a member of the ring has left unanswered for the
    ring's auto_confirm_days: across partner rings the ring of the member who
    would confirm decides (the proposer's ring cannot charge a partner ring's
    member by its own rule).

    Returns (confirmed ids, [(id, reason)] that could not be booked). Safe to
    run twice: only proposals still proposed are touched. Every due exchange row
    is locked (in id order) before the first booking, so the lock order stays
    exchange rows, then accounts and rings, as with every other writer.
    """
    ring = session.get(Ring, ring_id)
    if not ring.auto_confirm_days:
        return [], []
    today = today or utcnow().date()
    cutoff = today - timedelta(days=ring.auto_confirm_days)
    awaiting_here = or_(and_(Exchange.ring_id == ring_id, Exchange.partner_ring_id.is_(None)),
                        Exchange.partner_ring_id == ring_id)
    due = [exchange for exchange in session.scalars(
        select(Exchange).where(awaiting_here, Exchange.state == "proposed")
        .order_by(Exchange.id).with_for_update(of=Exchange)
        .execution_options(populate_existing=True)).unique()
        if exchange.created_at.date() <= cutoff]
    confirmed, blocked = [], []
    for exchange in due:
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
