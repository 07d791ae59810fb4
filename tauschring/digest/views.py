"""Pages: what a member receives by mail; the coordinator's list of inactive
members and the ring's reminder setting."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import login_required

from tauschring.db import db
from tauschring.digest import service as digest
from tauschring.digest.forms import MailSettingsForm, ReminderForm
from tauschring.web.access import coordinator_required, current_actor
from tauschring.web.forms import act

bp = Blueprint("digest", __name__)


@bp.route("/mail-settings", methods=["GET", "POST"])
@login_required
def settings():
    actor = current_actor()
    chosen = digest.preferences(db.session, actor.member_id)
    form = MailSettingsForm(data={"weekly_digest": chosen.weekly_digest,
                                  "news_by_mail": chosen.news_by_mail}
                            if request.method == "GET" else None)
    status = 200
    if form.validate_on_submit():
        outcome = act(form, digest.set_preferences, actor,
                      weekly_digest=form.weekly_digest.data,
                      news_by_mail=form.news_by_mail.data)
        if outcome:
            flash(_("Your choice is saved."))
            return redirect(url_for("digest.settings"))
        status = outcome.status
    elif request.method == "POST":
        status = 422
    return render_template("digest/settings.html", form=form), status


@bp.route("/coordination/inactive", methods=["GET", "POST"])
@coordinator_required
def inactive():
    actor = current_actor()
    form = ReminderForm()
    status = 200
    if request.method == "POST":
        if form.validate_on_submit() and act(form, digest.set_reminder_months, actor,
                                             form.months.data):
            flash(_("The reminder setting is saved."))
            return redirect(url_for("digest.inactive"))
        status = 422
    months, rows = digest.inactive_for_coordinator(db.session, actor)
    if request.method == "GET":
        form.months.data = months
    return render_template("digest/inactive.html", form=form, months=months, rows=rows), status
