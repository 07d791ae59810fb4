"""The news page: every member reads the ring's news; coordinators post them."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from tauschring.db import db
from tauschring.news import service as news
from tauschring.news.forms import NewsForm
from tauschring.paging import page_number, page_of
from tauschring.web.access import current_actor
from tauschring.web.forms import act

bp = Blueprint("news", __name__)


@bp.app_context_processor
def _latest_news():
    def latest_news(limit: int = 3):
        """For the dashboard."""
        return news.latest(db.session, current_user.ring_id, limit)
    return {"latest_news": latest_news}


@bp.route("/news", methods=["GET", "POST"])
@login_required
def index():
    actor = current_actor()
    form = NewsForm() if actor.is_coordinator else None
    status = 200
    if request.method == "POST":
        actor.require_coordinator()  # 403 before the form is read
        if form.validate_on_submit():
            outcome = act(form, news.post, actor, title=form.title.data, body=form.body.data,
                          mail_it=form.mail_it.data)
            if outcome:
                flash(_("The news is posted."))
                return redirect(url_for("news.index"))
            status = outcome.status
        else:
            status = 422
    page = page_of(db.session, news.news_of_ring(actor.ring_id),
                   page=page_number(request.args.get("page")), per_page=20)
    return render_template("news/index.html", page=page, form=form), status
