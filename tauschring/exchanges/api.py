"""API door to exchanges and notifications."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from tauschring.api.access import may
from tauschring.api.auth import current_actor
from tauschring.api.idempotency import write
from tauschring.api.pagination import PageArgs, page_schema
from tauschring.away.service import away_until
from tauschring.db import db
from tauschring.exchanges import service as exchanges
from tauschring.exchanges.models import STATES
from tauschring.limits import ID_MAX
from tauschring.notifications import service as notifications
from tauschring.office.proxies import helper_ids
from tauschring.paging import page_of
from tauschring.rings.models import Ring

blp = Blueprint("exchanges", __name__, url_prefix="/api/v1",
                description="Exchanges from agreement to booking, and notifications")

Int = ma.fields.Integer


def Id(**kwargs):  # noqa: N802 - a field factory, read like a type
    """An id: a whole number the database's INTEGER columns can hold."""
    return Int(strict=True, validate=ma.validate.Range(min=1, max=ID_MAX), **kwargs)


class ExchangeIn(ma.Schema):
    provider_id = Id(required=True)
    recipient_id = Id(required=True)
    minutes = Int(strict=True, required=True)
    description = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=2000))
    performed_on = ma.fields.Date(required=True)
    talent_id = Id(allow_none=True)
    category_id = Id(allow_none=True)


class ReasonIn(ma.Schema):
    reason = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=5000))


class CancelIn(ma.Schema):
    reason = ma.fields.String(load_default="", validate=ma.validate.Length(max=5000))


class MessageIn(ma.Schema):
    message = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=5000))


class ResolveIn(ma.Schema):
    decision = ma.fields.String(required=True,
                                validate=ma.validate.OneOf(exchanges.DECISIONS))
    minutes = Int(strict=True, allow_none=True)
    note = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=5000))
    override_limits = ma.fields.Boolean(load_default=False)


class EventOut(ma.Schema):
    id = Int()
    action = ma.fields.String()
    actor_id = Int(allow_none=True)
    note = ma.fields.String()
    minutes = Int(allow_none=True)
    transfer_id = Int(allow_none=True)
    at = ma.fields.AwareDateTime()
    by_id = Int(allow_none=True, metadata={"description": "the helper who acted for actor_id "
                                                          "(an authorisation), else null"})


class ExchangeRingOut(ma.Schema):
    id = Int()
    slug = ma.fields.String()
    name = ma.fields.String()


class ExchangeOut(ma.Schema):
    id = Int()
    state = ma.fields.String()
    ring_id = Int(metadata={"description": "the proposer's ring"})
    partner_ring_id = Int(allow_none=True, metadata={
        "description": "across partner rings: the other party's ring, else null"})
    partner_ring = ma.fields.Nested(ExchangeRingOut, allow_none=True, metadata={
        "description": "the ring partner_ring_id names ({id, slug, name}), else null"})
    other_ring = ma.fields.Nested(ExchangeRingOut, allow_none=True, metadata={
        "description": "the ring of the caller's counterpart when it is not the caller's "
                       "own (a partner ring), else null"})
    provider_id = Int()
    recipient_id = Int()
    proposer_id = Int()
    minutes = Int()
    description = ma.fields.String()
    performed_on = ma.fields.Date()
    talent_id = Int(allow_none=True)
    category_id = Int(allow_none=True)
    transfer_id = Int(allow_none=True, metadata={
        "description": "the booking (across partner rings: its half in ring_id)"})
    partner_transfer_id = Int(allow_none=True, metadata={
        "description": "across partner rings: the booking's half in partner_ring_id"})
    disputed_from = ma.fields.String(allow_none=True)
    created_at = ma.fields.AwareDateTime()
    updated_at = ma.fields.AwareDateTime()
    booked_at = ma.fields.AwareDateTime(allow_none=True)
    allowed_actions = ma.fields.List(ma.fields.String())
    other_party_away_until = ma.fields.Date(allow_none=True, metadata={
        "description": "the other member is away until this day (away mode)"})
    blocked_by = ma.fields.Dict(allow_none=True, metadata={
        "description": "why confirming would be refused right now (a limit)"})
    events = ma.fields.List(ma.fields.Nested(EventOut))


class ExchangesArgs(PageArgs):
    state = ma.fields.String(validate=ma.validate.OneOf(STATES))
    member_id = Int(validate=ma.validate.Range(min=1, max=ID_MAX))


class NotificationOut(ma.Schema):
    id = Int()
    kind = ma.fields.String()
    exchange_id = Int(allow_none=True)
    actor_id = Int(allow_none=True)
    note = ma.fields.String()
    created_at = ma.fields.AwareDateTime()
    read_at = ma.fields.AwareDateTime(allow_none=True)


class NotificationsArgs(PageArgs):
    unread = ma.fields.Boolean(load_default=False)


class ReadIn(ma.Schema):
    ids = ma.fields.List(Id(), load_default=None, allow_none=True)


