"""The events page: the coming events with "I'll come", the private calendar
link, and for coordinators a form for a new event; the feed behind the link."""

from __future__ import annotations

from datetime import date

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tauschring.db import atomic, db, utcnow
from tauschring.errors import NotFound
from tauschring.events import service as events
from tauschring.events.feed import ics_response
from tauschring.events.forms import EventForm, RenewFeedForm
from tauschring.exchanges.forms import EmptyForm
from tauschring.web.access import current_actor
from tauschring.web.forms import act

bp = Blueprint("events", __name__)


@bp.app_context_processor
def _next_event():
    def next_event():
        """For the dashboard."""
        event = events.next_event(db.session, current_user.ring_id)
        if event is None:
            return None
        counts, mine = events.attendance(db.session, [event.id], current_user.id)
        return {"event": event, "count": counts.get(event.id, 0), "coming": event.id in mine}
    return {"next_event": next_event, "local_time": events.local_time}


def _from_day() -> date | None:
    try:
        return date.fromisoformat(request.args.get("from", ""))
    except ValueError:
        return None


def _page(form: EventForm | None, status: int = 200):
    actor = current_actor()
    day = _from_day()
    since = events.day_start(day) if day else utcnow()
    listed = list(db.session.scalars(events.events_from(actor.ring_id, since=since).limit(100)))
    counts, mine = events.attendance(db.session, [e.id for e in listed], actor.member_id)
    token = atomic(events.feed_token, actor) if actor.member_id else None
    return render_template(
        "events/index.html", events=listed, counts=counts, mine=mine, form=form,
        buttons=EmptyForm(), renew=RenewFeedForm(), day=day,
        feed_url=current_app.config["BASE_URL"].rstrip("/") + url_for("events.feed", token=token)
        if token else None,
        attendees=events.attendees(db.session, [e.id for e in listed])
        if actor.is_coordinator else {}), status


@bp.route("/events", methods=["GET", "POST"])
@login_required
def index():
    actor = current_actor()
    form = EventForm() if actor.is_coordinator else None
    if request.method == "GET":
        return _page(form)
    actor.require_coordinator()  # 403 before the form is read
    if not form.validate_on_submit():
        return _page(form, 422)
    zone = events.RING_ZONE
    outcome = act(form, events.create, actor, title=form.title.data,
                  starts_at=form.starts_at.data.replace(tzinfo=zone),
                  ends_at=form.ends_at.data.replace(tzinfo=zone) if form.ends_at.data else None,
                  place=form.place.data, description=form.description.data)
    if not outcome:
        return _page(form, outcome.status)
    flash(_("The event is put up."))
    return redirect(url_for("events.index"))


@bp.route("/events/<int:event_id>/attend", methods=["POST"])
@login_required
def attend(event_id: int):
    actor = current_actor()
    try:
        event = events.check_may_attend(db.session, actor, event_id)
    except NotFound:
        abort(404)
    form = EmptyForm()
    if form.validate_on_submit():
        coming = request.form.get("coming") == "1"
        atomic(events.attend, actor, event.id, coming)
        flash(_("See you there!") if coming else _("You are no longer on the list."))
    return redirect(url_for("events.index") + f"#event-{event.id}")


@bp.route("/events/feed/renew", methods=["POST"])
@login_required
def renew_feed():
    form = RenewFeedForm()
    if form.validate_on_submit():
        atomic(events.renew_feed_token, current_actor())
        flash(_("Your calendar link is new; the old one no longer works."))
    else:
        flash(_("The link stays as it was."), "error")
    return redirect(url_for("events.index") + "#calendar")


@bp.route("/calendar/<token>.ics")
def feed(token: str):
    """The private feed link: no log-in, the token is the key."""
    try:
        member = events.member_for_feed(db.session, token)
    except NotFound:
        abort(404)
    return ics_response(member)
