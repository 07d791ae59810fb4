"""The ring's events as an iCalendar file (RFC 5545), written by `icalendar`."""

from __future__ import annotations

from datetime import timedelta

from icalendar import Calendar
from icalendar import Event as CalendarEvent

from tauschring.db import utcnow
from tauschring.events.models import Event

# An event without an end lasts this long in a calendar.
DEFAULT_LENGTH = timedelta(hours=2)


def calendar(events: list[Event], *, ring_name: str, ring_slug: str, host: str,
             base_url: str) -> bytes:
    cal = Calendar()
    cal.add("prodid", "-//Tauschring//Ring events//DE")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", ring_name)
    stamp = utcnow()
    for event in events:
        entry = CalendarEvent()
        entry.add("uid", f"event-{event.id}@{ring_slug}.{host}")
        entry.add("dtstamp", stamp)
        entry.add("summary", event.title)
        entry.add("dtstart", event.starts_at)
        entry.add("dtend", event.ends_at or event.starts_at + DEFAULT_LENGTH)
        entry.add("location", event.place)
        if event.description:
            entry.add("description", event.description)
        entry.add("url", f"{base_url}/events#event-{event.id}")
        cal.add_component(entry)
    return cal.to_ical()
