"""Pages for exchanges: propose, answer, dispute, mediate; and the notifications list."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import SelectChoice

from tauschring.db import atomic, db, utcnow
from tauschring.errors import DomainError, NotFound
from tauschring.exchanges import service as exchanges
from tauschring.exchanges.forms import (
    EmptyForm,
    MessageForm,
    ProposeForm,
    ReasonForm,
    ResolveForm,
)
from tauschring.exchanges.models import STATES
from tauschring.market.service import get_talent
from tauschring.members.models import Member
from tauschring.notifications import service as notifications
from tauschring.paging import page_number, page_of, query_id
from tauschring.web.access import coordinator_required, current_actor
from tauschring.web.forms import act

bp = Blueprint("exchanges", __name__)


def _partners(across: Member | None = None) -> list[SelectChoice]:
    """The ring's active members; and a member of a partner ring the page was
    opened for (from a partner's talent or profile), named with its ring."""
    members = db.session.scalars(
        select(Member).where(Member.ring_id == current_user.ring_id,
                             Member.status == "active",
                             Member.account_id != current_user.account_id)
        .order_by(Member.name)).all()
    choices = [SelectChoice(m.id, m.name) for m in members]
    if across is not None:
        choices.insert(0, SelectChoice(across.id, f"{across.name} ({across.ring.name})"))
    return choices


def _talent(actor, talent_id: int | None):
    """The talent the proposal starts from: of the ring (the market's rules) or
    one a partner ring's member published to partners; else 404."""
    if not talent_id:
        return None
    talent = exchanges.talent_to_propose_from(db.session, actor, talent_id)
    if talent is not None:
        return talent
    try:
        return get_talent(db.session, actor, talent_id)
    except NotFound:
        abort(404)


@bp.app_template_global("reader_ring_id")
def reader_ring_id() -> int | None:
    """The ring of whoever reads the page (pages name members of other rings'
    with their ring)."""
    return current_user.ring_id if current_user.is_authenticated else None


@bp.app_template_global("exchange_overview")
def exchange_overview(latest: int = 5) -> dict:
    """For the dashboard: what waits for the member's answer, and the latest
    exchanges (inside the ring and across partner rings)."""
    actor = current_actor()
    waiting = db.session.scalars(exchanges.awaiting(actor)).unique().all()
    mine = exchanges.exchanges_for(actor) if not actor.is_coordinator else \
        exchanges.exchanges_for(actor, member_id=actor.member_id)
    return {"waiting": waiting,
            "latest": db.session.scalars(mine.limit(latest)).unique().all()}


@bp.route("/exchanges")
@login_required
def index():
    actor = current_actor()
    state = request.args.get("state") or None
    if state not in (None, *STATES):
        abort(404)
    page = page_of(db.session, exchanges.exchanges_for(actor, state=state),
                   page=page_number(request.args.get("page")), per_page=25)
    waiting = db.session.scalars(exchanges.awaiting(actor)).unique().all()
    return render_template("exchanges/index.html", page=page, waiting=waiting, state=state,
                           states=STATES)


@bp.route("/exchanges/new", methods=["GET", "POST"])
@login_required
def new():
    """Propose an exchange, optionally from a talent ("I'd like this") or a profile."""
    actor = current_actor()
    exchanges.check_may_trade(db.session, actor)
    form = ProposeForm()
    talent = _talent(actor, query_id(request.args.get("talent"))
                     or query_id(form.talent_id.data))
    member_id = query_id(request.args.get("member"))
    across = talent.member if talent is not None and talent.ring_id != actor.ring_id \
        else exchanges.partner_member(db.session, actor, member_id) if member_id else None
    form.partner.choices = _partners(across)
    if request.method == "GET":
        form.performed_on.data = utcnow().date()
        if talent is not None:
            form.talent_id.data = str(talent.id)
            form.partner.data = talent.member_id
            form.direction.data = "received" if talent.kind == "offer" else "provided"
            form.description.data = talent.title
        elif query_id(request.args.get("member")):
            form.partner.data = query_id(request.args.get("member"))
    if form.validate_on_submit():
        me, other = current_user.id, form.partner.data
        provider, recipient = (me, other) if form.direction.data == "provided" else (other, me)
        outcome = act(form, exchanges.propose, actor, provider_id=provider,
                      recipient_id=recipient, minutes=form.minutes.data,
                      description=form.description.data,
                      performed_on=form.performed_on.data,
                      talent_id=talent.id if talent else None,
                      field_map={"provider_id": "partner", "recipient_id": "partner",
                                 "ring": "partner"})
        if outcome:
            flash(_("Proposed. The other member is asked to confirm."))
            return redirect(url_for("exchanges.detail", exchange_id=outcome.result.id))
    return render_template("exchanges/new.html", form=form, talent=talent)


@bp.route("/exchanges/<int:exchange_id>")
@login_required
def detail(exchange_id: int):
    actor = current_actor()
    try:
        exchange = exchanges.get_exchange(db.session, actor, exchange_id)
    except NotFound:
        abort(404)
    return render_template(
        "exchanges/detail.html", exchange=exchange,
        actions=exchanges.allowed_actions(actor, exchange),
        blocker=exchanges.booking_blocker(db.session, exchange, actor),
        forms={"empty": EmptyForm(), "decline": ReasonForm(prefix="decline"),
               "dispute": ReasonForm(prefix="dispute"), "message": MessageForm(),
               "resolve": ResolveForm()})


def _act(exchange_id: int, form: FlaskForm, check, run, done: str):
    """Check who calls (404, 403), then validate the form, run the service, and
    come back to the exchange."""
    check(db.session, current_actor(), exchange_id)
    if not form.validate_on_submit():
        for errors in form.errors.values():
            for error in errors:
                flash(str(error), "error")
        return redirect(url_for("exchanges.detail", exchange_id=exchange_id))
    try:
        atomic(run)
    except NotFound:
        abort(404)
    except DomainError as error:
        flash(str(error.message), "error")
    else:
        flash(done)
    return redirect(url_for("exchanges.detail", exchange_id=exchange_id))


@bp.route("/exchanges/<int:exchange_id>/confirm", methods=["POST"])
@login_required
def confirm(exchange_id: int):
    actor = current_actor()
    return _act(exchange_id, EmptyForm(), exchanges.check_may_confirm,
                lambda s: exchanges.confirm(s, actor, exchange_id), _("Confirmed and booked."))


@bp.route("/exchanges/<int:exchange_id>/decline", methods=["POST"])
@login_required
def decline(exchange_id: int):
    actor, form = current_actor(), ReasonForm(prefix="decline")
    return _act(exchange_id, form, exchanges.check_may_decline,
                lambda s: exchanges.decline(s, actor, exchange_id, form.reason.data),
                _("Declined."))


@bp.route("/exchanges/<int:exchange_id>/cancel", methods=["POST"])
@login_required
def cancel(exchange_id: int):
    actor = current_actor()
    return _act(exchange_id, EmptyForm(), exchanges.check_may_cancel,
                lambda s: exchanges.cancel(s, actor, exchange_id), _("Withdrawn."))


@bp.route("/exchanges/<int:exchange_id>/dispute", methods=["POST"])
@login_required
def dispute(exchange_id: int):
    actor, form = current_actor(), ReasonForm(prefix="dispute")
    return _act(exchange_id, form, exchanges.check_may_dispute,
                lambda s: exchanges.dispute(s, actor, exchange_id, form.reason.data),
                _("Disputed. The coordinators have been told."))


@bp.route("/exchanges/<int:exchange_id>/message", methods=["POST"])
@login_required
def message(exchange_id: int):
    actor, form = current_actor(), MessageForm()
    return _act(exchange_id, form, exchanges.check_may_message,
                lambda s: exchanges.add_message(s, actor, exchange_id, form.message.data),
                _("Message added."))


@bp.route("/exchanges/<int:exchange_id>/resolve", methods=["POST"])
@coordinator_required
def resolve(exchange_id: int):
    actor, form = current_actor(), ResolveForm()
    return _act(exchange_id, form, exchanges.check_may_resolve, lambda s: exchanges.resolve(
        s, actor, exchange_id, decision=form.decision.data, note=form.note.data,
        minutes=form.minutes.data if form.decision.data == "adjust" else None,
        override_limits=form.override_limits.data), _("Decided."))


@bp.route("/exchanges/disputes")
@coordinator_required
def disputes():
    queue = db.session.scalars(exchanges.dispute_queue(current_actor())).unique().all()
    return render_template("exchanges/disputes.html", queue=queue)


@bp.route("/notifications", methods=["GET", "POST"])
@login_required
def notification_list():
    form = EmptyForm()
    if form.validate_on_submit():
        atomic(notifications.mark_read, current_user.id)
        return redirect(url_for("exchanges.notification_list"))
    page = page_of(db.session, notifications.notifications_of(current_user.id),
                   page=page_number(request.args.get("page")), per_page=50)
    return render_template("exchanges/notifications.html", page=page, form=form)
