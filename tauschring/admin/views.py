"""Pages for the admin of the instance: the rings, and their coordinators.

Admins act across rings here; the services check the role again
(rings.service.require_admin) and record every change in the audit log.
"""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from wtforms import SelectChoice

from tauschring.admin.forms import (
    AppointForm,
    NewCoordinatorForm,
    RingForm,
)
from tauschring.coordination.views import generate_password
from tauschring.db import db
from tauschring.members import service as members
from tauschring.members.models import Member
from tauschring.rings import service as ring_service
from tauschring.web.access import admin_required, current_actor
from tauschring.web.forms import act

bp = Blueprint("admin", __name__, url_prefix="/admin")

HOURS_HINT = _l("Hours and minutes as h:mm, or whole hours: e.g. -20 or 40:00. Empty: no limit.")


@bp.route("/rings", methods=["GET", "POST"])
@admin_required
def rings():
    """Every ring with its members and whether its balances sum to zero; a new ring."""
    form = RingForm()
    status = 422 if form.is_submitted() else 200
    if form.validate_on_submit():
        outcome = act(form, ring_service.create_ring_by_admin, current_actor(),
                      name=form.name.data, slug=(form.slug.data or "").strip(),
                      unit_name=(form.unit_name.data or "").strip(),
                      default_min_balance=form.default_min_balance.data,
                      default_max_balance=form.default_max_balance.data)
        if outcome:
            ring = outcome.result
            flash(_("The ring %(name)s is created. Now appoint its first coordinator.",
                    name=ring.name))
            return redirect(url_for(".ring", ring_id=ring.id))
        status = outcome.status
    summaries = ring_service.ring_summaries(db.session, current_actor())
    return render_template("admin/rings.html", summaries=summaries, form=form,
                           hours_hint=HOURS_HINT), status


def _ring_page(ring_id: int, form: AppointForm | None = None, status: int = 200,
               new_form: NewCoordinatorForm | None = None):
    ring = ring_service.get_ring(db.session, current_actor(), ring_id)
    people = db.session.scalars(select(Member).where(
        Member.ring_id == ring.id, Member.status != "left").order_by(Member.name, Member.id)).all()
    coordinators = [m for m in people if m.role in ("coordinator", "admin")]
    candidates = [m for m in people if m.role == "member" and m.status == "active"]
    form = form or AppointForm(formdata=None, prefix="appoint")
    form.member_id.choices = [SelectChoice(m.id, f"{m.name} ({m.email})") for m in candidates]
    new_form = new_form or NewCoordinatorForm(formdata=None, prefix="new")
    return render_template("admin/ring.html", ring=ring, coordinators=coordinators,
                           candidates=candidates, form=form, new_form=new_form), status


@bp.get("/rings/<int:ring_id>")
@admin_required
def ring(ring_id: int):
    return _ring_page(ring_id)


@bp.post("/rings/<int:ring_id>/coordinators")
@admin_required
def appoint(ring_id: int):
    """Make an active member of the ring its coordinator."""
    ring_service.get_ring(db.session, current_actor(), ring_id)  # 404 before anything else
    form = AppointForm(prefix="appoint")
    if not form.validate():
        return _ring_page(ring_id, form, 422)
    outcome = act(form, members.appoint_coordinator, current_actor(), ring_id,
                  form.member_id.data)
    if not outcome:
        return _ring_page(ring_id, form, outcome.status)
    flash(_("%(name)s is now a coordinator of this ring.", name=outcome.result.name))
    return redirect(url_for(".ring", ring_id=ring_id))


@bp.post("/rings/<int:ring_id>/coordinators/new")
@admin_required
def enter_coordinator(ring_id: int):
    """Enter a new person as coordinator, e.g. the first of a new ring."""
    ring_service.get_ring(db.session, current_actor(), ring_id)
    form = NewCoordinatorForm(prefix="new")
    if not form.validate():
        return _ring_page(ring_id, status=422, new_form=form)
    generated = not form.password.data
    password = form.password.data or generate_password()
    outcome = act(form, members.enter_coordinator, current_actor(), ring_id,
                  name=form.name.data, email=form.email.data, password=password)
    if not outcome:
        return _ring_page(ring_id, status=outcome.status, new_form=form)
    page = render_template("admin/coordinator_created.html", member=outcome.result,
                           password=password if generated else None)
    # The generated password is shown this once and must not be cached.
    return page, 201, {"Cache-Control": "no-store"}
