"""The web pages. Each area keeps its views beside its services
(members/views.py, market/views.py, ...); this package holds what they share."""

from __future__ import annotations

from flask import Blueprint, Flask, has_request_context, redirect, render_template, url_for
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from tauschring.db import db
from tauschring.ledger import queries
from tauschring.ledger.service import effective_limits, get_account
from tauschring.market.service import talents_of_member
from tauschring.web.access import current_actor, init_access
from tauschring.web.i18n import LANGUAGES, hours, short_date

bp = Blueprint("web", __name__)


@bp.route("/")
def index():
    if current_user.is_authenticated:
        return redirect(url_for("web.dashboard"))
    return redirect(url_for("members.login"))


@bp.route("/dashboard")
@login_required
def dashboard():
    """Balance, limits, latest entries and the member's own talents."""
    actor = current_actor()
    account = get_account(db.session, actor, current_user.account_id)
    low, high = effective_limits(account, current_user.ring)
    entries = db.session.execute(
        queries.entries_of_account(db.session, actor, account.id).limit(10)).all()
    talents = db.session.scalars(talents_of_member(current_user.id)).all()
    return render_template("dashboard.html", account=account, low=low, high=high,
                           entries=entries, talents=talents)


def init_web(app: Flask) -> None:
    from tauschring.admin.views import bp as admin_bp
    from tauschring.coordination import desk, views  # noqa: F401  (register their pages)
    from tauschring.coordination.blueprint import bp as coordination_bp
    from tauschring.exchanges.views import bp as exchanges_bp
    from tauschring.imports.views import bp as imports_bp
    from tauschring.market.views import bp as market_bp
    from tauschring.members.views import bp as members_bp
    from tauschring.office.views import bp as office_bp
    from tauschring.regions.views import bp as regions_bp
    from tauschring.reports.views import bp as reports_bp
    from tauschring.statements.views import bp as statements_bp
    from tauschring.web.i18n import bp as i18n_bp

    for blueprint in (bp, i18n_bp, members_bp, market_bp, exchanges_bp, coordination_bp,
                      admin_bp, imports_bp, statements_bp, reports_bp, office_bp,
                      regions_bp):
        app.register_blueprint(blueprint)
    from tauschring.away.views import bp as away_bp  # ring life, one area each
    from tauschring.digest.views import bp as digest_bp
    from tauschring.documents.views import bp as documents_bp
    from tauschring.events.views import bp as events_bp
    from tauschring.feedback.views import bp as feedback_bp
    from tauschring.news.views import bp as news_bp

    for blueprint in (feedback_bp, news_bp, events_bp, digest_bp, away_bp, documents_bp):
        app.register_blueprint(blueprint)
    from tauschring.federation.views import bp as federation_bp  # signed, between instances
    from tauschring.federation.views import messages as federation_messages
    app.register_blueprint(federation_bp)
    app.extensions["csrf"].exempt(federation_messages)  # the machine door only, not the form
    from tauschring.partners.views import bp as partners_bp  # partner rings
    app.register_blueprint(partners_bp)
    init_access(app)
    app.add_template_filter(hours, "hours")
    app.add_template_filter(short_date, "date")

    @app.context_processor
    def _shared():
        return {"languages": LANGUAGES, "nav_links": _nav_links(app), "get_locale": get_locale}


def _nav_links(app: Flask) -> list[tuple[str, str]]:
    if (not has_request_context() or not current_user.is_authenticated
            or current_user.status == "pending"):
        return []  # e.g. a mail rendered by the command line
    if current_user.role == "contact":  # a region's contact point: no ring, its desk
        return [("regions.desk_home", _l("Desk"))]
    links = [("market.index", _l("Market")), ("exchanges.index", _l("Exchanges")),
             ("news.index", _l("News")), ("events.index", _l("Events")),
             ("documents.index", _l("Documents")),
             ("members.directory", _l("Members")),
             ("partners.index", _l("Partner rings")),
             ("exchanges.notification_list", _l("Notifications"))]
    if current_user.is_coordinator:
        links.append(("coordination.index", _l("Coordination")))
    if current_user.is_admin:
        links.append(("admin.rings", _l("Rings")))
    return [(endpoint, label) for endpoint, label in links if endpoint in app.view_functions]
