"""Pages for statements: a member's years with downloads; for coordinators,
any account of the ring and the ZIP of every account's statements."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, redirect, render_template, request, send_file, url_for
from flask_login import current_user, login_required

from tauschring.db import db
from tauschring.ledger.service import get_account
from tauschring.paging import query_id
from tauschring.rings.models import Ring
from tauschring.statements import service
from tauschring.web.access import coordinator_required, current_actor

bp = Blueprint("statements", __name__)

MIMETYPES = {"csv": "text/csv", "pdf": "application/pdf", "zip": "application/zip"}


def _send(data, fmt: str, filename: str):
    """Bytes or an open file (the ZIP) as a download."""
    response = send_file(BytesIO(data) if isinstance(data, bytes) else data,
                         mimetype=MIMETYPES[fmt], as_attachment=True, download_name=filename)
    # Balances and names of members: not for shared caches.
    response.headers["Cache-Control"] = "private, no-store"
    return response


@bp.route("/statements")
@login_required
def index():
    """The member's own statements; a coordinator also finds the ring's here."""
    account_id = query_id(request.args.get("account"))
    if account_id and current_user.is_coordinator:
        return redirect(url_for("statements.account", account_id=account_id))
    return _account_page(current_user.account_id)


@bp.route("/statements/account/<int:account_id>")
@login_required
def account(account_id):
    return _account_page(account_id)


def _account_page(account_id: int):
    actor = current_actor()
    account = get_account(db.session, actor, account_id)
    holders = service.holders_of(db.session, account.id)
    ring_years = (service.years_of_ring(db.session, actor) if actor.is_coordinator else [])
    return render_template("statements/index.html", account=account, holders=holders,
                           own=account.id == current_user.account_id,
                           years=service.years_of_account(db.session, actor, account.id),
                           ring_years=ring_years)


@bp.route("/statements/account/<int:account_id>/<int:year>.<any(csv, pdf):fmt>")
@login_required
def download(account_id, year, fmt):
    found = service.statement(db.session, current_actor(), account_id, year)
    return _send(service.render(found, fmt), fmt, service.file_name(found, fmt))


@bp.route("/statements/all/<int:year>.zip")
@coordinator_required
def all_statements(year):
    chosen = request.args.get("format")
    formats = (chosen,) if chosen in service.FORMATS else service.FORMATS
    archive = service.all_statements_zip_file(db.session, current_actor(), year, formats)
    ring = db.session.get(Ring, current_user.ring_id)
    return _send(archive, "zip", service.zip_filename(ring, year))
