"""The coordinators' page of the annual report, with its charts and downloads."""

from __future__ import annotations

from io import BytesIO

from flask import Blueprint, redirect, render_template, send_file, url_for
from flask_babel import get_locale

from tauschring.db import db
from tauschring.reports import render
from tauschring.reports.service import annual_report
from tauschring.statements.years import current_year
from tauschring.web.access import coordinator_required, current_actor

bp = Blueprint("reports", __name__)

MIMETYPES = {"json": "application/json", "csv": "text/csv", "pdf": "application/pdf"}


@bp.route("/coordination/report")
@coordinator_required
def current():
    return redirect(url_for("reports.report", year=current_year()))


@bp.route("/coordination/report/<int:year>")
@coordinator_required
def report(year):
    found = annual_report(db.session, current_actor(), year, str(get_locale()))
    return render_template("reports/page.html", **render.template_context(found),
                           previous_year=year - 1, next_year=year + 1
                           if year < current_year() else None)


@bp.route("/coordination/report/<int:year>.<any(json, csv, pdf):fmt>")
@coordinator_required
def download(year, fmt):
    found = annual_report(db.session, current_actor(), year, str(get_locale()))
    response = send_file(BytesIO(render.render(found, fmt)), mimetype=MIMETYPES[fmt],
                         as_attachment=True, download_name=render.report_filename(found, fmt))
    response.headers["Cache-Control"] = "private, no-store"
    return response
