"""Pages for feedback: give or change it on an exchange, read a member's, and
the coordinator's list of negative feedback."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tauschring.db import db
from tauschring.errors import DomainError, NotFound
from tauschring.feedback import service as feedback
from tauschring.feedback.forms import FeedbackForm
from tauschring.members.service import get_member
from tauschring.paging import page_number, page_of
from tauschring.web.access import coordinator_required, current_actor
from tauschring.web.forms import act, show_error

bp = Blueprint("feedback", __name__)


@bp.app_context_processor
def _feedback_helpers():
    def feedback_summary(member_id: int):
        """Counts and recent comments on a member, for the profile page."""
        return feedback.about_member(db.session, current_actor(), member_id, recent=3)
    return {"feedback_summary": feedback_summary, "feedback_ratings": {
        "positive": _("Positive"), "neutral": _("Neutral"), "negative": _("Negative")}}


@bp.route("/exchanges/<int:exchange_id>/feedback", methods=["GET", "POST"])
@login_required
def give(exchange_id: int):
    actor = current_actor()
    form = FeedbackForm()
    try:
        exchange = feedback.check_may_give(db.session, actor, exchange_id)
    except NotFound:
        abort(404)
    except DomainError as error:
        if error.status == 403:
            abort(403)
        show_error(form, error)
        return render_template("feedback/give.html", form=form, exchange=None,
                               exchange_id=exchange_id, own=None), error.status
    own = feedback.own_feedback(db.session, actor, exchange.id)
    if request.method == "GET" and own is not None:
        form.rating.data, form.comment.data = own.rating, own.comment
    if form.validate_on_submit():
        service = feedback.change if own is not None else feedback.give
        outcome = act(form, service, actor, exchange.id, rating=form.rating.data,
                      comment=form.comment.data)
        if outcome:
            flash(_("Thank you for your feedback."))
            return redirect(url_for("exchanges.detail", exchange_id=exchange.id))
        return render_template("feedback/give.html", form=form, exchange=exchange,
                               exchange_id=exchange.id, own=own), outcome.status
    return render_template("feedback/give.html", form=form, exchange=exchange,
                           exchange_id=exchange.id, own=own,
                           until=feedback.editable_until(own) if own else None)


@bp.route("/members/<int:member_id>/feedback")
@login_required
def about_member(member_id: int):
    try:
        summary = feedback.about_member(db.session, current_actor(), member_id, recent=None)
    except NotFound:
        abort(404)
    member = get_member(db.session, current_user.ring_id, member_id)
    return render_template("feedback/member.html", summary=summary, member=member)


@bp.route("/coordination/feedback")
@coordinator_required
def desk():
    """Negative feedback of the last 90 days: whom to call and ask how it went."""
    page = page_of(db.session, feedback.negative_for_desk(current_actor()),
                   page=page_number(request.args.get("page")), per_page=50)
    return render_template("feedback/desk.html", page=page)
