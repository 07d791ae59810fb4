"""The away page: "I am away until ..." and "I am back"."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import login_required
from flask_wtf import FlaskForm
from wtforms import DateField
from wtforms.validators import Optional

from tauschring.away import service as away
from tauschring.db import db
from tauschring.web.access import current_actor
from tauschring.web.forms import act

bp = Blueprint("away", __name__)


class AwayForm(FlaskForm):
    until = DateField(_l("Away until (the last day)"), validators=[Optional()])


@bp.app_context_processor
def _away_helpers():
    def member_away_until(member_id: int):
        return away.away_until(db.session, member_id)
    return {"member_away_until": member_away_until}


@bp.route("/away", methods=["GET", "POST"])
@login_required
def index():
    actor = current_actor()
    form = AwayForm()
    if form.validate_on_submit():
        back = request.form.get("back") == "1"
        outcome = act(form, away.set_away, actor, None if back else form.until.data)
        if outcome:
            flash(_("Welcome back! Your offers and requests are listed again.")
                  if outcome.result is None else
                  _("Your offers and requests are hidden until %(date)s.",
                    date=outcome.result.strftime("%d.%m.%Y")))
            return redirect(url_for("away.index"))
    elif request.method == "GET":
        form.until.data = away.away_until(db.session, actor.member_id)
    until = away.away_until(db.session, actor.member_id)
    return render_template("away/index.html", form=form, until=until)
