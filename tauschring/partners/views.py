"""The partner pages: the coordinators' desk (/coordination/partners) and the
members' list of partner rings (/partners)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import login_required
from sqlalchemy import select
from wtforms import SelectChoice

from tauschring.db import db
from tauschring.federation import service as federation
from tauschring.partners import service as partners
from tauschring.partners.forms import AnswerForm, ProposalForm
from tauschring.rings.models import Ring
from tauschring.web.access import coordinator_required, current_actor
from tauschring.web.forms import act

bp = Blueprint("partners", __name__)

ACTION = "<any(accept, decline, pause, end):action>"


def _done(action: str, ring_name: str) -> str:
    return {
        "proposed": _("Your proposal has gone to the coordinators of %(ring)s.", ring=ring_name),
        "accept": _("The partnership with %(ring)s is active.", ring=ring_name),
        "decline": _("The proposal concerning %(ring)s is declined.", ring=ring_name),
        "pause": _("The partnership with %(ring)s is paused.", ring=ring_name),
        "end": _("The partnership with %(ring)s has ended.", ring=ring_name),
    }[action]


def _proposal_form() -> ProposalForm:
    actor = current_actor()
    form = ProposalForm()
    rings = db.session.scalars(select(Ring).where(Ring.id != actor.ring_id)
                               .order_by(Ring.name)).all()
    form.ring.choices = [SelectChoice("", _("Choose a ring"))] + [
        SelectChoice(ring.slug, ring.name) for ring in rings]
    return form


def _desk(proposal: ProposalForm, status: int = 200, answer: AnswerForm | None = None):
    actor = current_actor()
    rows = partners.overview(db.session, actor)
    return render_template("partners/desk.html", rows=rows, form=proposal,
                           answer=answer, answer_form=AnswerForm(formdata=None)), status


@bp.route("/coordination/partners", methods=["GET", "POST"])
@coordinator_required
def desk():
    """The ring's partnerships, and a proposal to another ring."""
    form = _proposal_form()
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        outcome = act(form, partners.propose, current_actor(), ring=form.ring.data,
                      credit_line=form.credit_line.data)
        if outcome:
            other = db.session.get(Ring, outcome.result.other_ring_id(current_actor().ring_id))
            flash(_done("proposed", other.name))
            return redirect(url_for(".desk"))
        status = outcome.status
    return _desk(form, status)


@bp.route(f"/coordination/partners/<int:partnership_id>/{ACTION}", methods=["POST"])
@coordinator_required
def answer(partnership_id, action):
    """Accept, decline, pause or end one of the ring's partnerships."""
    actor = current_actor()
    partnership = partners.check_may_act(db.session, actor, partnership_id)
    other = db.session.get(Ring, partnership.other_ring_id(actor.ring_id))
    form = AnswerForm()
    status = 422
    if form.validate_on_submit():
        extra = () if action == "accept" else (form.reason.data,)
        outcome = act(form, partners.STEPS[action], actor, partnership_id, *extra)
        if outcome:
            flash(_done(action, other.name))
            return redirect(url_for(".desk"))
        status = outcome.status
    return _desk(_proposal_form(), status, answer=form)


@bp.route("/partners")
@login_required
def index():
    """The ring's partner rings, for every member."""
    actor = current_actor()
    rows = [row for row in partners.overview(db.session, actor) if row["status"] == "active"]
    peers = [peer.remote_ring for peer in federation.peers_of(db.session, actor.ring_id)]
    return render_template("partners/index.html", rows=rows, peers=peers)
