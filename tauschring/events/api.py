"""API door to the ring's events and the calendar feed."""

from __future__ import annotations

import marshmallow as ma
from flask_smorest import Blueprint

from tauschring.api.access import coordinator_only, may
from tauschring.api.auth import current_actor, current_member
from tauschring.api.idempotency import write
from tauschring.api.pagination import PageArgs, page_schema
from tauschring.db import db, utcnow
from tauschring.events import service as events
from tauschring.events.feed import ics_response
from tauschring.paging import page_of

blp = Blueprint("events", __name__, url_prefix="/api/v1",
                description="The ring's events and the calendar feed")


class RingEventIn(ma.Schema):
    title = ma.fields.String(required=True,
                             validate=ma.validate.Length(min=1, max=events.TITLE_MAX))
    starts_at = ma.fields.AwareDateTime(required=True)
    ends_at = ma.fields.AwareDateTime(load_default=None, allow_none=True)
    place = ma.fields.String(required=True,
                             validate=ma.validate.Length(min=1, max=events.PLACE_MAX))
    description = ma.fields.String(load_default="",
                                   validate=ma.validate.Length(max=events.DESCRIPTION_MAX))


class RingEventOut(ma.Schema):
    id = ma.fields.Integer()
    title = ma.fields.String()
    starts_at = ma.fields.AwareDateTime()
    ends_at = ma.fields.AwareDateTime(allow_none=True)
    place = ma.fields.String()
    description = ma.fields.String()
    attendees = ma.fields.Integer(metadata={"description": "how many said they will come"})
    attending = ma.fields.Boolean(metadata={"description": "the caller said it will come"})


class EventsArgs(PageArgs):
    from_ = ma.fields.Date(data_key="from", load_default=None, metadata={
        "description": "events not ended before this day (default: now)"})


class AttendanceIn(ma.Schema):
    coming = ma.fields.Boolean(required=True)


def view(event, counts: dict, mine: set) -> dict:
    data = {name: getattr(event, name) for name in
            ("id", "title", "starts_at", "ends_at", "place", "description")}
    data.update(attendees=counts.get(event.id, 0), attending=event.id in mine)
    return data


@blp.route("/events", methods=["GET"])
@blp.arguments(EventsArgs, location="query")
@blp.response(200, page_schema(RingEventOut, "EventPage"))
def list_events(args):
    """The ring's events from a day on (default: the coming ones), soonest first."""
    actor = current_actor()
    since = events.day_start(args["from_"]) if args.get("from_") else utcnow()
    page = page_of(db.session, events.events_from(actor.ring_id, since=since),
                   page=args["page"], per_page=args["per_page"])
    counts, mine = events.attendance(db.session, [e.id for e in page["items"]],
                                     actor.member_id)
    page["items"] = [view(e, counts, mine) for e in page["items"]]
    return page


@blp.route("/events", methods=["POST"])
@write
@coordinator_only
@blp.arguments(RingEventIn)
@blp.response(201, RingEventOut)
def create_event(data):
    event = events.create(db.session, current_actor(), **data)
    return view(event, {}, set())


@blp.route("/events/<int:event_id>/attendance", methods=["POST"])
@write
@may(events.check_may_attend)
@blp.arguments(AttendanceIn)
@blp.response(200, RingEventOut)
def attend(data, event_id):
    """'I'll come' (coming: true) or not any more (coming: false)."""
    actor = current_actor()
    event = events.attend(db.session, actor, event_id, data["coming"])
    counts, mine = events.attendance(db.session, [event.id], actor.member_id)
    return view(event, counts, mine)


@blp.route("/events.ics", methods=["GET"])
@blp.alt_response(200, success=True, content_type="text/calendar",
                  description="Every coming event (and those of the last 30 days)")
def calendar_feed():
    """The ring's events as iCalendar, for the caller's calendar program."""
    return ics_response(current_member())
