"""The iCalendar answer both doors give: the API (bearer token) and the private
feed link (a page without log-in)."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, current_app

from tauschring.db import db
from tauschring.events import service as events
from tauschring.events.calendar import calendar
from tauschring.members.models import Member


def ics_response(member: Member) -> Response:
    base_url = current_app.config["BASE_URL"].rstrip("/")
    data = calendar(events.feed_events(db.session, member.ring_id),
                    ring_name=member.ring.name, ring_slug=member.ring.slug,
                    host=urlsplit(base_url).hostname or "localhost", base_url=base_url)
    response = Response(data, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f"inline; filename={member.ring.slug}.ics"
    response.headers["Cache-Control"] = "private, no-store"
    return response
