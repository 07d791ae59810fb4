"""The ring's events: coordinators put them up, members see the coming ones,
say "I'll come", and read them in their calendar through a private feed link."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from tauschring.actors import Actor
from tauschring.db import utcnow
from tauschring.errors import Forbidden, Invalid, NotFound
from tauschring.events.models import CalendarFeed, Event, EventAttendance
from tauschring.i18n import _l
from tauschring.members.models import Member

TITLE_MAX = 200
PLACE_MAX = 200
DESCRIPTION_MAX = 5000
# The ring's days begin at midnight in its time zone: "from 5 December" means that.
RING_ZONE = ZoneInfo("Europe/Berlin")


def day_start(day: date) -> datetime:
    """The moment `day` begins in the ring's time zone."""
    return datetime.combine(day, time(), tzinfo=RING_ZONE)


def local_time(moment: datetime) -> datetime:
    """A moment as the ring's clocks show it."""
    return moment.astimezone(RING_ZONE)


def events_from(ring_id: int, *, since: datetime) -> Select:
    """The ring's events that have not ended before `since`, soonest first."""
    return (select(Event).where(Event.ring_id == ring_id,
                                func.coalesce(Event.ends_at, Event.starts_at) >= since)
            .order_by(Event.starts_at, Event.id))


def coming(session: Session, ring_id: int, *, now: datetime | None = None,
           until: datetime | None = None) -> list[Event]:
    statement = events_from(ring_id, since=now or utcnow())
    if until is not None:
        statement = statement.where(Event.starts_at <= until)
    return list(session.scalars(statement))


def next_event(session: Session, ring_id: int, *, now: datetime | None = None
               ) -> Event | None:
    return session.scalars(events_from(ring_id, since=now or utcnow()).limit(1)).first()


def create(session: Session, actor: Actor, *, title: str, starts_at: datetime,
           place: str, ends_at: datetime | None = None, description: str = "") -> Event:
    actor.require_coordinator()
    title, place = (title or "").strip(), (place or "").strip()
    description = (description or "").strip()
    if not title or len(title) > TITLE_MAX:
        raise Invalid(_l("The title needs 1 to %(max)d characters.", max=TITLE_MAX),
                      code="title_invalid", field="title")
    if not place or len(place) > PLACE_MAX:
        raise Invalid(_l("The place needs 1 to %(max)d characters.", max=PLACE_MAX),
                      code="place_invalid", field="place")
    if len(description) > DESCRIPTION_MAX:
        raise Invalid(_l("The description may have at most %(max)d characters.",
                         max=DESCRIPTION_MAX), code="description_too_long",
                      field="description")
    if not isinstance(starts_at, datetime) or starts_at.tzinfo is None:
        raise Invalid(_l("Please give the start as a date and time."), code="starts_at_invalid",
                      field="starts_at")
    if ends_at is not None and (ends_at.tzinfo is None or ends_at < starts_at):
        raise Invalid(_l("The end lies before the start."), code="ends_before_start",
                      field="ends_at")
    event = Event(ring_id=actor.ring_id, title=title, place=place, description=description,
                  starts_at=starts_at.astimezone(UTC),
                  ends_at=ends_at.astimezone(UTC) if ends_at else None,
                  created_by=actor.member_id)
    session.add(event)
    session.flush()
    return event


def get_event(session: Session, actor: Actor, event_id: int) -> Event:
    event = session.get(Event, event_id)
    if event is None or event.ring_id != actor.ring_id:
        raise NotFound(_l("This event does not exist."), code="event_not_found")
    return event


def check_may_attend(session: Session, actor: Actor, event_id: int) -> Event:
    event = get_event(session, actor, event_id)
    if not actor.is_active:
        raise Forbidden(_l("Only active members can say they will come."),
                        code="member_not_active")
    return event


def attend(session: Session, actor: Actor, event_id: int, coming: bool = True) -> Event:
    """'I'll come' (or not any more); saying it twice changes nothing."""
    event = check_may_attend(session, actor, event_id)
    here = session.scalar(select(EventAttendance).where(
        EventAttendance.event_id == event.id, EventAttendance.member_id == actor.member_id))
    if coming and here is None:
        session.add(EventAttendance(event_id=event.id, member_id=actor.member_id))
    elif not coming and here is not None:
        session.execute(delete(EventAttendance).where(EventAttendance.id == here.id))
    session.flush()
    return event


def attendance(session: Session, event_ids: list[int], member_id: int | None
               ) -> tuple[dict[int, int], set[int]]:
    """How many come to each event, and which of them the member comes to."""
    if not event_ids:
        return {}, set()
    counts = dict(session.execute(
        select(EventAttendance.event_id, func.count(EventAttendance.id))
        .where(EventAttendance.event_id.in_(event_ids)).group_by(EventAttendance.event_id)).all())
    mine = set(session.scalars(select(EventAttendance.event_id).where(
        EventAttendance.event_id.in_(event_ids), EventAttendance.member_id == member_id)))
    return counts, mine


def attendees(session: Session, event_ids: list[int]) -> dict[int, list[Member]]:
    """Who comes to each of the events (by name), in one query for all of them."""
    if not event_ids:
        return {}
    found: dict[int, list[Member]] = {}
    for event_id, member in session.execute(
            select(EventAttendance.event_id, Member)
            .join(Member, EventAttendance.member_id == Member.id)
            .where(EventAttendance.event_id.in_(event_ids)).order_by(Member.name)):
        found.setdefault(event_id, []).append(member)
    return found


# --- the private calendar feed ------------------------------------------------------

def feed_token(session: Session, actor: Actor) -> str:
    """The member's feed token, made on first use."""
    feed = session.get(CalendarFeed, actor.member_id)
    if feed is None:
        feed = CalendarFeed(member_id=actor.member_id, token=secrets.token_urlsafe(32))
        session.add(feed)
        session.flush()
    return feed.token


def renew_feed_token(session: Session, actor: Actor) -> str:
    """A new link; the old one stops working at once."""
    feed = session.get(CalendarFeed, actor.member_id)
    if feed is None:
        return feed_token(session, actor)
    feed.token, feed.created_at = secrets.token_urlsafe(32), utcnow()
    session.flush()
    return feed.token


def member_for_feed(session: Session, token: str) -> Member:
    """The member whose feed link this is; one who cannot read the ring's pages
    (waiting, left) gets none."""
    member = None
    if token and len(token) <= 64:
        member = session.scalar(select(Member).join(
            CalendarFeed, CalendarFeed.member_id == Member.id).where(CalendarFeed.token == token))
    if member is None or member.status not in ("active", "suspended"):
        raise NotFound(_l("This calendar link is unknown or was renewed."),
                       code="feed_not_found")
    return member


def feed_events(session: Session, ring_id: int, *, now: datetime | None = None) -> list[Event]:
    """Every coming event, and those of the last 30 days (calendars keep them)."""
    return list(session.scalars(events_from(ring_id,
                                            since=(now or utcnow()) - timedelta(days=30))))