def event_views(events) -> list[dict]:
    """Exchange events for EventOut, with the helpers who acted read in one query."""
    helpers = helper_ids(db.session, [event.id for event in events])
    names = [name for name in EventOut().fields if name != "by_id"]
    return [{name: getattr(event, name) for name in names if hasattr(event, name)}
            | {"by_id": helpers.get(event.id)} for event in events]


def _ring_view(ring_id: int | None) -> dict | None:
    if ring_id is None:
        return None
    ring = db.session.get(Ring, ring_id)
    return {"id": ring.id, "slug": ring.slug, "name": ring.name}


def _rings(actor, exchange) -> dict:
    """The partner ring, and the ring on the other side as the caller sees it."""
    other = None
    if exchange.partner_ring_id is not None:
        other = next((ring_id for ring_id in exchanges.rings_of(exchange)
                      if ring_id != actor.ring_id), None)
    return {"partner_ring": _ring_view(exchange.partner_ring_id),
            "other_ring": _ring_view(other)}


def view(exchange, *, with_events: bool = True) -> dict:
    actor = current_actor()
    data = {name: getattr(exchange, name) for name in ExchangeOut().fields
            if hasattr(exchange, name) and name != "events"}
    data |= _rings(actor, exchange)
    data["allowed_actions"] = exchanges.allowed_actions(actor, exchange)
    data["blocked_by"] = exchanges.booking_blocker(db.session, exchange, actor)
    other = {exchange.provider_id: exchange.recipient_id,
             exchange.recipient_id: exchange.provider_id}.get(actor.member_id)
    data["other_party_away_until"] = away_until(db.session, other) if other else None
    if with_events:
        data["events"] = event_views(exchange.events)
    return data


@blp.route("/exchanges", methods=["POST"])
@write
@may(exchanges.check_may_trade)
@blp.arguments(ExchangeIn)
@blp.response(201, ExchangeOut)
def propose(data):
    return view(exchanges.propose(db.session, current_actor(), **data))


@blp.route("/exchanges", methods=["GET"])
@blp.arguments(ExchangesArgs, location="query")
@blp.response(200, page_schema(ExchangeOut, "ExchangePage"))
def list_exchanges(args):
    statement = exchanges.exchanges_for(current_actor(), state=args.get("state"),
                                        member_id=args.get("member_id"))
    page = page_of(db.session, statement, page=args["page"], per_page=args["per_page"])
    page["items"] = [view(e, with_events=False) for e in page["items"]]
    return page


@blp.route("/exchanges/<int:exchange_id>", methods=["GET"])
@blp.response(200, ExchangeOut)
def get_exchange(exchange_id):
    return view(exchanges.get_exchange(db.session, current_actor(), exchange_id))


@blp.route("/exchanges/<int:exchange_id>/confirm", methods=["POST"])
@write
@blp.response(200, ExchangeOut)
def confirm(exchange_id):
    return view(exchanges.confirm(db.session, current_actor(), exchange_id))


@blp.route("/exchanges/<int:exchange_id>/decline", methods=["POST"])
@write
@may(exchanges.check_may_decline)
@blp.arguments(ReasonIn)
@blp.response(200, ExchangeOut)
def decline(data, exchange_id):
    return view(exchanges.decline(db.session, current_actor(), exchange_id, data["reason"]))


@blp.route("/exchanges/<int:exchange_id>/cancel", methods=["POST"])
@write
@may(exchanges.check_may_cancel)
@blp.arguments(CancelIn)
@blp.response(200, ExchangeOut)
def cancel(data, exchange_id):
    return view(exchanges.cancel(db.session, current_actor(), exchange_id, data["reason"]))


@blp.route("/exchanges/<int:exchange_id>/dispute", methods=["POST"])
@write
@may(exchanges.check_may_dispute)
@blp.arguments(ReasonIn)
@blp.response(200, ExchangeOut)
def dispute(data, exchange_id):
    return view(exchanges.dispute(db.session, current_actor(), exchange_id, data["reason"]))


@blp.route("/exchanges/<int:exchange_id>/messages", methods=["POST"])
@write
@may(exchanges.check_may_message)
@blp.arguments(MessageIn)
@blp.response(201, EventOut)
def add_message(data, exchange_id):
    return event_views([exchanges.add_message(db.session, current_actor(), exchange_id,
                                              data["message"])])[0]


@blp.route("/exchanges/<int:exchange_id>/resolve", methods=["POST"])
@write
@may(exchanges.check_may_resolve)
@blp.arguments(ResolveIn)
@blp.response(200, ExchangeOut)
def resolve(data, exchange_id):
    return view(exchanges.resolve(db.session, current_actor(), exchange_id, **data))


@blp.route("/notifications", methods=["GET"])
@blp.arguments(NotificationsArgs, location="query")
@blp.response(200, page_schema(NotificationOut, "NotificationPage"))
def list_notifications(args):
    statement = notifications.notifications_of(current_actor().member_id,
                                               unread_only=args["unread"])
    return page_of(db.session, statement, page=args["page"], per_page=args["per_page"])


@blp.route("/notifications/read", methods=["POST"])
@write
@blp.arguments(ReadIn)
@blp.response(204)
def mark_read(data):
    notifications.mark_read(db.session, current_actor().member_id, data["ids"])
